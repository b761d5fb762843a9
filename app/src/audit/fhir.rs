//! The audit trail as FHIR R4: a page of events is a `Bundle` of type `searchset` whose
//! entries are `AuditEvent` resources, so that a compliance tool can take it in.
//!
//! The mapping: `type` is DICOM's "User Authentication" for sign-in, sign-out and token
//! events, and the RESTful operation type for the rest, with the Carebase action as the
//! `subtype`; `action` is C/R/U/D/E; `outcome` is 0 (success) or 4 (denied or failed, with
//! `outcomeDesc` saying which); the single `agent` is the user who asked, with the
//! client's address; `source` is this server; `entity` names the patient (as a `Patient`
//! reference), the object acted on, and the request id.

use super::AuditEvent;
use crate::listing::Page;
use serde_json::{Value, json};

/// The media type that asks for it.
pub const MEDIA_TYPE: &str = "application/fhir+json";

const ACTION_SYSTEM: &str = "urn:carebase:audit-action";
const USER_SYSTEM: &str = "urn:carebase:user";
const OBJECT_SYSTEM: &str = "urn:carebase:object";
const REQUEST_SYSTEM: &str = "urn:carebase:request-id";

/// A page of events as a `searchset` Bundle; `links` are (relation, URL) pairs: `self`,
/// and `next`/`previous` where there are such pages.
pub fn bundle(page: &Page<AuditEvent>, links: &[(&str, String)]) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.count,
        "link": links
            .iter()
            .map(|(relation, url)| json!({ "relation": relation, "url": url }))
            .collect::<Vec<_>>(),
        "entry": page.items.iter().map(|event| json!({
            "fullUrl": format!("urn:carebase:audit-event:{}", event.id),
            "resource": audit_event(event),
            "search": { "mode": "match" },
        })).collect::<Vec<_>>(),
    })
}

/// One event as an R4 `AuditEvent`.
pub fn audit_event(event: &AuditEvent) -> Value {
    let is_auth = event.action.starts_with("auth.");
    let kind = if is_auth {
        json!({
            "system": "http://dicom.nema.org/resources/ontology/DCM",
            "code": "110114",
            "display": "User Authentication",
        })
    } else {
        json!({
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        })
    };
    let verb = event.action.rsplit('.').next().unwrap_or("");
    let action = match verb {
        "create" => "C",
        "read" | "list" => "R",
        "update" | "password_change" => "U",
        "delete" | "prune" => "D",
        _ => "E",
    };
    let (outcome, outcome_desc) = match event.outcome.as_str() {
        "success" => ("0", None),
        other => ("4", Some(other)),
    };
    let mut who = json!({
        "display": if event.actor_email.is_empty() { "unknown" } else { &event.actor_email },
    });
    if let Some(actor) = event.actor {
        who["identifier"] = json!({ "system": USER_SYSTEM, "value": actor.to_string() });
    }
    let mut agent = json!({
        "type": { "coding": [{
            "system": "http://dicom.nema.org/resources/ontology/DCM",
            "code": "110153",
            "display": "Source Role ID",
        }]},
        "who": who,
        "requestor": true,
    });
    if !event.user_agent.is_empty() {
        agent["name"] = json!(event.user_agent);
    }
    if let Some(address) = &event.client_address {
        // 2: an IP address.
        agent["network"] = json!({ "address": address, "type": "2" });
    }
    let mut entities = Vec::new();
    if let Some(patient) = event.patient {
        entities.push(json!({
            "what": { "reference": format!("Patient/{patient}") },
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "1",
                "display": "Person",
            },
            "role": {
                "system": "http://terminology.hl7.org/CodeSystem/object-role",
                "code": "1",
                "display": "Patient",
            },
        }));
    }
    if let Some(object) = event.object_id
        && event.object_type != "patient"
    {
        entities.push(json!({
            "what": { "identifier": {
                "system": OBJECT_SYSTEM,
                "value": format!("{}/{object}", event.object_type),
            }},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "2",
                "display": "System Object",
            },
        }));
    }
    if !event.request_id.is_empty() {
        entities.push(json!({
            "what": { "identifier": { "system": REQUEST_SYSTEM, "value": event.request_id } },
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "2",
                "display": "System Object",
            },
            "description": "The request's X-Request-Id",
        }));
    }
    if let Some(detail) = event.detail.as_object().filter(|d| !d.is_empty()) {
        entities.push(json!({
            "what": { "identifier": { "system": OBJECT_SYSTEM, "value": format!("audit-event/{}", event.id) } },
            "detail": [{ "type": "detail", "valueString": Value::Object(detail.clone()).to_string() }],
        }));
    }
    let mut resource = json!({
        "resourceType": "AuditEvent",
        "id": event.id.to_string(),
        "type": kind,
        "subtype": [{ "system": ACTION_SYSTEM, "code": event.action }],
        "action": action,
        "recorded": event.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "outcome": outcome,
        "agent": [agent],
        "source": {
            "observer": { "display": "Carebase" },
            "type": [{
                "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                "code": "4",
                "display": "Application Server",
            }],
        },
    });
    if let Some(desc) = outcome_desc {
        resource["outcomeDesc"] = json!(desc);
    }
    if !entities.is_empty() {
        resource["entity"] = json!(entities);
    }
    resource
}
