//! The admin site's pages. Server-rendered; every action is a plain form (it works without
//! JavaScript, and with it). Each page makes its resources itself, once (see
//! `RequireUser`), and shows nothing of its own to anyone but an active administrator.

use super::rpc::{
    AdminAddUser, AdminSetAccess, AdminSetPassword, admin_activity, admin_check, admin_overview,
    admin_user, admin_users,
};
use super::{AccountView, Overview};
use crate::accounts::{ACCOUNT_SORTS, Account};
use crate::audit::{AuditEvent, OUTCOMES, action};
use crate::components::{
    Column, ErrorPanel, Field, FormError, ListTable, Notice, Noun, Select, count_of, encode,
    field_errors, posted_error, query_as_map, record_by_id, when,
};
use crate::error::AppError;
use crate::session::RequireUser;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shows `children` to an active administrator; a 403 page to anyone else signed in (a
/// visitor is sent to sign in by `RequireUser`).
#[component]
pub(super) fn AdminOnly(
    allowed: Resource<Result<(), AppError>>,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <RequireUser>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    Suspend::new(async move {
                        match allowed.await {
                            Ok(()) => view! { <AdminNav />{children.with_value(|c| c())} }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn AdminNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="Administration">
            <a href="/admin">"Administration"</a>
            <a href="/admin/users">"Users"</a>
            <a href="/admin/patients">"Patients"</a>
            <a href="/admin/doctors">"Doctors"</a>
            <a href="/admin/assignments">"Assignments"</a>
            <a href="/admin/activity">"Activity"</a>
        </nav>
    }
}

/// `/admin`: the counts and the ten most recent administrative actions.
#[component]
pub fn AdminIndexPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let overview = Resource::new(|| (), |_| admin_overview());
    view! {
        <Title text="Administration" />
        <AdminOnly allowed>
            <div class="page-heading"><h1>"Administration"</h1></div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <OverviewView overview /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let tile = |label: &'static str, count: i64, href: Option<&'static str>| {
        let number = view! { <span class="stat-number">{count}</span> };
        match href {
            Some(href) => view! { <a class="stat" href=href>{number}<span class="stat-label">{label}</span></a> }.into_any(),
            None => view! { <div class="stat">{number}<span class="stat-label">{label}</span></div> }.into_any(),
        }
    };
    view! {
        <section class="stats" aria-label="Counts">
            {tile("Users", overview.users, Some("/admin/users"))}
            {tile("Patients", overview.patients, Some("/admin/patients"))}
            {tile("Doctors", overview.doctors, Some("/admin/doctors"))}
            {tile("Assignments", overview.assignments, Some("/admin/assignments"))}
            {tile("Activity events", overview.events, Some("/admin/activity"))}
        </section>
        <section class="panel" aria-labelledby="recent-admin">
            <h2 id="recent-admin">"Recent administrative actions"</h2>
            {if overview.recent.is_empty() {
                view! { <p>"None yet."</p> }.into_any()
            } else {
                view! { <EventTable events=overview.recent caption="Recent administrative actions" /> }.into_any()
            }}
        </section>
    }
}

/// Events as a table: when, who, what, object, outcome, from where.
#[component]
pub(super) fn EventTable(events: Vec<AuditEvent>, caption: &'static str) -> impl IntoView {
    let rows = events.iter().map(event_row).collect_view();
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>{EVENT_COLUMNS.iter().map(|c| view! { <th scope="col">{c.title}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

const EVENT_COLUMNS: &[Column] = &[
    Column::text("When"),
    Column::text("Who"),
    Column::text("Action"),
    Column::text("Object"),
    Column::text("Outcome"),
    Column::text("From"),
];

fn event_row(event: &AuditEvent) -> impl IntoView + use<> {
    let who = match (event.actor, event.actor_email.is_empty()) {
        (Some(id), false) => {
            view! { <a href=format!("/admin/users/{id}")>{event.actor_email.clone()}</a> }
                .into_any()
        }
        (Some(id), true) => {
            view! { <a href=format!("/admin/users/{id}")>{format!("user {id}")}</a> }.into_any()
        }
        (None, false) => event.actor_email.clone().into_any(),
        (None, true) => "—".into_any(),
    };
    let object = match (event.object_type.as_str(), event.object_id, event.patient) {
        ("user", Some(id), _) => {
            view! { <a href=format!("/admin/users/{id}")>{format!("user {id}")}</a> }.into_any()
        }
        (_, _, Some(patient)) => view! {
            <a href=format!("/admin/activity?patient={patient}")>{format!("patient {patient}")}</a>
        }
        .into_any(),
        (kind, Some(id), None) => format!("{kind} {id}").into_any(),
        (kind, None, None) => kind.to_owned().into_any(),
    };
    let fields = event.changed_fields();
    view! {
        <tr>
            <td>{when(&event.at)}</td>
            <td>{who}</td>
            <td>
                <code>{event.action.clone()}</code>
                {fields.map(|f| view! { <span class="muted">{format!(" ({f})")}</span> })}
            </td>
            <td>{object}</td>
            <td><span class=format!("outcome outcome-{}", event.outcome)>{event.outcome.clone()}</span></td>
            <td>{event.client_address.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

/// `/admin/activity`: the audit trail, filtered, a page at a time, and as CSV.
#[component]
pub fn AdminActivityPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let events = Resource::new(move || query_as_map(&query.get()), admin_activity);
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
    let csv = move || {
        let pairs: Vec<String> = query_as_map(&query.get_untracked())
            .into_iter()
            .filter(|(k, v)| k != "page" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode(&k), encode(&v)))
            .collect();
        format!("/admin/activity.csv?{}", pairs.join("&"))
    };
    let any = |label: &str, choices: &[&str]| {
        std::iter::once((String::new(), label.to_owned()))
            .chain(choices.iter().map(|c| (c.to_string(), c.to_string())))
            .collect::<Vec<_>>()
    };
    let none = || Signal::stored(Vec::<String>::new());
    view! {
        <Title text="Activity" />
        <AdminOnly allowed>
            <div class="page-heading">
                <h1>"Activity"</h1>
                <a class="button button-secondary" href=csv download="activity.csv">"Export CSV"</a>
            </div>
            <form class="panel filters" method="get" action="/admin/activity" role="search">
                <Field label="User id" name="actor" kind="number" value=current("actor") errors=none() />
                <Field label="Patient id" name="patient" kind="number" value=current("patient") errors=none() />
                <Select label="Kind of object" name="object_type" options=any("Any", &crate::audit::OBJECT_TYPES) selected=current("object_type") errors=none() />
                <Select label="Action" name="action" options=any("Any", &action::ALL) selected=current("action") errors=none() />
                <Select label="Outcome" name="outcome" options=any("Any", &OUTCOMES) selected=current("outcome") errors=none() />
                <Field label="Since" name="since" kind="date" value=current("since") errors=none() />
                <Field label="Until" name="until" kind="date" value=current("until") errors=none() />
                <button type="submit" class="button button-secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    view! {
                        <ListTable
                            result=events.await
                            caption="Audit events"
                            noun=Noun::new("event", "events")
                            columns=EVENT_COLUMNS
                            row=event_row
                            empty=|| view! { <p>"No events match."</p> }.into_any()
                        />
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

const USER_COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Email"),
    Column::text("Active"),
    Column::text("Administrator"),
    Column::text("Joined"),
];

/// `/admin/users`: every account, searched, filtered, ordered, a page at a time.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let query = use_query_map();
    let users = Resource::new(move || query_as_map(&query.get()), admin_users);
    let current = move |key: &str| query.get_untracked().get(key).unwrap_or_default();
    let yes_no = |any: &str| {
        vec![
            (String::new(), any.to_owned()),
            ("true".to_owned(), "Yes".to_owned()),
            ("false".to_owned(), "No".to_owned()),
        ]
    };
    let none = || Signal::stored(Vec::<String>::new());
    view! {
        <Title text="Users" />
        <AdminOnly allowed>
            <div class="page-heading">
                <h1>"Users"</h1>
                <a class="button" href="/admin/users/new">"Add user"</a>
            </div>
            <form class="panel filters" method="get" action="/admin/users" role="search">
                <Field label="Search" name="search" kind="search" value=current("search") errors=none() />
                <Select label="Active" name="is_active" options=yes_no("Any") selected=current("is_active") errors=none() />
                <Select label="Administrator" name="is_admin" options=yes_no("Any") selected=current("is_admin") errors=none() />
                <Select label="Order" name="ordering" options=ACCOUNT_SORTS.menu() selected=current("ordering") errors=none() />
                <button type="submit" class="button button-secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    view! {
                        <ListTable
                            result=users.await
                            caption="Users"
                            noun=Noun::new("user", "users")
                            columns=USER_COLUMNS
                            row=|u: &Account| view! {
                                <tr>
                                    <td><a href=format!("/admin/users/{}", u.id)>{u.name.clone()}</a></td>
                                    <td>{u.email.clone()}</td>
                                    <td>{if u.is_active { "Yes" } else { "No" }}</td>
                                    <td>{if u.is_admin { "Yes" } else { "No" }}</td>
                                    <td>{when(&u.date_joined)}</td>
                                </tr>
                            }
                            empty=|| view! { <p>"No users match."</p> }.into_any()
                        />
                    }
                })}
            </Transition>
        </AdminOnly>
    }
}

/// `/admin/users/{id}`: one account, its access (activate, deactivate, grant or revoke
/// administrator: plain forms), and its history.
#[component]
pub fn AdminUserPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let view_ = record_by_id(admin_user, || AppError::NotFound("User not found.".into()));
    view! {
        <Title text="User" />
        <AdminOnly allowed>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_.await {
                        Ok(view_) => view! { <AccountPanel view_ /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/admin/users">"← All users"</a></p>
        </AdminOnly>
    }
}

#[component]
fn AccountPanel(view_: AccountView) -> impl IntoView {
    let account = view_.account;
    let action = ServerAction::<AdminSetAccess>::new();
    let error = Signal::stored(posted_error::<AdminSetAccess>());
    let toggle = move |field: &'static str, to: bool, label: &'static str, danger: bool| {
        let class = if danger {
            "button button-danger"
        } else {
            "button button-secondary"
        };
        view! {
            <ActionForm action=action>
                <input type="hidden" name="id" value=account.id />
                <input type="hidden" name=field value=to.to_string() />
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    let history_count = view_.history.len() as i64;
    view! {
        <div class="page-heading">
            <h1>{account.name.clone()}</h1>
        </div>
        <Notice />
        <FormError error />
        <section class="panel">
            <h2>"Account"</h2>
            <dl class="details">
                <dt>"Email"</dt>
                <dd>{account.email.clone()}</dd>
                <dt>"Joined"</dt>
                <dd>{when(&account.date_joined)}</dd>
                <dt>"Active"</dt>
                <dd>{if account.is_active { "Yes" } else { "No: cannot sign in" }}</dd>
                <dt>"Administrator"</dt>
                <dd>{if account.is_admin { "Yes" } else { "No" }}</dd>
            </dl>
            <div class="actions">
                {if account.is_active {
                    toggle("is_active", false, "Deactivate", true).into_any()
                } else {
                    toggle("is_active", true, "Reactivate", false).into_any()
                }}
                {if account.is_admin {
                    toggle("is_admin", false, "Revoke administrator", true).into_any()
                } else {
                    toggle("is_admin", true, "Make administrator", false).into_any()
                }}
            </div>
        </section>
        <PasswordPanel id=account.id />
        <section class="panel" aria-labelledby="user-history">
            <h2 id="user-history">"History"</h2>
            <p class="hint">
                {format!("The most recent {} by or about this account. ", count_of(history_count, Noun::new("event", "events")))}
                <a href=format!("/admin/activity?actor={}", account.id)>"All of this user's activity"</a>
            </p>
            <EventTable events=view_.history caption="History of this account" />
        </section>
    }
}

/// Setting an account's password: typed twice, the registration rules; the account's
/// sessions end.
#[component]
fn PasswordPanel(id: i64) -> impl IntoView {
    let action = ServerAction::<AdminSetPassword>::new();
    let error = Signal::stored(posted_error::<AdminSetPassword>());
    let errors = field_errors(error);
    view! {
        <section class="panel" aria-labelledby="set-password">
            <h2 id="set-password">"Set password"</h2>
            <p class="hint">
                "The account's refresh tokens are revoked: each device signed in now must sign in again, with the new password, when its access token expires (within the access-token lifetime, 5 hours by default). To shut someone out at once, deactivate the account."
            </p>
            <FormError error />
            <ActionForm action=action>
                <input type="hidden" name="id" value=id />
                <div class="grid-2">
                    <Field label="New password" name="password" kind="password" required=true autocomplete="new-password" errors=errors("password") />
                    <Field label="New password again" name="password2" kind="password" required=true autocomplete="new-password" errors=errors("password2") />
                </div>
                <div class="actions">
                    <button type="submit" class="button button-secondary">"Set password"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// `/admin/users/new`: adds an account, with the registration rules; a plain form.
#[component]
pub fn AdminAddUserPage() -> impl IntoView {
    let allowed = Resource::new(|| (), |_| admin_check());
    let remembered = Resource::new(|| (), |_| crate::session::recall_form());
    let action = ServerAction::<AdminAddUser>::new();
    let error = Signal::stored(posted_error::<AdminAddUser>());
    let errors = field_errors(error);
    view! {
        <Title text="Add user" />
        <AdminOnly allowed>
            <div class="page-heading"><h1>"Add user"</h1></div>
            <section class="panel">
                <FormError error />
                <Suspense>
                    {move || Suspend::new(async move {
                        let typed = remembered.await.unwrap_or_default();
                        let value = move |key: &str| typed.get(key).cloned().unwrap_or_default();
                        view! {
                            <ActionForm action=action>
                                <div class="grid-2">
                                    <Field label="Full name" name="name" value=value("name") required=true errors=errors("name") />
                                    <Field label="Email" name="email" kind="email" value=value("email") required=true autocomplete="off" errors=errors("email") />
                                    <Field label="Password" name="password" kind="password" required=true autocomplete="new-password" errors=errors("password") />
                                    <Field label="Password again" name="password2" kind="password" required=true autocomplete="new-password" errors=errors("password2") />
                                </div>
                                <div class="field checkbox">
                                    <input id="field-is_admin" type="checkbox" name="is_admin" value="true" />
                                    <label for="field-is_admin">"Administrator (may enter the admin site)"</label>
                                </div>
                                <div class="actions">
                                    <button type="submit" class="button">"Add user"</button>
                                    <a class="button button-secondary" href="/admin/users">"Cancel"</a>
                                </div>
                            </ActionForm>
                        }
                    })}
                </Suspense>
            </section>
        </AdminOnly>
    }
}
