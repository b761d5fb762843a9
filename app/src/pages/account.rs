//! Sign up, sign in, the account page and sign out.

use crate::components::{
    Field, FormError, Notice, RequireUser, UserResource, describe, messages_for, when,
};
use crate::session::{SignIn, SignOut, SignUp, recall_form};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let errors =
        move |field: &'static str| Signal::derive(move || messages_for(error.get(), field));
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <Title text="Create an account" />
        <section class="panel narrow">
            <h1>"Create an account"</h1>
            <FormError error />
            <Suspense>
            {move || Suspend::new(async move {
            let typed = remembered.await.unwrap_or_default();
            let name = typed.get("name").cloned().unwrap_or_default();
            let email = typed.get("email").cloned().unwrap_or_default();
            view! {
            <ActionForm action>
                <Field label="Full name" name="name" value=name required=true autocomplete="name" errors=errors("name") />
                <Field label="Email" name="email" kind="email" value=email required=true autocomplete="email" errors=errors("email") />
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
            }
            })}
            </Suspense>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let errors =
        move |field: &'static str| Signal::derive(move || messages_for(error.get(), field));
    let query = use_query_map();
    let next = move || query.get().get("next").unwrap_or_default();
    let remembered = Resource::new(|| (), |_| recall_form());
    view! {
        <Title text="Sign in" />
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <Notice />
            {move || {
                error
                    .get()
                    .filter(|e| e.http_status() == 401)
                    .map(|_| {
                        view! {
                            <div class="alert alert-error" role="alert">
                                <p>"The email or password is not right."</p>
                            </div>
                        }
                    })
            }}
            {move || {
                error
                    .get()
                    .filter(|e| e.http_status() != 401 && e.http_status() != 400)
                    .map(|e| view! { <div class="alert alert-error" role="alert"><p>{describe(&e)}</p></div> })
            }}
            <Suspense>
            {move || Suspend::new(async move {
            let email = remembered.await.unwrap_or_default().get("email").cloned().unwrap_or_default();
            view! {
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
            }
            })}
            </Suspense>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
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
                                <dd>{user.name}</dd>
                                <dt>"Email"</dt>
                                <dd>{user.email}</dd>
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
