//! Building blocks the pages share: labelled fields with their errors, notices, error
//! panels, pagination and the signed-in guard.

use crate::error::{AppError, NON_FIELD_ERRORS};
use crate::listing::Page;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::hooks::use_query_map;

/// `Some("true")` once the island it is used in runs in the browser: each island puts it on
/// its outer element as `data-hydrated`, and tests wait for it before they interact.
pub fn hydration_marker() -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser.
    Effect::new(move |_| hydrated.set(true));
    move || hydrated.get().then_some("true")
}

/// The error a plain form post to `S` came back with. Without JavaScript a failed post is
/// redirected back with the error in the address; the router reads it on the server, and
/// the page hands it to the form's island as a prop (islands have no router in the browser).
pub fn posted_error<S>() -> Option<AppError>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    ServerAction::<S>::new()
        .value()
        .with_untracked(|result| result.as_ref().and_then(|r| r.as_ref().err().cloned()))
}

/// What went wrong with the last submission of `action`: its own result once it has run
/// in the browser, before that the error the page was rendered with.
pub fn action_error<S>(
    action: ServerAction<S>,
    posted: Option<AppError>,
) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => posted.clone(),
    })
}

/// For a form's error, the messages of each field: `errors("email")` is what goes beside
/// the email input.
pub fn field_errors(
    error: Signal<Option<AppError>>,
) -> impl Fn(&'static str) -> Signal<Vec<String>> + Copy {
    move |field| {
        Signal::derive(move || {
            error.with(|e| {
                e.as_ref()
                    .map(|e| e.field_messages(field).to_vec())
                    .unwrap_or_default()
            })
        })
    }
}

/// The ids and ARIA wiring that tie a form control to its label, hint and messages.
#[derive(Clone)]
struct Wiring {
    id: String,
    error_id: String,
    hint_id: Option<String>,
    errors: Signal<Vec<String>>,
}

impl Wiring {
    fn new(name: &str, hint: bool, errors: Signal<Vec<String>>) -> Self {
        let id = format!("field-{name}");
        Wiring {
            error_id: format!("{id}-error"),
            hint_id: hint.then(|| format!("{id}-hint")),
            id,
            errors,
        }
    }

    /// `aria-invalid`: present while the field has messages.
    fn invalid(&self) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
        let errors = self.errors;
        move || (!errors.get().is_empty()).then_some("true")
    }

    /// `aria-describedby`: the hint, and the messages while there are any.
    fn described(&self) -> impl Fn() -> Option<String> + Send + Sync + 'static {
        let (errors, error_id, hint_id) =
            (self.errors, self.error_id.clone(), self.hint_id.clone());
        move || {
            let mut ids: Vec<&str> = hint_id.iter().map(String::as_str).collect();
            if !errors.get().is_empty() {
                ids.push(&error_id);
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }
}

/// What every field has around its control: the label (with a mark when required), the
/// hint, and the messages below.
#[component]
fn FieldShell(
    label: &'static str,
    wiring: Wiring,
    required: bool,
    hint: Option<&'static str>,
    /// The input, text area or menu, wired with [`Wiring`].
    control: AnyView,
) -> impl IntoView {
    let errors = wiring.errors;
    view! {
        <div class="field" class:invalid=move || !errors.get().is_empty()>
            <label for=wiring.id.clone()>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {hint.map(|h| view! { <p class="hint" id=wiring.hint_id.clone()>{h}</p> })}
            {control}
            <FieldErrors id=wiring.error_id errors />
        </div>
    }
}

/// A labelled input with its validation messages below it, linked for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let wiring = Wiring::new(name, hint.is_some(), errors);
    let control = view! {
        <input
            id=wiring.id.clone()
            name=name
            type=kind
            value=value
            required=required
            autocomplete=autocomplete
            aria-invalid=wiring.invalid()
            aria-describedby=wiring.described()
        />
    }
    .into_any();
    view! { <FieldShell label wiring required hint control /> }
}

/// A labelled multi-line text input with its validation messages.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let wiring = Wiring::new(name, false, errors);
    let control = view! {
        <textarea
            id=wiring.id.clone()
            name=name
            rows=rows
            aria-invalid=wiring.invalid()
            aria-describedby=wiring.described()
        >
            {value}
        </textarea>
    }
    .into_any();
    view! { <FieldShell label wiring required=false hint=None control /> }
}

