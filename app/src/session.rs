//! Who is signed in, for pages and server functions: the user behind a request (from the
//! Bearer header or the HttpOnly cookies, renewing an expired access token from the refresh
//! cookie), the signed-in guard for pages, and the memory of failed no-JavaScript forms.
//! Core: every domain uses it, and it uses no domain.

use crate::components::encode;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// A user's own profile: `GET /api/auth/me/`, and the owner beside each patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub date_joined: DateTime<Utc>,
}

/// The signed-in user as the pages see them: the profile, and whether they administer
/// (the header offers the admin site only then; the admin site checks for itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub profile: UserProfile,
    pub is_admin: bool,
}

impl std::ops::Deref for Viewer {
    type Target = UserProfile;

    fn deref(&self) -> &UserProfile {
        &self.profile
    }
}

/// The signed-in user, or `None`.
#[server(prefix = "/rpc", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Viewer>, AppError> {
    match ssr::require_user().await {
        Ok(user) => {
            let state = expect_context::<crate::state::AppState>();
            match ssr::viewer(&state.pool, user.id).await {
                Ok(viewer) => Ok(Some(viewer)),
                Err(AppError::Unauthenticated { .. }) => Ok(None),
                Err(other) => Err(other),
            }
        }
        Err(AppError::Unauthenticated { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// What the user typed into a form that failed without JavaScript, so the page it returns
/// to can show it again. Empty when there is nothing to recall.
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

/// The signed-in user, loaded once per page and refreshed after sign-in and sign-out.
#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Result<Option<Viewer>, AppError>>);

/// Renders its children only for a signed-in user; anyone else goes to the sign-in page
/// and comes back here afterwards.
///
/// While the server renders, the children may be built more than once (the suspense
/// re-runs as what it waits for arrives), so a page makes its resources outside, once, and
/// hands them in: a resource made inside would load its data (and record the read in the
/// audit trail) each time.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<UserResource>().0;
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        match user.await {
                            Ok(Some(_)) => children().into_any(),
                            _ => {
                                let here = format!(
                                    "{}{}",
                                    location.pathname.get_untracked(),
                                    location.search.get_untracked(),
                                );
                                let target = format!("/signin?next={}", encode(&here));
                                view! { <Redirect path=target /> }.into_any()
                            }
                        }
                    })
                }
            }
        </Suspense>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::{ACCESS_COOKIE, CurrentUser, REFRESH_COOKIE, cookie, token_from_headers};
    use crate::db::Db;
    use crate::error::AppError;
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
            && let Ok(user_id) = state.tokens.access_user(&token)
        {
            return crate::auth::active(&state, user_id, origin(&state));
        }
        let refresh =
            cookie(&parts.headers, REFRESH_COOKIE).ok_or_else(AppError::not_authenticated)?;
        let access =
            crate::auth::renew_access(&state.pool, &state.tokens, &refresh, &origin(&state))
                .await
                .map_err(|_| AppError::not_authenticated())?;
        // Remembered as it is checked: the next request brings it in the cookie.
        let user_id = state.tokens.access_user(&access)?;
        set_cookie(
            &state,
            ACCESS_COOKIE,
            &access,
            state.tokens.access_ttl.as_secs(),
        );
        crate::auth::active(&state, user_id, origin(&state))
    }

    /// Where the current server-function call came from (see [`crate::auth::Origin`]).
    pub fn origin(state: &AppState) -> crate::auth::Origin {
        use_context::<Parts>()
            .map(|parts| crate::auth::Origin::of(&parts, &state.trusted_proxies))
            .unwrap_or_default()
    }

    /// The signed-in user's profile and whether they are an active administrator.
    ///
    /// Errors: 401 when the account behind a still-valid token has been deleted.
    pub async fn viewer(db: &Db, user_id: i64) -> Result<super::Viewer, AppError> {
        db.read(async |conn| {
            let row = sqlx::query!(
                "select id, name, email, date_joined, is_admin and is_active as \"is_admin!\"
                 from users where id = $1",
                user_id
            )
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::Unauthenticated {
                detail: "User not found".into(),
                code: Some("user_not_found".into()),
            })?;
            Ok(super::Viewer {
                profile: super::UserProfile {
                    id: row.id,
                    name: row.name,
                    email: row.email,
                    date_joined: row.date_joined,
                },
                is_admin: row.is_admin,
            })
        })
        .await
    }

    /// The profile of a user (the signed-in one).
    ///
    /// Errors: 401 when the account behind a still-valid token has been deleted.
    #[tracing::instrument(level = "debug", skip(db))]
    pub async fn profile(db: &Db, user_id: i64) -> Result<super::UserProfile, AppError> {
        db.read(async |conn| {
            sqlx::query_as!(
                super::UserProfile,
                "select id, name, email, date_joined from users where id = $1",
                user_id
            )
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::Unauthenticated {
                detail: "User not found".into(),
                code: Some("user_not_found".into()),
            })
        })
        .await
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
