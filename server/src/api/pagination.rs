//! The list envelope: `count`, `next`, `previous` and the items under the resource's key.

use app::models::Page;
use axum::http::{HeaderMap, Uri, header};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// `{"count", "next", "previous", <key>: [...]}`, with `next`/`previous` as absolute URLs
/// (as DRF builds them) or `null`.
pub fn envelope<T: Serialize>(key: &str, page: Page<T>, uri: &Uri, headers: &HeaderMap) -> Value {
    let link = |to: i64| Value::String(page_url(uri, headers, to));
    let mut body = Map::new();
    body.insert("count".into(), json!(page.count));
    body.insert(
        "next".into(),
        if page.has_next() {
            link(page.page + 1)
        } else {
            Value::Null
        },
    );
    body.insert(
        "previous".into(),
        if page.has_previous() {
            link(page.page - 1)
        } else {
            Value::Null
        },
    );
    body.insert(key.into(), json!(page.items));
    Value::Object(body)
}

/// The same request with `page` changed; page 1 drops the parameter, as DRF does.
fn page_url(uri: &Uri, headers: &HeaderMap, page: i64) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "page");
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let mut url = match host {
        Some(host) => format!("http://{host}{}/", uri.path().trim_end_matches('/')),
        None => format!("{}/", uri.path().trim_end_matches('/')),
    };
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}
