//! The agent workspace: header, sidebar, ticket list and the open ticket.

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::components::new_ticket::NewTicket;
use crate::components::notices::Notices;
use crate::components::sidebar::Sidebar;
use crate::components::ticket_list::TicketList;
use crate::components::ticket_view::TicketView;
use crate::contexts::{Session, provide_store, use_session};
use crate::store::Store;
use deskline_shared::api::Me;
use leptos::prelude::*;

/// Loads the workspace configuration, then starts the store and shows the workspace.
#[component]
pub fn WorkspacePage(me: Me) -> impl IntoView {
    let session = use_session();
    let workspace = LocalResource::new(api::workspace);
    Effect::new(move |_| {
        if let Some(Err(ApiError::Unauthorized(_))) = workspace.get() {
            session.set(Session::SignedOut);
        }
    });
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
                <button class="btn" on:click=move |_| workspace.refetch()>
                    "Try again"
                </button>
            </div>
        }
        .into_any(),
        Some(Ok(ws)) => {
            let store = Store::start(session, me.clone(), ws);
            provide_store(store);
            view! { <Shell /> }.into_any()
        }
    }
}

/// The workspace layout. Below 1100 px the open ticket replaces the list (with a back button);
/// below 800 px the sidebar folds into a scrolling strip under the header.
#[component]
fn Shell() -> impl IntoView {
    let store = crate::contexts::use_store();
    let composing = RwSignal::new(false);
    let has_ticket = move || store.selected.with(Option::is_some);
    view! {
        <div class="app" class:has-ticket=has_ticket>
            <Header />
            <div class="body">
                <Sidebar />
                <main class="main">
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
            <Notices />
            <Show when=move || composing.get()>
                <NewTicket on_close=move |()| composing.set(false) />
            </Show>
        </div>
    }
}
