//! The browser's session: sign-up, sign-in and sign-out as server functions, with the
//! tokens kept in HttpOnly cookies so the server can render signed-in pages directly.

use crate::error::AppError;
use crate::models::UserProfile;
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(prefix = "/rpc", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserProfile>, AppError> {
    match ssr::require_user().await {
        Ok(user) => {
            let state = expect_context::<crate::state::AppState>();
            match crate::services::auth::me(&state.pool, user.id).await {
                Ok(profile) => Ok(Some(profile)),
                Err(AppError::Unauthenticated { .. }) => Ok(None),
                Err(other) => Err(other),
            }
        }
        Err(AppError::Unauthenticated { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Creates an account, then sends the browser to the sign-in page.
#[server(prefix = "/rpc", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    password2: String,
) -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let remembered = [("name", name.as_str()), ("email", email.as_str())];
    let input = Input::from_pairs([
        ("name", name.clone()),
        ("email", email.clone()),
        ("password", password),
        ("password2", password2),
    ]);
    ssr::remembering(
        &remembered,
        crate::services::auth::register(&state.pool, input),
    )
    .await?;
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
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    let remembered = [("email", email.as_str())];
    let input = Input::from_pairs([("email", email.clone()), ("password", password)]);
    let session = ssr::remembering(
        &remembered,
        crate::services::auth::login(&state.pool, &state.tokens, &state.login_throttle, input),
    )
    .await?;
    ssr::set_cookie(
        &state,
        crate::auth::ACCESS_COOKIE,
        &session.access,
        state.tokens.access_ttl.as_secs(),
    );
    ssr::set_cookie(
        &state,
        crate::auth::REFRESH_COOKIE,
        &session.refresh,
        state.tokens.refresh_ttl.as_secs(),
    );
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Signs out: revokes the refresh token, clears the cookies, shows the sign-in page.
#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::input::Input;
    let state = expect_context::<crate::state::AppState>();
    if let Some(refresh) = ssr::request_cookie(crate::auth::REFRESH_COOKIE) {
        // An already revoked or expired token needs no revoking.
        let _ = crate::services::auth::logout(
            &state.pool,
            &state.tokens,
            Input::from_pairs([("refresh", refresh)]),
        )
        .await;
    }
    ssr::set_cookie(&state, crate::auth::ACCESS_COOKIE, "", 0);
    ssr::set_cookie(&state, crate::auth::REFRESH_COOKIE, "", 0);
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
        _ => "/patients".to_owned(),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::tokens::TokenType;
    use crate::auth::{ACCESS_COOKIE, CurrentUser, REFRESH_COOKIE, cookie, token_from_headers};
    use crate::error::AppError;
    use crate::input::Input;
    use crate::state::AppState;
    use axum::http::header::SET_COOKIE;
    use axum::http::{HeaderValue, request::Parts};
    use leptos::prelude::*;

    /// The user behind the current server-function call or page render.
    ///
    /// Reads the access token like the REST API does (Bearer header or cookie). When the
    /// access token has expired but the refresh cookie is still good, a new access token
    /// is issued and set, so a session lasts as long as its refresh token.
    pub async fn require_user() -> Result<CurrentUser, AppError> {
        let state = use_context::<AppState>().ok_or(AppError::Internal)?;
        let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        if let Ok(Some(token)) = token_from_headers(&parts.headers)
            && let Ok(claims) = state.tokens.verify(&token, TokenType::Access)
        {
            return Ok(CurrentUser { id: claims.user_id });
        }
        let refresh =
            cookie(&parts.headers, REFRESH_COOKIE).ok_or_else(AppError::not_authenticated)?;
        let access = crate::services::auth::refresh(
            &state.pool,
            &state.tokens,
            Input::from_pairs([("refresh", refresh)]),
        )
        .await
        .map_err(|_| AppError::not_authenticated())?;
        let claims = state.tokens.verify(&access, TokenType::Access)?;
        set_cookie(
            &state,
            ACCESS_COOKIE,
            &access,
            state.tokens.access_ttl.as_secs(),
        );
        Ok(CurrentUser { id: claims.user_id })
    }

    /// Runs a form's server function; when it fails for a plain HTML form post (no
    /// JavaScript), keeps what was typed (never passwords) for the page the browser is sent
    /// back to. See [`super::recall_form`].
    pub async fn remembering<T>(
        values: &[(&str, &str)],
        run: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let result = run.await;
        if let (Err(_), true, Some(state)) =
            (&result, is_plain_form_post(), use_context::<AppState>())
        {
            let values = values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let key = state.forms.keep(values);
            set_cookie(&state, super::FORM_COOKIE, &key, 120);
        }
        result
    }

    fn is_plain_form_post() -> bool {
        use_context::<Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        })
    }

    /// A cookie sent with the current request.
    pub fn request_cookie(name: &str) -> Option<String> {
        use_context::<Parts>().and_then(|parts| cookie(&parts.headers, name))
    }

    /// Sets (or, with `max_age` 0, clears) an HttpOnly, SameSite=Lax cookie on the response.
    pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: u64) {
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        let header =
            format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&header),
        ) {
            response.append_header(SET_COOKIE, value);
        }
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
            assert_eq!(safe_next(Some(bad)), "/patients", "{bad}");
        }
        assert_eq!(safe_next(None), "/patients");
    }
}

/// What the user typed into a form that failed without JavaScript, so the page it returns
/// to can show it again. Read once; empty when there is nothing to recall.
#[server(prefix = "/rpc", endpoint = "recall_form")]
pub async fn recall_form() -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let Some(key) = ssr::request_cookie(FORM_COOKIE) else {
        return Ok(Default::default());
    };
    ssr::set_cookie(&state, FORM_COOKIE, "", 0);
    Ok(state.forms.recall(&key).unwrap_or_default())
}

/// The cookie naming a remembered form submission.
pub const FORM_COOKIE: &str = "carebase_form";