/// A labelled drop-down with its validation messages. `options` are (value, text) pairs.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: String,
    #[prop(into)] errors: Signal<Vec<String>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let wiring = Wiring::new(name, false, errors);
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let is_selected = value == selected;
            view! {
                <option value=value selected=is_selected>
                    {text}
                </option>
            }
        })
        .collect_view();
    let control = view! {
        <select
            id=wiring.id.clone()
            name=name
            required=required
            aria-invalid=wiring.invalid()
            aria-describedby=wiring.described()
        >
            {options}
        </select>
    }
    .into_any();
    view! { <FieldShell label wiring required hint=None control /> }
}

#[component]
fn FieldErrors(id: String, errors: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div class="field-errors" id=id>
            {move || {
                errors
                    .get()
                    .into_iter()
                    .map(|message| view! { <p class="field-error">{message}</p> })
                    .collect_view()
            }}
        </div>
    }
}

/// What went wrong with a submission, in words, above the form: the summary sentence and
/// any errors that belong to no single field. Nothing when all is well.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let general = error.field_messages(NON_FIELD_ERRORS).to_vec();
            let headline = match &error {
                AppError::Validation { .. } => "Please correct the fields marked below.".to_owned(),
                other => describe(other),
            };
            view! {
                <div class="alert alert-error" role="alert">
                    <p>{headline}</p>
                    {general.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                </div>
            }
        })
    }
}

/// An error as a sentence a receptionist can act on.
pub fn describe(error: &AppError) -> String {
    match error {
        AppError::Unauthenticated { .. } => "Your session has ended. Please sign in again.".into(),
        AppError::Forbidden(reason) if !reason.is_empty() => reason.clone(),
        AppError::Forbidden(_) => "You are not allowed to do that.".into(),
        AppError::NotFound(message) => message.clone(),
        AppError::Transport(_) => {
            "The server could not be reached. Check your connection and try again.".into()
        }
        AppError::Internal | AppError::Unavailable => {
            "Something went wrong on our side. Please try again in a moment.".into()
        }
        other => other.to_string(),
    }
}

/// A full-page error: "not found" (with a 404 status when rendered on the server), "not
/// allowed" with the service's own reason, or another problem in words; always with a way
/// back to the section the address belongs to and to the start page.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(error.http_status()),
    ) {
        response.set_status(status);
    }
    let title = match &error {
        AppError::NotFound(_) => "Not found",
        AppError::Forbidden(_) => "Not allowed",
        AppError::Unauthenticated { .. } => "Signed out",
        _ => "Something went wrong",
    };
    let sign_in = matches!(error, AppError::Unauthenticated { .. });
    let section = section_of(
        &leptos_router::hooks::use_location()
            .pathname
            .get_untracked(),
    );
    view! {
        <section class="panel">
            <h1>{title}</h1>
            <p>{describe(&error)}</p>
            <ul class="ways-back">
                {sign_in.then(|| view! { <li><a href="/signin">"Sign in"</a></li> })}
                {section.map(|(href, label)| view! { <li><a href=href>{format!("← All {label}")}</a></li> })}
                <li><a href="/">"Start page"</a></li>
            </ul>
        </section>
    }
}

/// The main sections of the app, as (address, name).
pub const SECTIONS: [(&str, &str); 3] = [
    ("/patients", "patients"),
    ("/doctors", "doctors"),
    ("/assignments", "assignments"),
];

