//! One row of the ticket list.

use crate::components::status_pill::StatusPill;
use crate::contexts::use_store;
use crate::format;
use crate::store::Row;
use leptos::prelude::*;

/// Reference, title, requester, status, priority, assignee and age; opens the ticket on click.
#[component]
pub fn TicketRow(
    /// The ticket as projected, and whether it has unsaved changes.
    row: Row,
) -> impl IntoView {
    let store = use_store();
    let Row { ticket, saving } = row;
    let id = ticket.id;
    let assignee = store.with_workspace(|ws| ticket.assignee.map(|a| ws.agent_name(a).to_owned()));
    let requester = ticket
        .requester
        .as_ref()
        .map_or_else(String::new, |r| r.name.clone());
    let created = ticket.created_at;
    let open = move || store.open(Some(id));
    view! {
        <div
            class="row ticket-row"
            role="row"
            tabindex="0"
            data-testid="ticket-row"
            data-id=id.to_string()
            data-reference=ticket.reference.clone().unwrap_or_default()
            class:selected=move || store.selected.get() == Some(id)
            class:saving=saving
            on:click=move |_| open()
            on:keydown=move |ev| {
                if ev.key() == "Enter" {
                    open();
                }
            }
        >
            <span class="c-ref" class:pending-ref=ticket.reference.is_none()>
                {ticket.display_reference().to_owned()}
                {saving.then(|| view! { <span class="saving-marker">"saving…"</span> })}
            </span>
            <span class="c-title" title=ticket.title.clone()>
                {ticket.title.clone()}
            </span>
            <span class="c-req">{requester}</span>
            <span class="c-status">
                <StatusPill status=ticket.status.clone() />
            </span>
            <span class=format!("c-prio prio prio-{}", ticket.priority.name())>
                {ticket.priority.label()}
            </span>
            <span class="c-assignee" class:unassigned=assignee.is_none()>
                {assignee.clone().unwrap_or_else(|| "Unassigned".to_owned())}
            </span>
            <span class="c-age" title=format::exact(created)>
                {move || format::age(created, store.now.get())}
            </span>
        </div>
    }
}
