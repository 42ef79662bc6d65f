//! The top bar: product, workspace, sync state, inbox, settings and the signed-in user.

use crate::api;
use crate::components::icon::GearIcon;
use crate::components::inbox::InboxButton;
use crate::components::logo::Logo;
use crate::contexts::{Session, use_session, use_store};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Product and workspace names, the save state, the inbox, the settings (leaders and admins), the
/// user and sign out.
#[component]
pub fn Header() -> impl IntoView {
    let store = use_store();
    let session = use_session();
    let me = store.me();
    let settings = me.role.is_leader().then(|| {
        let open = store.settings_open;
        view! {
            <button
                class="btn ghost small icon-btn settings-link"
                class:active=move || open.get()
                data-testid="settings-link"
                title="Service level settings"
                aria-pressed=move || if open.get() { "true" } else { "false" }
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <GearIcon />
                <span class="settings-text">"Settings"</span>
            </button>
        }
    });
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
    let sign_out = move |_| {
        spawn_local(async move {
            // Whatever the server says, this tab is done with the session.
            let _ = api::logout().await;
            session.set(Session::SignedOut);
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
