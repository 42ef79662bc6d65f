//! One row of the ticket list.

use crate::components::sla_badge::SlaBadge;
use crate::components::status_pill::StatusPill;
use crate::contexts::use_store;
use crate::format;
use deskline_shared::Ticket;
use leptos::prelude::*;

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The ticket as projected.
    pub ticket: Ticket,
    /// It has changes the server has not confirmed.
    pub saving: bool,
}

/// A tick box for bulk actions, then reference, title, requester, status, priority, assignee, SLA
/// and age; opens the ticket on click.
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
    let reference = ticket.reference.clone();
    let display_reference = ticket.display_reference().to_owned();
    let title = ticket.title.clone();
    let title_tip = title.clone();
    let status = ticket.status.clone();
    let priority = ticket.priority;
    // The row owns the ticket from here on. Its SLA schedule is computed once (again only if the
    // service levels change), and each tick of the clock reads the countdown from it.
    let ticket = StoredValue::new(ticket);
    let schedule = Memo::new(move |_| {
        store
            .sla
            .with(|engine| ticket.with_value(|t| engine.schedule(t)))
    });
    let indicator = Memo::new(move |_| {
        let now = store.now.get();
        let schedule = schedule.get();
        store.sla.with_untracked(|engine| {
            ticket.with_value(|t| engine.indicator_scheduled(&schedule, t, now))
        })
    });
    let open = move || {
        store.cursor.set(Some(id));
        store.open(Some(id));
    };
    let marked = Memo::new(move |_| store.marked.with(|m| m.contains(&id)));
    view! {
        <div
            class="row ticket-row"
            role="row"
            tabindex="-1"
            data-testid="ticket-row"
            data-id=id.to_string()
            data-reference=reference.clone().unwrap_or_default()
            class:selected=move || store.selected.get() == Some(id)
            class:cursor=move || store.cursor.get() == Some(id)
            class:marked=marked
            class:saving=saving
            on:click=move |_| open()
        >
            <span class="c-mark" on:click=|ev| ev.stop_propagation()>
                <input
                    type="checkbox"
                    data-testid="row-mark"
                    aria-label="Select for a bulk action"
                    prop:checked=marked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        store.marked.update(|m| {
                            if on {
                                m.insert(id);
                            } else {
                                m.remove(&id);
                            }
                        });
                    }
                />
            </span>
            <span class="c-ref" class:pending-ref=reference.is_none()>
                {display_reference}
                {saving.then(|| view! { <span class="saving-marker">"saving…"</span> })}
            </span>
            <span class="c-title" title=title_tip>
                {title}
            </span>
            <span class="c-req">{requester}</span>
            <span class="c-status">
                <StatusPill status />
            </span>
            <span class=format!("c-prio prio prio-{}", priority.name())>{priority.label()}</span>
            <span class="c-assignee" class:unassigned=assignee.is_none()>
                {assignee.clone().unwrap_or_else(|| "Unassigned".to_owned())}
            </span>
            <span class="c-sla">
                <SlaBadge indicator />
            </span>
            <span class="c-age" title=format::exact(created)>
                {move || format::age(created, store.now.get())}
            </span>
        </div>
    }
}