/// The section an address belongs to: `/patients/7/edit` → `("/patients", "patients")`.
pub fn section_of(path: &str) -> Option<(&'static str, &'static str)> {
    SECTIONS.into_iter().find(|(href, _)| {
        path.strip_prefix(href)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// "1 patient", "3 patients", "no patients".
pub fn count_of(n: i64, noun: Noun) -> String {
    match n {
        0 => format!("no {}", noun.many),
        1 => format!("1 {}", noun.one),
        n => format!("{n} {}", noun.many),
    }
}

/// A thing counted, in the singular and the plural.
#[derive(Debug, Clone, Copy)]
pub struct Noun {
    pub one: &'static str,
    pub many: &'static str,
}

impl Noun {
    pub const fn new(one: &'static str, many: &'static str) -> Noun {
        Noun { one, many }
    }
}

/// A confirmation after an action, read from `?notice=` so it survives redirects and
/// works without JavaScript.
#[component]
pub fn Notice() -> impl IntoView {
    let query = use_query_map();
    move || {
        let text = match query.get().get("notice").as_deref() {
            Some("registered") => "Your account has been created. Please sign in.",
            Some("signed_out") => "You have been signed out.",
            Some("created") => "Saved.",
            Some("updated") => "Changes saved.",
            Some("deleted") => "Deleted.",
            Some("assigned") => "Doctor assigned.",
            Some("unassigned") => "Doctor unassigned.",
            Some("password") => "Password set. The account's refresh tokens are revoked.",
            _ => return None,
        };
        Some(view! { <div class="alert alert-success" role="status">{text}</div> })
    }
}

/// "Page 2 of 5 · 97 patients" with previous and next links that keep the other query
/// parameters.
#[component]
pub fn Pagination<T: Clone + Send + Sync + 'static>(page: Page<T>, noun: Noun) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let link = move |to: i64| {
        let mut pairs: Vec<(String, String)> = query
            .clone()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .filter(|(k, _)| k != "page" && k != "notice")
            .collect();
        pairs.push(("page".into(), to.to_string()));
        format!(
            "?{}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        )
    };
    let previous = page.has_previous().then(|| link(page.page - 1));
    let next = page.has_next().then(|| link(page.page + 1));
    view! {
        <nav class="pagination" aria-label="Pages">
            <span>
                {format!("Page {} of {} · {}", page.page, page.last_page(), count_of(page.count, noun))}
            </span>
            {previous.map(|href| view! { <a class="button button-secondary" href=href rel="prev">"Previous"</a> })}
            {next.map(|href| view! { <a class="button button-secondary" href=href rel="next">"Next"</a> })}
        </nav>
    }
}

/// Percent-encodes text for a URL query.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The current query string as a sorted map, for list server functions.
pub fn query_as_map(
    query: &leptos_router::params::ParamsMap,
) -> std::collections::BTreeMap<String, String> {
    query
        .clone()
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v))
        .filter(|(k, _)| k != "notice")
        .collect()
}

/// Formats a timestamp for people: `5 Jan 2025, 10:35` (UTC).
pub fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// A column of a list table: its heading, and whether it holds numbers (right-aligned).
pub struct Column {
    pub title: &'static str,
    pub numeric: bool,
}

impl Column {
    pub const fn text(title: &'static str) -> Column {
        Column {
            title,
            numeric: false,
        }
    }
    pub const fn number(title: &'static str) -> Column {
        Column {
            title,
            numeric: true,
        }
    }
}

/// A list page's result: the table of one page with its pagination, `empty` when nothing
/// matches, or the error.
#[component]
pub fn ListTable<T, R, V>(
    result: Result<Page<T>, AppError>,
    /// What the table holds, for screen readers ("Your patients").
    caption: &'static str,
    /// What the count counts (patient, patients).
    noun: Noun,
    columns: &'static [Column],
    /// One item as a table row.
    row: R,
    /// Shown instead of the table when nothing matches.
    empty: fn() -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Fn(&T) -> V + 'static,
    V: IntoView + 'static,
{
    match result {
        Ok(page) if page.items.is_empty() => {
            view! { <section class="panel empty">{empty()}</section> }.into_any()
        }
        Ok(page) => {
            let rows = page.items.iter().map(row).collect_view();
            let headings = columns
                .iter()
                .map(|c| {
                    view! {
                        <th scope="col" class=c.numeric.then_some("num")>
                            {c.title}
                        </th>
                    }
                })
                .collect_view();
            view! {
                <section class="panel">
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">{caption}</caption>
                            <thead>
                                <tr>{headings}</tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <Pagination page noun />
                </section>
            }
            .into_any()
        }
        Err(error) => view! { <ErrorPanel error /> }.into_any(),
    }
}

/// The `:id` of the current address, when it is a positive integer.
pub fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .get()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    })
}

/// The record the address's `:id` names, loaded by `load`; an address whose id cannot name
/// a record gets `missing`, as an unknown id does.
pub fn record_by_id<T, Fut>(
    load: fn(i64) -> Fut,
    missing: fn() -> AppError,
) -> Resource<Result<T, AppError>>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let id = id_param();
    Resource::new(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => load(id).await,
                None => Err(missing()),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        let noun = Noun::new("patient", "patients");
        assert_eq!(count_of(0, noun), "no patients");
        assert_eq!(count_of(1, noun), "1 patient");
        assert_eq!(count_of(2, noun), "2 patients");
    }

    #[test]
    fn an_address_belongs_to_its_section_only() {
        assert_eq!(
            section_of("/patients/7/edit").map(|s| s.0),
            Some("/patients")
        );
        assert_eq!(section_of("/doctors").map(|s| s.1), Some("doctors"));
        assert_eq!(section_of("/patientsx"), None);
        assert_eq!(section_of("/"), None);
    }
}
