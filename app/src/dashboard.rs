//! The start page. Signed out, it leads to signing in; signed in, it is the dashboard:
//! how many patients, doctors and assignments the user has, and the patients added or
//! changed most recently. Like `lib.rs` it composes the domains (it asks each domain's
//! service for its own numbers), so no domain imports another for it.

use crate::components::{Noun, when};
use crate::error::AppError;
use crate::home::StatusCheck;
use crate::patients::RecentPatient;
use crate::session::UserResource;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// How many recently added or changed patients the dashboard lists.
pub const RECENT: i64 = 8;

/// What the dashboard shows a signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The user's patients.
    pub patients: i64,
    /// Doctors in the shared directory, and how many of them take new patients.
    pub doctors: i64,
    pub available_doctors: i64,
    /// Assignments of the user's patients.
    pub assignments: i64,
    /// The user's patients added or changed most recently, newest first.
    pub recent: Vec<RecentPatient>,
}

/// The signed-in user's dashboard.
#[server(prefix = "/rpc", endpoint = "dashboard_summary")]
pub async fn dashboard_summary() -> Result<Dashboard, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::session::ssr::require_user().await?;
    let db = &state.pool;
    let (patients, (doctors, available_doctors), assignments, recent) = tokio::try_join!(
        crate::patients::service::count(db, user.clone()),
        crate::doctors::service::count(db, user.clone()),
        crate::assignments::service::count(db, user.clone()),
        crate::patients::service::recent(db, user, RECENT),
    )?;
    Ok(Dashboard {
        patients,
        doctors,
        available_doctors,
        assignments,
        recent,
    })
}

#[component]
pub fn StartPage() -> impl IntoView {
    let user = expect_context::<UserResource>().0;
    // Made here, once per page (see `RequireUser`); for a visitor it is refused at once,
    // without a query, and not shown.
    let summary = Resource::new(|| (), |_| dashboard_summary());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <DashboardPage name=user.name.clone() summary /> }.into_any(),
                    _ => view! { <Welcome /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// For a visitor: what Carebase is, and the way in.
#[component]
fn Welcome() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <section class="panel hero">
            <h1>"Carebase"</h1>
            <p class="lead">
                "Patient records for the practice: patients, doctors and who looks after whom."
            </p>
            <div class="actions">
                <a class="button" href="/signin">"Sign in"</a>
                <a class="button button-secondary" href="/signup">"Create an account"</a>
            </div>
            <p class="muted">"Other systems use the JSON API under " <code>"/api/"</code> "."</p>
        </section>
        <section class="panel" aria-labelledby="status-heading">
            <h2 id="status-heading">"Service status"</h2>
            <StatusCheck />
        </section>
    }
}

#[component]
fn DashboardPage(name: String, summary: Resource<Result<Dashboard, AppError>>) -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <div class="page-heading">
            <h1>{format!("Welcome, {name}")}</h1>
            <a class="button" href="/patients/new">"Add patient"</a>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => view! { <Summary summary /> }.into_any(),
                    Err(error) => view! { <crate::components::ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Summary(summary: Dashboard) -> impl IntoView {
    let available = format!("{} available for new patients", summary.available_doctors);
    view! {
        <ul class="stats" aria-label="Totals">
            <Stat href="/patients" count=summary.patients noun=Noun::new("patient", "patients") note="yours".to_owned() />
            <Stat href="/doctors" count=summary.doctors noun=Noun::new("doctor", "doctors") note=available />
            <Stat
                href="/assignments"
                count=summary.assignments
                noun=Noun::new("assignment", "assignments")
                note="of your patients".to_owned()
            />
        </ul>
        <section class="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recently added or changed"</h2>
            {if summary.recent.is_empty() {
                view! {
                    <p>"You have no patients yet. " <a href="/patients/new">"Add your first patient"</a></p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="recent">
                        {summary
                            .recent
                            .into_iter()
                            .map(|p| {
                                let what = if p.changed() {
                                    format!("changed {}", when(&p.updated_at))
                                } else {
                                    format!("added {}", when(&p.created_at))
                                };
                                let contact = [p.email.as_str(), p.phone_number.as_str()]
                                    .into_iter()
                                    .filter(|s| !s.is_empty())
                                    .collect::<Vec<_>>()
                                    .join(" · ");
                                view! {
                                    <li>
                                        <a href=format!("/patients/{}", p.id)>{p.name}</a>
                                        <span class="muted">{contact}</span>
                                        <span class="muted">{what}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <p><a href="/patients">"All patients →"</a></p>
                }
                    .into_any()
            }}
        </section>
    }
}

/// One total on the dashboard, linking to its list.
#[component]
fn Stat(href: &'static str, count: i64, noun: Noun, note: String) -> impl IntoView {
    let label = if count == 1 { noun.one } else { noun.many };
    view! {
        <li class="stat panel">
            <a href=href>
                <span class="stat-count" data-count=count>{count}</span>
                <span class="stat-label">{label}</span>
            </a>
            <span class="muted">{note}</span>
        </li>
    }
}
