//! The ticket list of the current sidebar filter.

use crate::components::list_tools::ListTools;
use crate::components::ticket_row::TicketRow;
use crate::contexts::use_store;
use leptos::prelude::*;

/// Rows in the chosen order, under the SLA chip in use. Each row is keyed by (id, version,
/// saving) so a changed ticket is redrawn and an unchanged one is left alone.
#[component]
pub fn TicketList(
    /// Opens the new-ticket form.
    #[prop(into)]
    on_new: Callback<()>,
) -> impl IntoView {
    let store = use_store();
    let rows = store.rows;
    let title = move || {
        let filter = store.filter.get();
        store.with_workspace(|ws| filter.title(ws))
    };
    let summary = move || match rows.with(Vec::len) {
        1 => "1 ticket".to_owned(),
        n => format!("{n} tickets"),
    };
    view! {
        <section class="list-pane" aria-label="Tickets">
            <header class="list-head">
                <h1>{title}</h1>
                <span class="muted">{summary}</span>
                <button
                    class="btn primary small"
                    data-testid="btn-new-ticket"
                    on:click=move |_| on_new.run(())
                >
                    "New ticket"
                </button>
            </header>
            <ListTools />
            <div class="list" role="table" data-testid="ticket-list">
                <div class="row list-columns" role="row">
                    <span class="c-ref" role="columnheader">"Reference"</span>
                    <span class="c-title" role="columnheader">"Title"</span>
                    <span class="c-req" role="columnheader">"Requester"</span>
                    <span class="c-status" role="columnheader">"Status"</span>
                    <span class="c-prio" role="columnheader">"Priority"</span>
                    <span class="c-assignee" role="columnheader">"Assignee"</span>
                    <span class="c-sla" role="columnheader">"SLA"</span>
                    <span class="c-age" role="columnheader">"Age"</span>
                </div>
                <For
                    each=move || rows.get()
                    key=|row| (row.ticket.id, row.ticket.version, row.saving)
                    let:row
                >
                    <TicketRow row />
                </For>
                <Show when=move || rows.with(Vec::is_empty)>
                    <div class="list-empty">
                        {move || {
                            if store.loaded.get() {
                                "No tickets here."
                            } else {
                                "Loading tickets…"
                            }
                        }}
                    </div>
                </Show>
            </div>
        </section>
    }
}
