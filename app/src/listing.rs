//! What every list shares: the query a list request arrives with, the orderings it may
//! ask for, and the page of items it gets back.
//!
//! Each list has a typed query (in its domain's service, e.g. `PatientQuery`) that is
//! parsed once at each door by [`ListQuery::parse`], so a REST request and a page get the
//! same DRF-style messages, and services never see query strings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Items per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The most items one response carries, whatever the client asks for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// The query string of a list request, as name → value (the last value of a repeated name).
pub type QueryPairs = BTreeMap<String, String>;

/// One page of a list: the items, the total matching count, and where this page is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: i64,
    pub page: i64,
    pub page_size: i64,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.page * self.page_size < self.count
    }
    pub fn has_previous(&self) -> bool {
        self.page > 1
    }
    pub fn last_page(&self) -> i64 {
        ((self.count + self.page_size - 1) / self.page_size).max(1)
    }
}

/// One accepted `?ordering=` value: its name, the SQL it sorts by (without the final
/// tie-break on the id), and how a page's "Order" menu calls it (`None`: not offered there).
#[derive(Debug)]
pub struct Sort {
    pub name: &'static str,
    pub sql: &'static str,
    pub label: Option<&'static str>,
}

/// The orderings of one list: the single source of the parser's choices, the OpenAPI
/// description and the page's menu. The first is the default.
#[derive(Debug)]
pub struct Sorts {
    pub choices: &'static [Sort],
    /// A unique column, sorted by last (in the direction of the first key) so that pages
    /// never overlap.
    pub tiebreak: &'static str,
}

impl Sorts {
    pub fn find(&self, name: &str) -> Option<&'static Sort> {
        self.choices.iter().find(|s| s.name == name)
    }

    /// The choices a page offers, as (value, label) pairs for a menu.
    pub fn menu(&self) -> Vec<(String, String)> {
        self.choices
            .iter()
            .filter_map(|s| s.label.map(|label| (s.name.to_owned(), label.to_owned())))
            .collect()
    }

    /// `a (default), b, c`: for messages and the API documentation.
    pub fn names(&self) -> String {
        let mut names: Vec<String> = self.choices.iter().map(|s| s.name.to_owned()).collect();
        if let Some(first) = names.first_mut() {
            first.push_str(" (default)");
        }
        names.join(", ")
    }

    /// A regular expression for a comma-separated list of the choices (OpenAPI `pattern`).
    pub fn pattern(&self) -> String {
        let one = self
            .choices
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join("|");
        format!("^({one})(,({one}))*$")
    }
}

/// A list's typed query, read from the query pairs at each door.
pub trait ListQuery: Sized {
    /// Reads the query. Errors: 400 naming every bad parameter; 404 for a page that
    /// cannot exist (`page=0`, `page=x`), as DRF answers.
    fn parse(pairs: &QueryPairs) -> Result<Self, crate::error::AppError>;
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::error::AppError;
    use crate::input::Input;
    use sqlx::{FromRow, Postgres, QueryBuilder};

    const SEARCH_MAX_CHARS: usize = 200;

    /// The parts of a list request that every list has.
    #[derive(Debug, Clone)]
    pub struct ListParams {
        /// A `LIKE` pattern, already escaped, matching the search text anywhere.
        pub search: Option<String>,
        /// The chosen orderings, most significant first; never empty.
        pub order: Vec<&'static Sort>,
        pub sorts: &'static Sorts,
        pub page: i64,
        pub page_size: i64,
        /// The query as the client sent it (what an audited list records).
        pub asked: QueryPairs,
    }

    impl ListParams {
        /// The first `page_size` items in the default order, unfiltered.
        pub fn first(sorts: &'static Sorts, page_size: i64) -> Self {
            ListParams {
                search: None,
                order: vec![&sorts.choices[0]],
                sorts,
                page: 1,
                page_size: page_size.clamp(1, MAX_PAGE_SIZE),
                asked: QueryPairs::new(),
            }
        }

        /// Reads `search`, `ordering` (DRF's comma list: `-created_at,name`), `page` and
        /// `page_size`; `filters` reads the list's own parameters from the same input. Every
        /// problem found is reported together as a 400.
        pub fn parse(
            pairs: &QueryPairs,
            sorts: &'static Sorts,
            filters: impl FnOnce(&mut Input),
        ) -> Result<ListParams, AppError> {
            let page = match pairs.get("page").map(|p| p.trim()) {
                None | Some("") => 1,
                Some(p) => p
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(invalid_page)?,
            };
            // Like DRF, an unreadable page size falls back to the default and a large one
            // is capped.
            let page_size = pairs
                .get("page_size")
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|n| *n >= 1)
                .map_or(DEFAULT_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE));

