//! What the UI shows: confirmed tickets with the pending mutations replayed on top, and the queue
//! index over them.
//!
//! The replay goes through `deskline_shared::apply`, the same function the server runs, so the
//! optimistic view follows exactly the server's rules. A pending mutation that no longer applies
//! (someone else changed the ticket meanwhile) is skipped here; the server will reject it and the
//! rejection is shown then.
//!
//! Confirmed state is updated in place: a pull marks the tickets it brings. Each replay folds the
//! pending mutations (a handful, usually) into an overlay of the tickets they change, and the index
//! is told about exactly the tickets whose projected version changed; confirmed tickets are never
//! copied, which is what keeps 100,000 tickets interactive.

use super::Pending;
use deskline_shared::hash::{HashMap, HashSet};
use deskline_shared::index::QueueIndex;
use deskline_shared::sla::SlaEngine;
use deskline_shared::{Actor, Context, Event, Ticket, Workspace, apply};
use uuid::Uuid;

/// Above this many changed tickets the index is built afresh instead of updated one by one.
const REBUILD_AT: usize = 2_000;

/// Confirmed state plus the pending mutations, folded, and indexed for the queues.
#[derive(Debug, Clone)]
pub struct Projection {
    /// Tickets as the server last sent them; written only by pulls and ticket details.
    confirmed: HashMap<Uuid, Ticket>,
    /// Tickets that pending mutations change (or create), as the user should see them now.
    overlay: HashMap<Uuid, Ticket>,
    /// Events produced by pending mutations, per ticket, in the order they were made.
    pub pending_events: HashMap<Uuid, Vec<Event>>,
    /// Tickets with at least one mutation the server has not confirmed yet.
    pub saving: HashSet<Uuid>,
    /// Every projected ticket, indexed for filters, sorts and counts.
    pub index: QueueIndex,
    /// Tickets changed since the last replay, whose index entries are out of date.
    dirty: HashSet<Uuid>,
    /// Counts the changes to the index: a list read from it is current while this is the same.
    pub generation: u64,
}

impl Default for Projection {
    fn default() -> Self {
        Projection {
            confirmed: HashMap::default(),
            overlay: HashMap::default(),
            pending_events: HashMap::default(),
            saving: HashSet::default(),
            index: QueueIndex::new(),
            dirty: HashSet::default(),
            generation: 0,
        }
    }
}

/// What the projection needs to decide and index tickets.
pub struct Rules<'a> {
    /// The signed-in user, whose mutations are replayed.
    pub actor: &'a Actor,
    /// Statuses, teams, tags.
    pub workspace: &'a Workspace,
    /// The service levels, for the indexed SLA schedules.
    pub engine: &'a SlaEngine,
}

impl Projection {
    /// The ticket as the user should see it.
    pub fn get(&self, id: &Uuid) -> Option<&Ticket> {
        self.overlay.get(id).or_else(|| self.confirmed.get(id))
    }

    /// The ticket as the server last sent it.
    pub fn confirmed(&self, id: &Uuid) -> Option<&Ticket> {
        self.confirmed.get(id)
    }

    /// Whether some change waits for [`Projection::replay`].
    pub fn is_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Forgets every confirmed ticket (the server no longer knows our cookie).
    pub fn reset(&mut self) {
        self.dirty.extend(self.confirmed.keys().copied());
        self.confirmed.clear();
    }

    /// Takes in pulled tickets and removals.
    pub fn merge(&mut self, tickets: Vec<Ticket>, removed: &[Uuid]) {
        for ticket in tickets {
            self.dirty.insert(ticket.id);
            self.confirmed.insert(ticket.id, ticket);
        }
        for id in removed {
            if self.confirmed.remove(id).is_some() {
                self.dirty.insert(*id);
            }
        }
    }

    /// Takes `tickets` as the whole confirmed state (the local copy, read at start or again).
    pub fn replace(&mut self, tickets: HashMap<Uuid, Ticket>) {
        self.dirty.extend(self.confirmed.keys().copied());
        self.dirty.extend(tickets.keys().copied());
        self.confirmed = tickets;
    }

    /// Keeps the newer of the confirmed version and `ticket` (a ticket's detail read on open).
    /// Only a ticket we have is refreshed: one the pulls removed stays removed.
    pub fn refresh(&mut self, ticket: &Ticket) {
        if let Some(have) = self.confirmed.get_mut(&ticket.id)
            && have.version <= ticket.version
        {
            *have = ticket.clone();
            self.dirty.insert(ticket.id);
        }
    }

