//! Sign up, sign in, the account page and sign out.

use super::rpc::{SignIn, SignOut, SignUp};
use crate::components::{
    Field, FormError, Notice, action_error, describe, field_errors, hydration_marker, posted_error,
    when,
};
use crate::error::AppError;
use crate::session::{RequireUser, UserResource, recall_form};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let error = posted_error::<SignUp>();
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <Title text="Create an account" />
        <section class="panel narrow">
            <h1>"Create an account"</h1>
            <Suspense>
                {move || {
                    let error = error.clone();
                    Suspend::new(async move {
                        let values = remembered.await.unwrap_or_default();
                        view! { <SignUpForm values error /> }
                    })
                }}
            </Suspense>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

/// The sign-up form. `values`: what was typed before a failed plain post (never passwords).
#[island]
fn SignUpForm(values: BTreeMap<String, String>, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let typed = move |key: &str| values.get(key).cloned().unwrap_or_default();
    view! {
        <div data-hydrated=hydration_marker()>
            <FormError error />
            <ActionForm action>
                <Field label="Full name" name="name" value=typed("name") required=true autocomplete="name" errors=errors("name") />
                <Field label="Email" name="email" kind="email" value=typed("email") required=true autocomplete="email" errors=errors("email") />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    required=true
                    autocomplete="new-password"
                    hint="At least 8 characters; not only digits, not a common password, not like your name or email."
                    errors=errors("password")
                />
                <Field
                    label="Repeat the password"
                    name="password2"
                    kind="password"
                    required=true
                    autocomplete="new-password"
                    errors=errors("password2")
                />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let error = posted_error::<SignIn>();
    let next = use_query_map()
        .get_untracked()
        .get("next")
        .unwrap_or_default();
    let remembered = Resource::new(|| (), |_| recall_form());
    // Sent here from a page that needs a signed-in user (`RequireUser`): say so.
    let why = (!next.is_empty())
        .then_some("Please sign in to see that page. You will be taken back to it afterwards.");
    view! {
        <Title text="Sign in" />
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <Notice />
            {why.map(|why| view! { <div class="alert alert-info" role="status">{why}</div> })}
            <Suspense>
                {move || {
                    let (error, next) = (error.clone(), next.clone());
                    Suspend::new(async move {
                        let values = remembered.await.unwrap_or_default();
                        view! { <SignInForm values error next /> }
                    })
                }}
            </Suspense>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

/// The sign-in form; `next` is where a successful sign-in goes.
#[island]
fn SignInForm(
    values: BTreeMap<String, String>,
    error: Option<AppError>,
    next: String,
) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action, error);
    let errors = field_errors(error);
    let email = values.get("email").cloned().unwrap_or_default();
    view! {
        <div data-hydrated=hydration_marker()>
            {move || {
                error.get().filter(|e| e.http_status() != 400).map(|e| {
                    let message = if e.http_status() == 401 {
                        "The email or password is not right.".to_owned()
                    } else {
                        describe(&e)
                    };
                    view! { <div class="alert alert-error" role="alert"><p>{message}</p></div> }
                })
            }}
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <Field label="Email" name="email" kind="email" value=email required=true autocomplete="email" errors=errors("email") />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    required=true
                    autocomplete="current-password"
                    errors=errors("password")
                />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <RequireUser>
            <AccountDetails />
        </RequireUser>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let user = expect_context::<UserResource>().0;
    // A plain form: signing out reloads the page anyway.
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <section class="panel narrow">
            <h1>"Your account"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|user| {
                        view! {
                            <dl class="details">
                                <dt>"Name"</dt>
                                <dd>{user.name.clone()}</dd>
                                <dt>"Email"</dt>
                                <dd>{user.email.clone()}</dd>
                                <dt>"Member since"</dt>
                                <dd>{when(&user.date_joined)}</dd>
                            </dl>
                        }
                    })
                })}
            </Suspense>
            <ActionForm action=sign_out>
                <button type="submit" class="button button-secondary">"Sign out"</button>
            </ActionForm>
        </section>
    }
}
