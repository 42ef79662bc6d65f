//! The sign-in page.

use crate::api::{self, ApiError};
use crate::components::logo::Logo;
use crate::contexts::{Session, use_session};
use deskline_shared::api::DemoLogins;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Email and password; the server sets the session cookie on success.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A demo workspace lists its accounts, so a first visit needs no trip to the terminal.
    let demo = RwSignal::new(None::<DemoLogins>);
    spawn_local(async move {
        if let Ok(logins) = api::demo().await {
            demo.set(Some(logins));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let email = email.get_untracked().trim().to_owned();
        let password = password.get_untracked();
        if email.is_empty() || password.is_empty() {
            error.set(Some("Enter your email and password.".to_owned()));
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::login(email, password).await {
                Ok(me) => {
                    crate::store::mark("deskline-signed-in");
                    session.set(Session::SignedIn(me));
                }
                Err(e) => {
                    let text = match e {
                        ApiError::Network(_) => {
                            "The server cannot be reached. Check your connection and try again."
                                .to_owned()
                        }
                        e => e.to_string(),
                    };
                    // Still on this page: a failed sign-in does not change the session.
                    error.set(Some(text));
                    busy.set(false);
                }
            }
        });
    };

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
                {move || {
                    demo.get()
                        .map(|logins| {
                            let accounts = logins
                                .accounts
                                .into_iter()
                                .map(|account| {
                                    let pass = logins.password.clone();
                                    let role = format!("{:?}", account.role);
                                    let fill = account.email.clone();
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="demo-account"
                                                data-testid="demo-account"
                                                on:click=move |_| {
                                                    email.set(fill.clone());
                                                    password.set(pass.clone());
                                                }
                                            >
                                                <span class="demo-name">{account.name}</span>
                                                <span class="demo-role">{role}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! {
                                <section class="demo" data-testid="demo-logins">
                                    <p>
                                        "Demo workspace: pick someone to sign in as (password "
                                        <code>{logins.password.clone()}</code>
                                        ")."
                                    </p>
                                    <ul>{accounts}</ul>
                                </section>
                            }
                        })
                }}
            </form>
        </main>
    }
}
