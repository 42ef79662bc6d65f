//! The sign-in page.

use crate::api::{self, ApiError};
use crate::components::logo::Logo;
use crate::contexts::{Session, use_session};
use leptos::prelude::*;

/// Email and password; the server sets the session cookie on success.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let login = Action::new_local(|input: &(String, String)| {
        let (email, password) = input.clone();
        api::login(email, password)
    });
    Effect::new(move |_| {
        let Some(answer) = login.value().get() else {
            return;
        };
        match answer {
            Ok(me) => session.set(Session::SignedIn(me)),
            Err(ApiError::Network(_)) => error.set(Some(
                "The server cannot be reached. Check your connection and try again.".to_owned(),
            )),
            Err(e) => error.set(Some(e.to_string())),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let email = email.get_untracked().trim().to_owned();
        let password = password.get_untracked();
        if email.is_empty() || password.is_empty() {
            error.set(Some("Enter your email and password.".to_owned()));
            return;
        }
        error.set(None);
        login.dispatch_local((email, password));
    };
    let busy = login.pending();

    view! {
        <main class="login">
            <form class="login-card" on:submit=submit novalidate>
                <div class="login-brand">
                    <Logo />
                    <span>"Deskline"</span>
                </div>
                <h1>"Sign in to your workspace"</h1>
                <label class="field">
                    <span>"Email"</span>
                    <input
                        type="email"
                        data-testid="login-email"
                        autocomplete="username"
                        autofocus
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input
                        type="password"
                        data-testid="login-password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                {move || {
                    error
                        .get()
                        .map(|text| {
                            view! {
                                <p class="form-error" role="alert" data-testid="login-error">
                                    {text}
                                </p>
                            }
                        })
                }}
                <button
                    type="submit"
                    class="btn primary block"
                    data-testid="login-submit"
                    disabled=move || busy.get()
                >
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
