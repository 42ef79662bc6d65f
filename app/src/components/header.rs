//! The top bar: product, workspace, sync state, inbox, settings and the signed-in user.

use crate::api;
use crate::components::icon::GearIcon;
use crate::components::inbox::InboxButton;
use crate::components::logo::Logo;
use crate::contexts::{Session, use_session, use_store};
use crate::store::Cache;
use crate::store::cache;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Product and workspace names, the save state, the inbox, the settings (leaders and admins), the
/// user and sign out.
#[component]
pub fn Header() -> impl IntoView {
    let store = use_store();
    let session = use_session();
    let me = store.me();
    // Everyone has device settings (storage); leaders and admins also the service levels.
    let settings = {
        let open = store.settings_open;
        view! {
            <button
                class="btn ghost small icon-btn settings-link"
                class:active=move || open.get()
                data-testid="settings-link"
                title="Settings"
                aria-pressed=move || if open.get() { "true" } else { "false" }
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <GearIcon />
                <span class="settings-text">"Settings"</span>
            </button>
        }
    };
    let workspace_name = store.with_workspace(|ws| ws.name.clone());
    let sync_text = move || {
        let pending = store.pending_count();
        if store.offline.get() {
            format!("Offline — {pending} pending")
        } else if pending > 0 {
            format!("Saving {pending}…")
        } else {
            "Saved".to_owned()
        }
    };
    let user = me.id;
    let sign_out = move |_| {
        // Signing out deletes this browser's copy, and with it changes not yet sent.
        let pending = store.unsent_count();
        if pending > 0 {
            let changes = if pending == 1 {
                "1 change has".to_owned()
            } else {
                format!("{pending} changes have")
            };
            let question = format!(
                "{changes} not reached the server yet and will be lost if you sign out now. Sign out anyway?"
            );
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(&question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        spawn_local(async move {
            // Whatever the server says, this tab is done with the session.
            let _ = api::logout().await;
            cache::set_last_user(None);
            store.close_cache();
            session.set(Session::SignedOut);
            // After the page has moved on: a delete waits for the user's other tabs to let go.
            let _ = Cache::delete(user).await;
        });
    };
    view! {
        <header class="topbar">
            <div class="brand">
                <Logo />
                <span class="product">"Deskline"</span>
                <span class="ws-name" title="Workspace">
                    {workspace_name}
                </span>
            </div>
            <div class="topbar-right">
                <span
                    class="sync"
                    class:offline=move || store.offline.get()
                    class:busy=move || { store.pending_count() > 0 }
                    data-testid="sync-state"
                    role="status"
                >
                    {sync_text}
                </span>
                <InboxButton />
                {settings}
                <span class="user" data-testid="user-name" title=me.email.clone()>
                    {me.name.clone()}
                </span>
                <button class="btn ghost small" data-testid="btn-logout" on:click=sign_out>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
