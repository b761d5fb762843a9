//! The start page.

use crate::components::{describe, hydration_marker};
use crate::error::AppError;
use crate::models::HealthReport;
use leptos::prelude::*;
use leptos_meta::Title;

/// Reports whether the service and its database are up.
#[server(prefix = "/rpc", endpoint = "service_status")]
pub async fn service_status() -> Result<HealthReport, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let database = crate::services::health::database_ready(&state.pool)
        .await
        .is_ok();
    Ok(HealthReport {
        database,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <section class="panel hero">
            <h1>"Carebase"</h1>
            <p class="lead">
                "Patient records for the practice: patients, doctors and who looks after whom."
            </p>
            <p>
                "Other systems use the JSON API under " <code>"/api/"</code> "."
            </p>
        </section>
        <section class="panel" aria-labelledby="status-heading">
            <h2 id="status-heading">"Service status"</h2>
            <StatusCheck />
        </section>
    }
}

/// Asks the server whether it and its database are up, and says so in place.
#[island]
fn StatusCheck() -> impl IntoView {
    let check = ServerAction::<ServiceStatus>::new();
    let result = check.value();
    let pending = check.pending();
    view! {
        <div data-hydrated=hydration_marker()>
            <ActionForm action=check>
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { "Checking…" } else { "Check service status" }}
                </button>
            </ActionForm>
            <p class="status" role="status" aria-live="polite">
                {move || match result.get() {
                    None => String::new(),
                    Some(Ok(status)) if status.database => {
                        format!("All systems working (version {}).", status.version)
                    }
                    Some(Ok(_)) => "The database is not answering right now.".to_owned(),
                    Some(Err(error)) => describe(&error),
                }}
            </p>
        </div>
    }
}
