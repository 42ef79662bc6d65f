//! The bell in the header and the list of notifications it opens.

use crate::components::icon::BellIcon;
use crate::contexts::use_store;
use crate::format;
use leptos::prelude::*;
use uuid::Uuid;

/// The bell with the unread count (hidden at zero); the panel lists the newest entries, unread
/// ones in bold. Clicking an entry marks it read and opens its ticket.
#[component]
pub fn InboxButton() -> impl IntoView {
    let store = use_store();
    let open = RwSignal::new(false);
    let unread = move || store.inbox.with(|i| i.unread);
    let toggle = move |_| {
        let opening = !open.get_untracked();
        open.set(opening);
        if opening {
            store.refresh_inbox();
        }
    };
    let label = move || match unread() {
        0 => "Inbox".to_owned(),
        n => format!("Inbox, {n} unread"),
    };
    view! {
        <div class="inbox">
            <button
                class="btn ghost small icon-btn"
                data-testid="inbox-button"
                aria-label=label
                title=label
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=toggle
            >
                <BellIcon />
                <Show when=move || { unread() > 0 }>
                    <span class="inbox-count" data-testid="inbox-count">
                        {unread}
                    </span>
                </Show>
            </button>
            <Show when=move || open.get()>
                {crate::lazy::inbox_panel(Callback::new(move |()| open.set(false)))}
            </Show>
        </div>
    }
}

/// The open panel; a click outside or Escape closes it.
#[component]
pub fn InboxPanel(
    /// Closes the panel.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let store = use_store();
    let follow = move |id: i64, ticket: Option<Uuid>| {
        store.read_inbox_entry(id);
        if let Some(ticket) = ticket {
            if store.settings_open.get_untracked() {
                store.settings_open.set(false);
            }
            store.open(Some(ticket));
        }
        on_close.run(());
    };
    // At most 100 entries: redrawn whole when the inbox changes, which is rare.
    let entries = move || {
        let entries = store.inbox.with(|inbox| {
            inbox
                .entries
                .iter()
                .map(|entry| {
                    let (id, ticket, created) = (entry.id, entry.ticket_id, entry.created_at);
                    view! {
                        <button
                            class=format!("inbox-entry inbox-{}", entry.kind)
                            class:unread=!entry.read
                            data-testid="inbox-entry"
                            data-read=if entry.read { "true" } else { "false" }
                            on:click=move |_| follow(id, ticket)
                        >
                            <span class="inbox-title">{entry.title.clone()}</span>
                            <span class="inbox-body">{entry.body.clone()}</span>
                            <span class="inbox-meta">
                                {entry.reference.clone()}
                                <span class="inbox-time" title=format::exact(created)>
                                    {move || format::ago(created, store.now.get())}
                                </span>
                            </span>
                        </button>
                    }
                })
                .collect::<Vec<_>>()
        });
        let empty = entries.is_empty().then(|| {
            view! {
                <p class="inbox-empty">"Nothing new. SLA warnings and breaches show up here."</p>
            }
        });
        (entries, empty)
    };
    view! {
        <div class="inbox-backdrop" on:click=move |_| on_close.run(())></div>
        <section
            class="inbox-panel"
            data-testid="inbox-panel"
            aria-label="Inbox"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <header class="inbox-head">
                <h2>"Inbox"</h2>
                <button
                    class="btn ghost small"
                    data-testid="inbox-read-all"
                    prop:disabled=move || store.inbox.with(|i| i.unread == 0)
                    on:click=move |_| store.read_all_inbox()
                >
                    "Mark all read"
                </button>
            </header>
            <div class="inbox-list">
                {entries}
            </div>
        </section>
    }
}
