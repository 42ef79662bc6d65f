//! The agent workspace: header, sidebar, ticket list and the open ticket.

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::components::new_ticket::NewTicket;
use crate::components::notices::Notices;
use crate::components::sidebar::Sidebar;
use crate::components::sla_settings::SlaSettings;
use crate::components::ticket_list::TicketList;
use crate::components::ticket_tabs::TicketTabs;
use crate::components::ticket_view::TicketView;
use crate::contexts::{Session, provide_store, use_session};
use crate::store::Store;
use deskline_shared::Workspace;
use deskline_shared::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Loads the workspace configuration, then starts the store and shows the workspace.
#[component]
pub fn WorkspacePage(me: Me) -> impl IntoView {
    let session = use_session();
    // A plain signal filled by a task: lighter in the download than a resource, and this loads once.
    let workspace = RwSignal::new(None::<Result<Workspace, ApiError>>);
    let load = move || {
        workspace.set(None);
        spawn_local(async move {
            let answer = api::workspace().await;
            if let Err(ApiError::Unauthorized(_)) = answer {
                session.set(Session::SignedOut);
            }
            // The page may be gone by now (signed out meanwhile).
            let _ = workspace.try_set(Some(answer));
        });
    };
    load();
    move || match workspace.get() {
        None => view! {
            <div class="splash" aria-busy="true">
                <p class="muted">"Loading workspace…"</p>
            </div>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <div class="splash">
                <p>{error.to_string()}</p>
                <button class="btn" on:click=move |_| load()>
                    "Try again"
                </button>
            </div>
        }
        .into_any(),
        Some(Ok(ws)) => {
            let store = Store::start(session, me.clone(), ws);
            provide_store(store);
            // Counts and rows appear together once the first pull is in, never as a flash of zeros.
            let waiting = move || {
                if store.offline.get() {
                    "The server cannot be reached; retrying…"
                } else {
                    "Loading tickets…"
                }
            };
            view! {
                <Show
                    when=move || store.loaded.get()
                    fallback=move || {
                        view! {
                            <div class="splash" aria-busy="true">
                                <p class="muted">{waiting}</p>
                                <Notices />
                            </div>
                        }
                    }
                >
                    <Shell />
                </Show>
            }
            .into_any()
        }
    }
}

/// The workspace layout. Below 1100 px the open ticket replaces the list (with a back button);
/// below 800 px the sidebar folds into a scrolling strip under the header. The service-level
/// settings take the place of sidebar, list and ticket while they are open.
#[component]
fn Shell() -> impl IntoView {
    let store = crate::contexts::use_store();
    let composing = RwSignal::new(false);
    let has_ticket = move || store.selected.with(Option::is_some);
    view! {
        <div class="app" class:has-ticket=has_ticket>
            <Header />
            <Notices />
            {move || {
                if store.settings_open.get() {
                    return view! { <SlaSettings /> }.into_any();
                }
                view! {
                    <div class="body">
                        <Sidebar />
                        <main class="main">
                            <div class="tabs-slot">
                                <TicketTabs />
                            </div>
                            <TicketList on_new=move |()| composing.set(true) />
                            <section class="ticket-pane" aria-label="Ticket">
                                {move || match store.selected.get() {
                                    Some(id) => view! { <TicketView id /> }.into_any(),
                                    None => {
                                        view! {
                                            <div class="pane-empty">
                                                <p>"Select a ticket to read and answer it."</p>
                                            </div>
                                        }
                                            .into_any()
                                    }
                                }}
                            </section>
                        </main>
                    </div>
                }
                    .into_any()
            }}
            <Show when=move || composing.get()>
                <NewTicket on_close=move |()| composing.set(false) />
            </Show>
        </div>
    }
}
