//! Links between the pages of a list: `next` and `previous` as absolute URLs, as DRF
//! builds them, or `None`.

use app::listing::Page;
use axum::http::{HeaderMap, Uri, header};

/// `(next, previous)` for a page of the request at `uri`.
pub fn links<T>(
    page: &Page<T>,
    uri: &Uri,
    headers: &HeaderMap,
) -> (Option<String>, Option<String>) {
    let next = page
        .has_next()
        .then(|| page_url(uri, headers, page.page + 1));
    let previous = page
        .has_previous()
        .then(|| page_url(uri, headers, page.page - 1));
    (next, previous)
}

/// The same request with `page` changed; page 1 drops the parameter, as DRF does.
pub fn page_url(uri: &Uri, headers: &HeaderMap, page: i64) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "page");
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    // Only a well-formed host name goes into a link; anything else yields a relative one.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let path = format!("{}/", uri.path().trim_end_matches('/'));
    let mut url = match host {
        Some(host) => format!("http://{host}{path}"),
        None => path,
    };
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}
