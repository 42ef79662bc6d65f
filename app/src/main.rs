//! Deskline's browser app: the agent workspace.

mod api;
mod components;
mod contexts;
mod export;
mod format;
mod lazy;
mod offline;
mod pages;
mod store;

use crate::api::ApiError;
use crate::contexts::Session;
use crate::pages::workspace::WorkspacePage;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Talc rather than the default dlmalloc: loading the local copy allocates a few hundred thousand
/// strings and vectors, and talc does that in less time (and less code).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
    offline::register_service_worker();
}

/// Asks the server who is signed in, then shows the sign-in page or the workspace.
#[component]
fn App() -> impl IntoView {
    let session = contexts::provide_session();
    pages::workspace::open_early();
    spawn_local(async move {
        let next = match api::me().await {
            Ok(me) => Session::SignedIn(me),
            // Offline: whoever last used this browser and did not sign out works on their local
            // copy; the server checks the session again when it is back.
            Err(ApiError::Network(_)) => match store::cache::last_user().await {
                Some(me) => Session::SignedIn(me),
                None => Session::SignedOut,
            },
            // Signed out: the sign-in page explains what goes wrong on submit.
            Err(ApiError::Unauthorized(_) | ApiError::Server { .. }) => Session::SignedOut,
        };
        if next == Session::SignedOut {
            pages::workspace::drop_early();
        }
        session.set(next);
    });
    Effect::new(move || {
        if matches!(session.get(), Session::SignedIn(_)) {
            offline::request_persistence();
        }
    });
    move || match session.get() {
        Session::Checking => view! { <div class="splash" aria-busy="true"></div> }.into_any(),
        Session::SignedOut => lazy::login().into_any(),
        Session::SignedIn(me) => view! { <WorkspacePage me /> }.into_any(),
    }
}
