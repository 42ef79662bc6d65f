//! Open tickets as tabs: up to ten, reorderable by drag and drop (or Alt+←/→ on a focused tab),
//! shrinking to fit; opening an eleventh asks which one to close.

use crate::contexts::use_store;
use crate::store::{MAX_TABS, Store};
use leptos::prelude::*;
use uuid::Uuid;

/// A tab's label: the reference and the start of the title.
fn label(store: Store, id: Uuid) -> (String, String) {
    store.projection.with(|p| {
        p.get(&id).map_or_else(
            || ("—".to_owned(), "Not available".to_owned()),
            |t| (t.display_reference().to_owned(), t.title.clone()),
        )
    })
}

/// The tab strip.
#[component]
pub fn TicketTabs() -> impl IntoView {
    let store = use_store();
    // The tab being dragged; read from here rather than from the drag data, so any drop works.
    let dragging = RwSignal::new(None::<usize>);
    let over = RwSignal::new(None::<usize>);
    let tabs = move || {
        store
            .open_tabs
            .get()
            .into_iter()
            .enumerate()
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || store.open_tabs.with(|t| !t.is_empty())>
            <div class="ticket-tabs" role="tablist" aria-label="Open tickets" data-testid="ticket-tabs">
                <For each=tabs key=|(at, id)| (*at, *id) let:entry>
                    {
                        let (at, id) = entry;
                        let text = move || label(store, id);
                        let active = move || store.selected.get() == Some(id);
                        view! {
                            <div
                                class="ticket-tab"
                                role="tab"
                                tabindex="0"
                                draggable="true"
                                data-testid="ticket-tab"
                                data-id=id.to_string()
                                class:active=active
                                class:drop-target=move || over.get() == Some(at)
                                aria-selected=move || if active() { "true" } else { "false" }
                                title=move || {
                                    let (reference, title) = text();
                                    format!("{reference} · {title}")
                                }
                                on:click=move |_| store.open(Some(id))
                                on:keydown=move |ev| {
                                    let len = store.open_tabs.with_untracked(Vec::len);
                                    match ev.key().as_str() {
                                        "ArrowLeft" if ev.alt_key() && at > 0 => store.move_tab(at, at - 1),
                                        "ArrowRight" if ev.alt_key() && at + 1 < len => {
                                            store.move_tab(at, at + 1)
                                        }
                                        "Enter" => store.open(Some(id)),
                                        "Delete" => store.close_tab(id),
                                        _ => return,
                                    }
                                    ev.prevent_default();
                                }
                                on:dragstart=move |_| dragging.set(Some(at))
                                on:dragover=move |ev| {
                                    ev.prevent_default();
                                    over.set(Some(at));
                                }
                                on:dragleave=move |_| over.set(None)
                                on:drop=move |ev| {
                                    ev.prevent_default();
                                    over.set(None);
                                    if let Some(from) = dragging.get_untracked() {
                                        store.move_tab(from, at);
                                    }
                                    dragging.set(None);
                                }
                                on:dragend=move |_| {
                                    dragging.set(None);
                                    over.set(None);
                                }
                            >
                                <span class="tab-ref">{move || text().0}</span>
                                <span class="tab-title">{move || text().1}</span>
                                <button
                                    class="tab-close"
                                    data-testid="ticket-tab-close"
                                    aria-label="Close this tab"
                                    on:click=move |ev| {
                                        ev.stop_propagation();
                                        store.close_tab(id);
                                    }
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    }
                </For>
            </div>
        </Show>
        <TabsFull />
    }
}

/// Asked when an eleventh ticket is opened: close one of the ten to make room.
#[component]
fn TabsFull() -> impl IntoView {
    let store = use_store();
    let cancel = move || store.tab_request.set(None);
    let close_and_open = move |old: Uuid| {
        let Some(new) = store.tab_request.get_untracked() else {
            return;
        };
        store.tab_request.set(None);
        store.close_tab(old);
        store.open(Some(new));
    };
    view! {
        <Show when=move || store.tab_request.with(Option::is_some)>
            <div class="overlay" on:click=move |_| cancel()>
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="tabs-full-title"
                    data-testid="tabs-full"
                    on:click=|ev| ev.stop_propagation()
                >
                    <h2 id="tabs-full-title">
                        {format!("{MAX_TABS} tickets are open. Close one to open ")}
                        {move || {
                            store.tab_request.get().map(|id| label(store, id).0).unwrap_or_default()
                        }}
                    </h2>
                    <ul class="tabs-full-list">
                        {move || {
                            store
                                .open_tabs
                                .get()
                                .into_iter()
                                .map(|id| {
                                    let (reference, title) = label(store, id);
                                    view! {
                                        <li>
                                            <button
                                                class="btn small"
                                                data-testid="tabs-full-close"
                                                on:click=move |_| close_and_open(id)
                                            >
                                                "Close"
                                            </button>
                                            <strong>{reference}</strong>
                                            " "
                                            {title}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <div class="dialog-actions">
                        <button class="btn" on:click=move |_| cancel()>
                            "Keep my tabs"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
