//! What the UI shows: confirmed tickets with the pending mutations replayed on top.
//!
//! The replay goes through `deskline_shared::apply`, the same function the server runs, so the
//! optimistic view follows exactly the server's rules. A pending mutation that no longer applies
//! (someone else changed the ticket meanwhile) is skipped here; the server will reject it and the
//! rejection is shown then.

use super::Pending;
use deskline_shared::{Actor, Context, Event, Ticket, Workspace, apply};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Confirmed state plus the pending mutations, folded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    /// Every ticket as the user should see it now.
    pub tickets: HashMap<Uuid, Ticket>,
    /// Events produced by pending mutations, per ticket, in the order they were made.
    pub pending_events: HashMap<Uuid, Vec<Event>>,
    /// Tickets with at least one mutation the server has not confirmed yet.
    pub saving: HashSet<Uuid>,
}

/// Replays `pending` over `confirmed`.
pub fn project(
    confirmed: &HashMap<Uuid, Ticket>,
    pending: &[Pending],
    actor: &Actor,
    workspace: &Workspace,
) -> Projection {
    let mut tickets = confirmed.clone();
    let mut pending_events: HashMap<Uuid, Vec<Event>> = HashMap::new();
    let mut saving = HashSet::new();
    for entry in pending {
        let id = entry.mutation.ticket_id();
        saving.insert(id);
        // Each mutation is decided at the time the user made it, so the replay is stable.
        let ctx = Context {
            actor,
            workspace,
            now: entry.created_at,
        };
        let Ok(events) = apply(tickets.get(&id), &entry.mutation, &ctx) else {
            continue;
        };
        let folded = match tickets.remove(&id) {
            Some(mut ticket) => {
                for event in &events {
                    ticket.apply_event(event);
                }
                Some(ticket)
            }
            None => Ticket::replay(&events),
        };
        if let Some(ticket) = folded {
            tickets.insert(id, ticket);
        }
        pending_events.entry(id).or_default().extend(events);
    }
    Projection {
        tickets,
        pending_events,
        saving,
    }
}
