//! What every list endpoint shares: reading `?search=`, `?ordering=`, `?page=` and
//! `?page_size=`, and turning a page of rows into a [`Page`].

use crate::error::AppError;
use crate::input::Input;
use crate::models::Page;
use sqlx::{FromRow, Postgres, QueryBuilder};
use std::collections::BTreeMap;

/// Items per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The most items one response carries, whatever the client asks for.
pub const MAX_PAGE_SIZE: i64 = 100;
const SEARCH_MAX_CHARS: usize = 200;

/// The query string of a list request, as name → value (the last value of a repeated name).
pub type ListQuery = BTreeMap<String, String>;

/// The parts of a list request that do not depend on the resource.
#[derive(Debug)]
pub struct ListParams {
    /// A `LIKE` pattern, already escaped, matching the search text anywhere.
    pub search: Option<String>,
    /// A fixed SQL `ORDER BY` fragment chosen from the resource's allowed orderings.
    pub order_by: &'static str,
    pub page: i64,
    pub page_size: i64,
}

/// Reads the common parameters. `orderings` maps each accepted `?ordering=` value to its
/// SQL; the first entry is the default. Filters are read by the caller from `input`, which
/// holds the whole query string; every problem found is reported together as a 400.
pub fn read(
    query: &ListQuery,
    orderings: &[(&str, &'static str)],
    filters: impl FnOnce(&mut Input),
) -> Result<ListParams, AppError> {
    let page = match query.get("page").map(|p| p.trim()) {
        None | Some("") => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(invalid_page)?,
    };
    // Like DRF, an unreadable page size falls back to the default and a large one is capped.
    let page_size = query
        .get("page_size")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .map_or(DEFAULT_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE));

    let mut input = Input::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let search = input
        .optional_text("search", SEARCH_MAX_CHARS)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", escape_like(&s)));
    let names: Vec<&str> = orderings.iter().map(|(name, _)| *name).collect();
    let order_by = match query
        .get("ordering")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => orderings[0].1,
        Some(wanted) => match orderings.iter().find(|(name, _)| *name == wanted) {
            Some((_, sql)) => sql,
            None => {
                input.error(
                    "ordering",
                    format!(
                        "\"{wanted}\" is not a valid ordering. Use one of: {}.",
                        names.join(", ")
                    ),
                );
                orderings[0].1
            }
        },
    };
    filters(&mut input);
    input.finish("Invalid query parameters")?;
    Ok(ListParams {
        search,
        order_by,
        page,
        page_size,
    })
}

/// Adds `ORDER BY`, `LIMIT` and `OFFSET` for the requested page. The statement must
/// select `count(*) over () as total` beside the item's columns.
pub fn push_page(builder: &mut QueryBuilder<'_, Postgres>, params: &ListParams) {
    builder.push(" order by ");
    builder.push(params.order_by);
    builder.push(" limit ");
    builder.push_bind(params.page_size);
    builder.push(" offset ");
    builder.push_bind(
        params
            .page
            .saturating_sub(1)
            .saturating_mul(params.page_size),
    );
}

/// A row of a listing: the item and the total number of matching rows.
#[derive(FromRow)]
pub struct Counted<T> {
    #[sqlx(flatten)]
    pub item: T,
    pub total: i64,
}

/// Runs a listing built with [`push_page`]. A page past the last is a 404, as in DRF.
pub async fn fetch_page<T>(
    db: &crate::db::Db,
    mut builder: QueryBuilder<'_, Postgres>,
    params: &ListParams,
) -> Result<Page<T>, AppError>
where
    T: for<'r> FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let rows: Vec<Counted<T>> = db
        .read(async |conn| Ok(builder.build_query_as().fetch_all(conn).await?))
        .await?;
    let count = rows.first().map_or(0, |r| r.total);
    if rows.is_empty() && params.page > 1 {
        return Err(invalid_page());
    }
    Ok(Page {
        count,
        page: params.page,
        page_size: params.page_size,
        items: rows.into_iter().map(|r| r.item).collect(),
    })
}

fn invalid_page() -> AppError {
    AppError::NotFound("Invalid page.".into())
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a `LIKE` pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERINGS: &[(&str, &str)] = &[("-created_at", "a desc"), ("name", "b")];

    fn q(pairs: &[(&str, &str)]) -> ListQuery {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_asked() {
        let p = read(&q(&[]), ORDERINGS, |_| {}).unwrap();
        assert_eq!(
            (p.page, p.page_size, p.order_by),
            (1, DEFAULT_PAGE_SIZE, "a desc")
        );
        assert!(p.search.is_none());
    }

    #[test]
    fn page_size_is_capped_and_search_is_escaped() {
        let p = read(
            &q(&[("page_size", "10000"), ("search", "50%_x")]),
            ORDERINGS,
            |_| {},
        )
        .unwrap();
        assert_eq!(p.page_size, MAX_PAGE_SIZE);
        assert_eq!(p.search.as_deref(), Some("%50\\%\\_x%"));
    }

    #[test]
    fn a_bad_page_is_a_404_and_a_bad_ordering_a_400() {
        assert_eq!(
            read(&q(&[("page", "0")]), ORDERINGS, |_| {})
                .unwrap_err()
                .http_status(),
            404
        );
        assert_eq!(
            read(&q(&[("page", "x")]), ORDERINGS, |_| {})
                .unwrap_err()
                .http_status(),
            404
        );
        let err = read(&q(&[("ordering", "password")]), ORDERINGS, |_| {}).unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(!err.field_messages("ordering").is_empty());
    }
}
