//! The accounts' server functions: sign-up, sign-in and sign-out for the staff web app,
//! with the tokens kept in HttpOnly cookies so the server can render signed-in pages.

use crate::error::AppError;
use leptos::prelude::*;

/// Creates an account, then sends the browser to the sign-in page.
#[server(prefix = "/rpc", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    password2: String,
) -> Result<(), AppError> {
    use crate::input::Input;
    use crate::session::ssr;
    let state = expect_context::<crate::state::AppState>();
    let remembered = [("name", name.as_str()), ("email", email.as_str())];
    let input = Input::from_pairs([
        ("name", name.clone()),
        ("email", email.clone()),
        ("password", password),
        ("password2", password2),
    ]);
    let origin = ssr::origin(&state);
    let registering = super::service::register(&state.pool, &state.guard, &origin, input);
    ssr::remembering(&remembered, registering).await?;
    leptos_axum::redirect("/signin?notice=registered");
    Ok(())
}

/// Signs in: sets the token cookies and sends the browser to `next` (a local path).
#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::{ACCESS_COOKIE, REFRESH_COOKIE};
    use crate::input::Input;
    use crate::session::ssr;
    let state = expect_context::<crate::state::AppState>();
    let remembered = [("email", email.as_str())];
    let input = Input::from_pairs([("email", email.clone()), ("password", password)]);
    let origin = ssr::origin(&state);
    let session = ssr::remembering(
        &remembered,
        super::service::login(&state.pool, &state.tokens, &state.guard, &origin, input),
    )
    .await?;
    let (access_ttl, refresh_ttl) = (state.tokens.access_ttl, state.tokens.refresh_ttl);
    ssr::set_cookie(&state, ACCESS_COOKIE, &session.access, access_ttl.as_secs());
    ssr::set_cookie(
        &state,
        REFRESH_COOKIE,
        &session.refresh,
        refresh_ttl.as_secs(),
    );
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Signs out: revokes the refresh token, clears the cookies, shows the sign-in page.
#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::auth::{ACCESS_COOKIE, REFRESH_COOKIE};
    use crate::input::Input;
    use crate::session::ssr;
    let state = expect_context::<crate::state::AppState>();
    if let Some(refresh) = ssr::request_cookie(REFRESH_COOKIE) {
        // An already revoked or expired token needs no revoking.
        let _ = super::service::logout(
            &state.pool,
            &state.tokens,
            &ssr::origin(&state),
            Input::from_pairs([("refresh", refresh)]),
        )
        .await;
    }
    ssr::set_cookie(&state, ACCESS_COOKIE, "", 0);
    ssr::set_cookie(&state, REFRESH_COOKIE, "", 0);
    leptos_axum::redirect("/signin?notice=signed_out");
    Ok(())
}

/// Only local paths are followed after sign-in, so a link cannot send a user elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/signin") =>
        {
            path.to_owned()
        }
        // The dashboard.
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/patients/3")), "/patients/3");
        assert_eq!(safe_next(Some("/doctors?page=2")), "/doctors?page=2");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "",
            "/signin",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
