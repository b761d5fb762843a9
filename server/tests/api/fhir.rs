//! The structure of a FHIR R4 (4.0.1) `AuditEvent`, as the specification defines it
//! (hl7.org/fhir/R4/auditevent.html): which elements exist, which are required, and the
//! codes a few of them may take. Unknown elements are errors, as in a FHIR validator.

use serde_json::Value;

fn keys_within(value: &Value, allowed: &[&str], what: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be an object: {value}"));
    for key in object.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{what} has no element {key:?} in R4: {value}"
        );
    }
}

fn string(value: &Value, what: &str) {
    assert!(
        value.as_str().is_some_and(|s| !s.is_empty()),
        "{what} must be a non-empty string: {value}"
    );
}

fn coding(value: &Value, what: &str) {
    keys_within(
        value,
        &["system", "version", "code", "display", "userSelected"],
        what,
    );
    for key in ["system", "code", "display"] {
        if !value[key].is_null() {
            string(&value[key], &format!("{what}.{key}"));
        }
    }
}

fn codeable_concept(value: &Value, what: &str) {
    keys_within(value, &["coding", "text"], what);
    for (i, c) in value["coding"].as_array().into_iter().flatten().enumerate() {
        coding(c, &format!("{what}.coding[{i}]"));
    }
}

fn reference(value: &Value, what: &str) {
    keys_within(value, &["reference", "type", "identifier", "display"], what);
    if !value["identifier"].is_null() {
        keys_within(
            &value["identifier"],
            &["use", "type", "system", "value", "period", "assigner"],
            &format!("{what}.identifier"),
        );
        string(
            &value["identifier"]["value"],
            &format!("{what}.identifier.value"),
        );
    }
    assert!(
        ["reference", "identifier", "display"]
            .iter()
            .any(|k| !value[*k].is_null()),
        "{what} refers to nothing: {value}"
    );
}

/// Panics with the first way `event` is not a valid R4 AuditEvent.
pub fn assert_r4_audit_event(event: &Value) {
    keys_within(
        event,
        &[
            "resourceType",
            "id",
            "meta",
            "implicitRules",
            "language",
            "text",
            "contained",
            "extension",
            "modifierExtension",
            "type",
            "subtype",
            "action",
            "period",
            "recorded",
            "outcome",
            "outcomeDesc",
            "purposeOfEvent",
            "agent",
            "source",
            "entity",
        ],
        "AuditEvent",
    );
    assert_eq!(event["resourceType"], "AuditEvent");
    // type 1..1 Coding.
    coding(&event["type"], "AuditEvent.type");
    for (i, c) in event["subtype"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        coding(c, &format!("AuditEvent.subtype[{i}]"));
    }
    if !event["action"].is_null() {
        assert!(["C", "R", "U", "D", "E"].contains(&event["action"].as_str().unwrap_or("")));
    }
    // recorded 1..1 instant: a full time with seconds and a zone.
    let recorded = event["recorded"]
        .as_str()
        .expect("AuditEvent.recorded is required");
    chrono::DateTime::parse_from_rfc3339(recorded).expect("AuditEvent.recorded is an instant");
    if !event["outcome"].is_null() {
        assert!(["0", "4", "8", "12"].contains(&event["outcome"].as_str().unwrap_or("")));
    }
    // agent 1..*.
    let agents = event["agent"]
        .as_array()
        .expect("AuditEvent.agent is required");
    assert!(
        !agents.is_empty(),
        "AuditEvent.agent needs at least one agent"
    );
    for (i, agent) in agents.iter().enumerate() {
        let what = format!("AuditEvent.agent[{i}]");
        keys_within(
            agent,
            &[
                "type",
                "role",
                "who",
                "altId",
                "name",
                "requestor",
                "location",
                "policy",
                "media",
                "network",
                "purposeOfUse",
            ],
            &what,
        );
        if !agent["type"].is_null() {
            codeable_concept(&agent["type"], &format!("{what}.type"));
        }
        if !agent["who"].is_null() {
            reference(&agent["who"], &format!("{what}.who"));
        }
        assert!(
            agent["requestor"].is_boolean(),
            "{what}.requestor is a required boolean"
        );
        if !agent["network"].is_null() {
            keys_within(
                &agent["network"],
                &["address", "type"],
                &format!("{what}.network"),
            );
            assert!(
                ["1", "2", "3", "4", "5"]
                    .contains(&agent["network"]["type"].as_str().unwrap_or(""))
            );
        }
    }
    // source 1..1, with observer 1..1.
    let source = &event["source"];
    keys_within(source, &["site", "observer", "type"], "AuditEvent.source");
    reference(&source["observer"], "AuditEvent.source.observer");
    for (i, c) in source["type"].as_array().into_iter().flatten().enumerate() {
        coding(c, &format!("AuditEvent.source.type[{i}]"));
    }
    for (i, entity) in event["entity"].as_array().into_iter().flatten().enumerate() {
        let what = format!("AuditEvent.entity[{i}]");
        keys_within(
            entity,
            &[
                "what",
                "type",
                "role",
                "lifecycle",
                "securityLabel",
                "name",
                "description",
                "query",
                "detail",
            ],
            &what,
        );
        if !entity["what"].is_null() {
            reference(&entity["what"], &format!("{what}.what"));
        }
        for key in ["type", "role", "lifecycle"] {
            if !entity[key].is_null() {
                coding(&entity[key], &format!("{what}.{key}"));
            }
        }
        // sev-1: a name or a query, not both.
        assert!(entity["name"].is_null() || entity["query"].is_null());
        for (j, detail) in entity["detail"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let what = format!("{what}.detail[{j}]");
            keys_within(detail, &["type", "valueString", "valueBase64Binary"], &what);
            string(&detail["type"], &format!("{what}.type"));
            assert!(
                detail["valueString"].is_string() || detail["valueBase64Binary"].is_string(),
                "{what} needs a value"
            );
        }
    }
}
