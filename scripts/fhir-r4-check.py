#!/usr/bin/env python3
"""Checks that a file holds a valid FHIR R4 (4.0.1) searchset Bundle of AuditEvents.

fhir.resources 6.4.0 (the last release whose models are R4, not R4B or R5) checks the
structure: elements, types, cardinality, required elements, no unknown elements. It does
not check required code bindings or invariants, so those that apply here are checked below.

Usage: fhir-r4-check.py FILE.json   (exit status 1, with the problems, when invalid)
"""
import json
import sys

import fhir.resources
from fhir.resources.auditevent import AuditEvent
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__

# The R4 value sets bound with strength "required" to the elements Carebase fills.
REQUIRED = {
    "Bundle.entry.search.mode": {"match", "include", "outcome"},
    "AuditEvent.action": {"C", "R", "U", "D", "E"},
    "AuditEvent.outcome": {"0", "4", "8", "12"},
    "AuditEvent.agent.network.type": {"1", "2", "3", "4", "5"},
}


def bindings(bundle):
    problems = []

    def check(path, value):
        if value is not None and value not in REQUIRED[path]:
            problems.append(f"{path}: {value!r} is not one of {sorted(REQUIRED[path])}")

    if bundle.get("type") != "searchset":
        problems.append(f"Bundle.type: {bundle.get('type')!r}, expected 'searchset'")
    for i, entry in enumerate(bundle.get("entry", [])):
        check("Bundle.entry.search.mode", (entry.get("search") or {}).get("mode"))
        event = entry.get("resource") or {}
        check("AuditEvent.action", event.get("action"))
        check("AuditEvent.outcome", event.get("outcome"))
        for agent in event.get("agent", []):
            check("AuditEvent.agent.network.type", (agent.get("network") or {}).get("type"))
        for j, entity in enumerate(event.get("entity", [])):
            # sev-1: either a name or a query, not both.
            if "name" in entity and "query" in entity:
                problems.append(f"entry[{i}].resource.entity[{j}]: sev-1 (name and query)")
    return problems


def main(path):
    with open(path) as f:
        data = json.load(f)
    problems = []
    try:
        bundle = Bundle.parse_obj(data)
        for i, entry in enumerate(bundle.entry or []):
            if not isinstance(entry.resource, AuditEvent):
                problems.append(f"entry[{i}].resource is a {type(entry.resource).__name__}")
    except ValidationError as error:
        problems.append(str(error))
    problems += bindings(data)
    if problems:
        print(f"{path}: not a valid FHIR R4 Bundle of AuditEvents:\n" + "\n".join(problems))
        return 1
    entries = len(data.get("entry", []))
    print(f"{path}: valid FHIR R4 (4.0.1) searchset Bundle, {entries} AuditEvent entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