    /// Replays `pending` over confirmed state and brings the index up to date with every ticket
    /// that changed since the last replay. Returns whether anything the user sees changed.
    pub fn replay(&mut self, pending: &[Pending], rules: &Rules<'_>) -> bool {
        let mut overlay: HashMap<Uuid, Ticket> = HashMap::default();
        let mut pending_events: HashMap<Uuid, Vec<Event>> = HashMap::default();
        let mut saving = HashSet::default();
        for entry in pending {
            let id = entry.mutation.ticket_id();
            saving.insert(id);
            // Each mutation is decided at the time the user made it, so the replay is stable.
            let ctx = Context {
                actor: rules.actor,
                workspace: rules.workspace,
                now: entry.created_at,
            };
            let current = overlay.get(&id).or_else(|| self.confirmed.get(&id));
            let Ok(events) = apply(current, &entry.mutation, &ctx) else {
                continue;
            };
            let folded = match current.cloned() {
                Some(mut ticket) => {
                    for event in &events {
                        ticket.apply_event(event);
                    }
                    Some(ticket)
                }
                None => Ticket::replay(&events),
            };
            if let Some(ticket) = folded {
                overlay.insert(id, ticket);
            }
            pending_events.entry(id).or_default().extend(events);
        }
        // The projected ticket changed where the overlay gained, lost or changed an entry.
        for (id, ticket) in &overlay {
            if self.overlay.get(id) != Some(ticket) {
                self.dirty.insert(*id);
            }
        }
        for id in self.overlay.keys() {
            if !overlay.contains_key(id) {
                self.dirty.insert(*id);
            }
        }
        let changed = !self.dirty.is_empty()
            || self.saving != saving
            || self.pending_events != pending_events;
        self.overlay = overlay;
        self.pending_events = pending_events;
        self.saving = saving;
        if changed {
            self.generation += 1;
        }
        // Each upsert moves the ticket in the kept orders; past a few thousand changes (the
        // first load, a reset) sorting everything once is cheaper.
        if self.dirty.len() > REBUILD_AT.max(self.index.len() / 8) {
            self.dirty.clear();
            // A first load leaves the free text for after the first list (`index_text`); a
            // rebuild later keeps what the index had.
            self.index = if self.index.text_ready() && !self.index.is_empty() {
                QueueIndex::build(self.tickets(), rules.workspace, rules.engine)
            } else {
                QueueIndex::build_columns(self.tickets(), rules.workspace, rules.engine)
            };
            return changed;
        }
        for id in std::mem::take(&mut self.dirty) {
            match self.overlay.get(&id).or_else(|| self.confirmed.get(&id)) {
                Some(ticket) => self.index.upsert(ticket, rules.workspace, rules.engine),
                None => self.index.remove(id),
            }
        }
        changed
    }

    /// Indexes the tickets' free text if a load left it for later, all that is left of it.
    /// Returns whether it did.
    pub fn index_text(&mut self) -> bool {
        self.index_text_part(usize::MAX).is_some()
    }

    /// Indexes the free text of up to `slots` more tickets if a load left it for later: `None`
    /// when there was nothing to do, else whether the text is now complete.
    pub fn index_text_part(&mut self, slots: usize) -> Option<bool> {
        if self.index.text_ready() {
            return None;
        }
        let Projection {
            confirmed,
            overlay,
            index,
            ..
        } = self;
        let done =
            index.index_text_part(|id| overlay.get(&id).or_else(|| confirmed.get(&id)), slots);
        if done {
            // Lists with words may now be asked for.
            self.generation += 1;
        }
        Some(done)
    }

    /// Every confirmed ticket, in no particular order.
    pub fn confirmed_tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.confirmed.values()
    }

    /// Every projected ticket, in no particular order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.confirmed
            .iter()
            .filter(|(id, _)| !self.overlay.contains_key(id))
            .map(|(_, t)| t)
            .chain(self.overlay.values())
    }

    /// Recomputes every SLA schedule (the service levels changed).
    pub fn reschedule(&mut self, engine: &SlaEngine) {
        let mut index = std::mem::take(&mut self.index);
        index.reschedule(self.tickets(), engine);
        self.index = index;
        self.generation += 1;
    }
}
