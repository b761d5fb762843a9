//! Audit events as CSV (RFC 4180), for the admin site's export.

use super::AuditEvent;

/// The header row.
pub const HEADER: &str = "id,at,actor,actor_email,action,object_type,object_id,patient,outcome,client_address,user_agent,request_id,detail";

/// The events as a CSV document: the header, then one line per event.
pub fn document(events: &[AuditEvent]) -> String {
    let mut out = String::with_capacity(64 + events.len() * 160);
    out.push_str(HEADER);
    out.push_str("\r\n");
    for e in events {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let fields = [
            e.id.to_string(),
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            number(e.actor),
            e.actor_email.clone(),
            e.action.clone(),
            e.object_type.clone(),
            number(e.object_id),
            number(e.patient),
            e.outcome.clone(),
            e.client_address.clone().unwrap_or_default(),
            e.user_agent.clone(),
            e.request_id.clone(),
            e.detail.to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One field: quoted when it holds a comma, a quote or a line break (quotes doubled), and
/// with a leading `'` when a spreadsheet would take it for a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("{\"ids\":[1,2]}"), "\"{\"\"ids\"\":[1,2]}\"");
    }
}
