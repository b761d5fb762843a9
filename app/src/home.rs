//! The service-status check the start page offers, and the page for addresses the app
//! does not know.

use crate::components::{describe, hydration_marker};
use crate::health::ServiceStatus;
use leptos::prelude::*;
use leptos_meta::Title;

/// Asks the server whether it and its database are up, and says so in place.
#[island]
pub fn StatusCheck() -> impl IntoView {
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

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have been moved or deleted."</p>
            <p>
                <a href="/">"Back to the start page"</a>
            </p>
        </section>
    }
}