            let mut input = Input::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())));
            // Any parameter, known or not, is kept with the list's audit event: none may
            // hold what PostgreSQL cannot store.
            for (key, value) in pairs {
                if key.contains('\0') || value.contains('\0') {
                    input.error(&key.replace('\0', ""), "Null characters are not allowed.");
                }
            }
            let search = input
                .optional_text("search", SEARCH_MAX_CHARS)
                .filter(|s| !s.is_empty())
                .map(|s| format!("%{}%", escape_like(&s)));
            let mut order = Vec::new();
            let wanted = pairs.get("ordering").map_or("", |s| s.trim());
            for name in wanted.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match sorts.find(name) {
                    Some(sort) if !order.iter().any(|o: &&Sort| o.name == sort.name) => {
                        order.push(sort)
                    }
                    Some(_) => {}
                    // The first unknown name is enough to say what is wrong.
                    None => {
                        input.error(
                            "ordering",
                            format!(
                                "\"{name}\" is not a valid ordering. Use one of: {}.",
                                sorts
                                    .choices
                                    .iter()
                                    .map(|s| s.name)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        break;
                    }
                }
            }
            if order.is_empty() {
                order.push(&sorts.choices[0]);
            }
            filters(&mut input);
            input.finish("Invalid query parameters")?;
            Ok(ListParams {
                search,
                order,
                sorts,
                page,
                page_size,
                asked: pairs.clone(),
            })
        }

        /// The `ORDER BY` clause: the chosen sorts, then the tie-break.
        fn order_by(&self) -> String {
            let mut parts: Vec<&str> = self.order.iter().map(|s| s.sql).collect();
            let by_id = self
                .order
                .iter()
                .any(|s| s.name.trim_start_matches('-') == "id");
            let descending = self.order[0].name.starts_with('-');
            let tiebreak = format!(
                "{}{}",
                self.sorts.tiebreak,
                if descending { " desc" } else { "" }
            );
            if !by_id {
                parts.push(&tiebreak);
            }
            parts.join(", ")
        }

        /// Adds `ORDER BY`, `LIMIT` and `OFFSET` for the requested page. The statement must
        /// select `count(*) over () as total` beside the item's columns.
        pub fn push_page(&self, builder: &mut QueryBuilder<'_, Postgres>) {
            builder.push(" order by ");
            builder.push(self.order_by());
            builder.push(" limit ");
            builder.push_bind(self.page_size);
            builder.push(" offset ");
            builder.push_bind(self.page.saturating_sub(1).saturating_mul(self.page_size));
        }

        /// Runs a listing built with [`Self::push_page`]. A page past the last is a 404, as
        /// in DRF.
        pub async fn fetch_page<T>(
            &self,
            db: &crate::db::Db,
            mut builder: QueryBuilder<'_, Postgres>,
        ) -> Result<Page<T>, AppError>
        where
            T: for<'r> FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        {
            self.push_page(&mut builder);
            let rows: Vec<Counted<T>> = db
                .read(async |conn| Ok(builder.build_query_as().fetch_all(conn).await?))
                .await?;
            let count = rows.first().map_or(0, |r| r.total);
            if rows.is_empty() && self.page > 1 {
                return Err(invalid_page());
            }
            Ok(Page {
                count,
                page: self.page,
                page_size: self.page_size,
                items: rows.into_iter().map(|r| r.item).collect(),
            })
        }
    }

    /// The OpenAPI description of a list's query parameters, built from the same
    /// definitions the parser uses: `search`, the list's `filters`, `ordering` (its choices
    /// and a pattern for comma lists of them), `page` and `page_size`.
    pub mod openapi {
        use super::{MAX_PAGE_SIZE, SEARCH_MAX_CHARS, Sorts};
        use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};

        /// An optional query parameter.
        pub fn param(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        }

        pub fn text(max_chars: usize) -> ObjectBuilder {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max_chars))
        }

        pub fn choice(choices: &[&str]) -> ObjectBuilder {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(choices.to_vec()))
        }

        pub fn boolean() -> ObjectBuilder {
            ObjectBuilder::new().schema_type(Type::Boolean)
        }

        /// An id: a positive integer.
        pub fn id() -> ObjectBuilder {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(1))
        }

        /// Every parameter of a list: `search` (when the list has one), `filters`,
        /// `ordering`, `page` and `page_size`.
        pub fn list(
            sorts: &Sorts,
            search: Option<&str>,
            filters: Vec<Parameter>,
        ) -> Vec<Parameter> {
            let mut params = Vec::new();
            if let Some(description) = search {
                params.push(param("search", description, text(SEARCH_MAX_CHARS)));
            }
            params.extend(filters);
            params.push(param(
                "ordering",
                &format!(
                    "{}; several, most significant first, separated by commas ({})",
                    sorts.names(),
                    sorts
                        .choices
                        .iter()
                        .take(2)
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(sorts.pattern())),
            ));
            params.push(param("page", "Page number, from 1", id()));
            params.push(param(
                "page_size",
                &format!("Items per page: default 20, at most {MAX_PAGE_SIZE}"),
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(MAX_PAGE_SIZE)),
            ));
            params
        }
    }

    /// A list's query with `owner` (a user id: whose records), for the admin site's lists
    /// of every owner's records.
    #[derive(Debug, Clone)]
    pub struct OwnedBy<Q> {
        pub query: Q,
        pub owner: Option<i64>,
    }

    impl<Q: ListQuery> ListQuery for OwnedBy<Q> {
        fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
            let query = Q::parse(pairs)?;
            let owner = if pairs.get("owner").is_none_or(|v| v.trim().is_empty()) {
                None
            } else {
                let mut input =
                    Input::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())));
                let owner = input.id("owner", false);
                input.finish("Invalid query")?;
                owner
            };
            Ok(OwnedBy { query, owner })
        }
    }

    /// A row of a listing: the item and the total number of matching rows.
    #[derive(FromRow)]
    pub struct Counted<T> {
        #[sqlx(flatten)]
        pub item: T,
        pub total: i64,
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

        static SORTS: Sorts = Sorts {
            choices: &[
                Sort {
                    name: "-created_at",
                    sql: "a desc",
                    label: None,
                },
                Sort {
                    name: "name",
                    sql: "b",
                    label: None,
                },
                Sort {
                    name: "id",
                    sql: "x.id",
                    label: None,
                },
            ],
            tiebreak: "x.id",
        };

        fn q(pairs: &[(&str, &str)]) -> QueryPairs {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }

        fn read(pairs: &[(&str, &str)]) -> Result<ListParams, AppError> {
            ListParams::parse(&q(pairs), &SORTS, |_| {})
        }

        #[test]
        fn defaults_apply_when_nothing_is_asked() {
            let p = read(&[]).unwrap();
            assert_eq!(
                (p.page, p.page_size, p.order_by().as_str()),
                (1, DEFAULT_PAGE_SIZE, "a desc, x.id desc")
            );
            assert!(p.search.is_none());
        }

        #[test]
        fn page_size_is_capped_and_search_is_escaped() {
            let p = read(&[("page_size", "10000"), ("search", "50%_x")]).unwrap();
            assert_eq!(p.page_size, MAX_PAGE_SIZE);
            assert_eq!(p.search.as_deref(), Some("%50\\%\\_x%"));
        }

        #[test]
        fn a_comma_list_orders_by_each_key_then_the_tiebreak() {
            let p = read(&[("ordering", "name, -created_at,name")]).unwrap();
            assert_eq!(p.order_by(), "b, a desc, x.id");
            let p = read(&[("ordering", "-created_at,id")]).unwrap();
            assert_eq!(p.order_by(), "a desc, x.id");
        }

        #[test]
        fn a_bad_page_is_a_404_and_a_bad_ordering_a_400() {
            assert_eq!(read(&[("page", "0")]).unwrap_err().http_status(), 404);
            assert_eq!(read(&[("page", "x")]).unwrap_err().http_status(), 404);
            let err = read(&[("ordering", "password")]).unwrap_err();
            assert_eq!(err.http_status(), 400);
            assert_eq!(
                err.field_messages("ordering"),
                ["\"password\" is not a valid ordering. Use one of: -created_at, name, id."]
            );
            let err = read(&[("ordering", "name,nope,x,y")]).unwrap_err();
            assert_eq!(err.field_messages("ordering").len(), 1);
            assert!(err.field_messages("ordering")[0].starts_with("\"nope\""));
        }

        #[test]
        fn the_pattern_accepts_exactly_the_comma_lists_of_choices() {
            assert_eq!(
                SORTS.pattern(),
                "^(-created_at|name|id)(,(-created_at|name|id))*$"
            );
        }
    }
}
