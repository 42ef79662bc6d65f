//! The agent workspace: header, sidebar, ticket list and the open ticket.

use crate::api::{self, ApiError};
use crate::components::header::Header;
use crate::components::notices::Notices;
use crate::components::sidebar::Sidebar;
use crate::components::ticket_list::TicketList;
use crate::components::ticket_tabs::TicketTabs;
use crate::contexts::{Session, provide_store, use_session};
use crate::store::cache::CacheError;
use crate::store::{Cache, Snapshot, Store};
use deskline_shared::Workspace;
use deskline_shared::api::Me;
use futures::channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Loads the workspace configuration, then starts the store and shows the workspace.
#[component]
pub fn WorkspacePage(me: Me) -> impl IntoView {
    let session = use_session();
    // A plain signal filled by a task: lighter in the download than a resource, and this loads once.
    let workspace = RwSignal::new(None::<Result<Workspace, ApiError>>);
    // The local copy, opened once; taken by the store when it starts.
    let local = StoredValue::new_local(None::<Local>);
    let me_id = me.id;
    let me_saved = StoredValue::new(me.clone());
    let load = move || {
        workspace.set(None);
        let me = me_saved.get_value();
        spawn_local(async move {
            // The local copy is read while the configuration is fetched.
            let needed = local.try_with_value(Option::is_none).unwrap_or(false);
            let (opened, mut answer) = futures::join!(
                async move {
                    if needed {
                        Some(open_local(me_id).await)
                    } else {
                        None
                    }
                },
                api::workspace()
            );
            if let Some(opened) = opened {
                let _ = local.try_set_value(Some(opened));
            }
            match &answer {
                Err(ApiError::Unauthorized(_)) => session.set(Session::SignedOut),
                // Offline: the configuration the last visit saw will do.
                Err(ApiError::Network(_)) => {
                    if let Some(saved) = local
                        .try_with_value(|l| l.as_ref().and_then(|l| l.snapshot.workspace.clone()))
                        .flatten()
                    {
                        answer = Ok(saved);
                    }
                }
                Err(_) => {}
                Ok(ws) => {
                    crate::store::cache::set_last_user(Some(me.id));
                    let cache = local
                        .try_with_value(|l| l.as_ref().and_then(|l| l.cache.clone()))
                        .flatten();
                    if let Some(cache) = cache {
                        let _ = cache.save_identity(&me, ws).await;
                    }
                    // Whoever used this browser before: their copy goes, unless it still holds
                    // changes for the server. In the background: the workspace need not wait.
                    let me = me.id;
                    leptos::task::spawn_local(async move {
                        let _ = crate::store::cache::Cache::forget_others(me).await;
                    });
                }
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
            let Local {
                cache,
                snapshot,
                problem,
            } = local
                .try_update_value(Option::take)
                .flatten()
                .unwrap_or_default();
            let store = Store::start(session, me.clone(), ws, cache, snapshot);
            provide_store(store);
            if let Some(problem) = problem {
                store.notify(problem.to_string());
            }
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
                                {move || {
                                    store
                                        .progress
                                        .get()
                                        .map(|done| {
                                            let percent = (done * 100.0).round();
                                            view! {
                                                <progress
                                                    class="load-progress"
                                                    data-testid="load-progress"
                                                    max="100"
                                                    value=percent
                                                    aria-label="Tickets loaded"
                                                ></progress>
                                                <p class="muted small">{format!("{percent}%")}</p>
                                            }
                                        })
                                }}
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
    // The first frame with tickets in the list: the end of a warm reload, for the benchmark.
    Effect::new(move |painted: Option<bool>| {
        if painted == Some(true) {
            return true;
        }
        if store.listing.with(|l| l.is_empty()) {
            return false;
        }
        request_animation_frame(move || {
            crate::store::mark("deskline-list-painted");
            // Then the free text, which the first list did not wait for, and the parts of the
            // app that were left out of the first download.
            set_timeout(
                move || {
                    store.index_text();
                    crate::lazy::preload();
                },
                std::time::Duration::ZERO,
            );
        });
        true
    });
    view! {
        <div class="app" class:has-ticket=has_ticket>
            <Header />
            <Notices />
            {move || {
                if store.settings_open.get() {
                    let leader = store.me().role.is_leader();
                    return crate::lazy::settings(leader).into_any();
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
                                    Some(id) => crate::lazy::ticket_view(id).into_any(),
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
                {crate::lazy::new_ticket(Callback::new(move |()| composing.set(false)))}
            </Show>
        </div>
    }
}

/// The local copy as opened for the store.
#[derive(Default)]
struct Local {
    cache: Option<Cache>,
    snapshot: Snapshot,
    /// Why there is no local copy, to tell the user.
    problem: Option<CacheError>,
}

thread_local! {
    /// The local copy read by [`open_early`], with whose it is.
    static EARLY: std::cell::RefCell<Option<(uuid::Uuid, oneshot::Receiver<Local>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Starts reading the local copy of the user who last worked in this browser, before the server
/// has said who is signed in: it usually is the same user, and then the read (a large part of a
/// reload) overlaps that round trip instead of following it.
pub fn open_early() {
    let Some(user) = crate::store::cache::last_user_id() else {
        return;
    };
    let (sender, receiver) = oneshot::channel();
    EARLY.with(|early| *early.borrow_mut() = Some((user, receiver)));
    spawn_local(async move {
        let _ = sender.send(read_local(user).await);
    });
}

/// Lets go of the copy [`open_early`] read, when nobody turns out to be signed in: its
/// connection would hold up deleting it, and its tickets would sit in memory.
pub fn drop_early() {
    if let Some((_, receiver)) = EARLY.with(|early| early.borrow_mut().take()) {
        spawn_local(async move {
            if let Ok(Local {
                cache: Some(cache), ..
            }) = receiver.await
            {
                cache.close();
            }
        });
    }
}

/// The local copy of `user`: the one [`open_early`] read if it is theirs, or read now.
async fn open_local(user: uuid::Uuid) -> Local {
    let early = EARLY.with(|early| early.borrow_mut().take());
    if let Some((early_user, receiver)) = early
        && let Ok(local) = receiver.await
    {
        if early_user == user {
            return local;
        }
        if let Some(cache) = &local.cache {
            cache.close();
        }
    }
    read_local(user).await
}

/// Opens the user's local copy and reads it. Without one (no IndexedDB, another tab blocking an
/// upgrade) the workspace runs from the network alone, and the user is told why.
async fn read_local(user: uuid::Uuid) -> Local {
    // Another tab upgraded the local copy: this tab's code is older, so load the new one.
    let reload = || {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    let opened = match Cache::open(user, reload).await {
        Ok(cache) => cache.load().await.map(|snapshot| {
            crate::store::mark("deskline-local-read");
            (cache, snapshot)
        }),
        Err(error) => Err(error),
    };
    match opened {
        Ok((cache, snapshot)) => Local {
            cache: Some(cache),
            snapshot,
            problem: None,
        },
        Err(problem) => Local {
            problem: Some(problem),
            ..Local::default()
        },
    }
}
