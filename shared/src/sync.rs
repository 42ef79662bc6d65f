//! The client's half of the sync protocol (DESIGN.md §6), without IO: the outbox of pending
//! mutations and what each server answer does to it.
//!
//! The browser app drives it with `fetch` and IndexedDB; the simulation test in the server crate
//! drives the same code against the real `Store`, with answers lost, duplicated and delayed. Keeping
//! every decision here is what lets that test speak for the app.
//!
//! The rules:
//! - mutation ids are per client, start at 1 and never skip, so the server can tell a duplicate
//!   (id at or below its `last_mutation_id`) from a gap (refused with `mutation_gap`);
//! - a mutation leaves the outbox when it is rejected (its optimistic effect disappears with it),
//!   or when it was acknowledged and a pull shows its effect has arrived; until then it stays, so
//!   the view never loses a change before its confirmed version is there. One the server
//!   processed without the answer reaching us is sent again, and the repeat is answered with the
//!   outcome recorded the first time;
//! - after a gap (the server lost or never had our numbering) the unsent mutations are numbered
//!   afresh under a new client id.

use crate::api::{Outcome, PushMutation, PushRequest, PushResponse};
use crate::{Mutation, Rejection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most mutations one push carries.
pub const PUSH_BATCH: usize = 100;

/// A mutation the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Per-client wire id.
    pub id: u64,
    /// When the user made the change; the optimistic replay decides it at this time.
    pub created_at: DateTime<Utc>,
    /// The change. Nested rather than flattened as on the wire, which keeps serde's buffering
    /// decoder out of the browser's download.
    pub mutation: Mutation,
    /// The server processed it; it stays until a pull brings its effect into confirmed state.
    #[serde(default)]
    pub acknowledged: bool,
}

impl Pending {
    /// The mutation as a push carries it.
    pub fn to_wire(&self) -> PushMutation {
        PushMutation {
            id: self.id,
            created_at: self.created_at,
            mutation: self.mutation.clone(),
        }
    }
}

/// A pending mutation the server refused, taken out of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    /// The mutation as it was queued.
    pub pending: Pending,
    /// The domain's reason, when the server decided the mutation (`None`: it refused the whole
    /// request, e.g. a body it could not read).
    pub rejection: Option<Rejection>,
    /// The sentence to show.
    pub message: String,
}

/// The mutations of one client (one browser profile and user) that the server has not confirmed,
/// in id order, and the numbering they follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    client_id: Uuid,
    next_id: u64,
    pending: Vec<Pending>,
}

impl Outbox {
    /// An empty outbox numbering from 1 under `client_id`.
    pub fn new(client_id: Uuid) -> Outbox {
        Outbox {
            client_id,
            next_id: 1,
            pending: Vec::new(),
        }
    }

    /// An outbox as stored: `next_id` is raised past every stored mutation, whatever was saved.
    pub fn restore(client_id: Uuid, next_id: u64, mut pending: Vec<Pending>) -> Outbox {
        pending.sort_by_key(|p| p.id);
        pending.dedup_by_key(|p| p.id);
        let next_id = pending
            .last()
            .map_or(next_id, |p| next_id.max(p.id + 1))
            .max(1);
        Outbox {
            client_id,
            next_id,
            pending,
        }
    }

    /// The id the server knows this client by.
    pub fn client_id(&self) -> Uuid {
        self.client_id
    }

    /// The id the next queued mutation gets.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Every mutation not yet confirmed by a pull, in id order.
    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    /// Whether some mutation waits to be sent.
    pub fn has_unsent(&self) -> bool {
        self.pending.iter().any(|p| !p.acknowledged)
    }

    /// Queues mutations, each with the time the user made it; returns the ids they got.
    pub fn enqueue(
        &mut self,
        mutations: impl IntoIterator<Item = (Mutation, DateTime<Utc>)>,
    ) -> Vec<u64> {
        let mut ids = Vec::new();
        for (mutation, now) in mutations {
            let id = self.next_id;
            self.next_id += 1;
            self.pending.push(Pending {
                id,
                created_at: now,
                mutation,
                acknowledged: false,
            });
            ids.push(id);
        }
        ids
    }

    /// The next push: up to `max` unsent mutations in id order, or `None` when nothing waits.
    pub fn request(&self, max: usize) -> Option<PushRequest> {
        let mutations: Vec<PushMutation> = self
            .pending
            .iter()
            .filter(|p| !p.acknowledged)
            .take(max)
            .map(Pending::to_wire)
            .collect();
        (!mutations.is_empty()).then_some(PushRequest {
            client_id: self.client_id,
            mutations,
        })
    }

    /// Takes in a push answer: rejected mutations leave (and are returned, to be shown), every
    /// mutation up to the server's `last_mutation_id` is marked acknowledged.
    ///
    /// An answer to a request made under an older client id (the outbox was renumbered while it
    /// was in flight) is about mutations that now carry other ids, and is ignored.
    pub fn record(&mut self, request: &PushRequest, response: &PushResponse) -> Vec<Refused> {
        if request.client_id != self.client_id {
            return Vec::new();
        }
        let mut refused = Vec::new();
        for result in &response.results {
            if let Outcome::Rejected { rejection, message } = &result.outcome
                && let Some(at) = self
                    .pending
                    .iter()
                    .position(|p| p.id == result.id && !p.acknowledged)
            {
                refused.push(Refused {
                    pending: self.pending.remove(at),
                    rejection: Some(rejection.clone()),
                    message: message.clone(),
                });
            }
        }
        for p in &mut self.pending {
            if p.id <= response.last_mutation_id {
                p.acknowledged = true;
            }
        }
        refused
    }

    /// The server refused a request as a whole (not one mutation in it): sending the same
    /// mutations again cannot succeed, so they leave the outbox and are returned.
    pub fn refuse(&mut self, request: &PushRequest, message: &str) -> Vec<Refused> {
        if request.client_id != self.client_id {
            return Vec::new();
        }
        let sent: Vec<u64> = request.mutations.iter().map(|m| m.id).collect();
        let (gone, kept) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| !p.acknowledged && sent.contains(&p.id));
        self.pending = kept;
        gone.into_iter()
            .map(|pending: Pending| Refused {
                pending,
                rejection: None,
                message: message.to_owned(),
            })
            .collect()
    }

    /// After a `mutation_gap`: the unsent mutations are numbered afresh, from 1, under
    /// `client_id` (a new one, so the server cannot mistake them for the old numbering).
    /// Acknowledged ones keep waiting for the pull that settles them under the old id.
    pub fn renumber(&mut self, client_id: Uuid) {
        // Acknowledged mutations belong to the old numbering, which later pulls (asked under the
        // new id) will never settle; their effect arrives with the pull anyway.
        self.pending.retain(|p| !p.acknowledged);
        self.client_id = client_id;
        self.next_id = 1;
        for p in &mut self.pending {
            p.id = self.next_id;
            self.next_id += 1;
        }
    }

    /// Takes in the `last_mutation_id` of a pull made under `client_id`: every acknowledged
    /// mutation the server has processed (and whose effect that pull carries) leaves. Returns
    /// whether any did. A pull made under an older client id speaks of another numbering and
    /// settles nothing.
    ///
    /// A processed mutation whose push answer never arrived stays and is sent again: the server
    /// answers a repeat with the outcome it recorded, so a rejection is still reported (and an
    /// application acknowledged) instead of the change vanishing without a word.
    pub fn settle(&mut self, client_id: Uuid, last_mutation_id: u64) -> bool {
        if client_id != self.client_id {
            return false;
        }
        let before = self.pending.len();
        self.pending
            .retain(|p| !(p.acknowledged && p.id <= last_mutation_id));
        // Never hand out an id the server has already seen.
        self.next_id = self.next_id.max(last_mutation_id + 1);
        self.pending.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::MutationResult;
    use crate::{Priority, Rejection};

    fn priority(n: u128) -> Mutation {
        Mutation::SetPriority {
            ticket_id: Uuid::from_u128(n),
            priority: Priority::High,
        }
    }

    fn outbox_of(n: u128) -> Outbox {
        let mut outbox = Outbox::new(Uuid::from_u128(1));
        outbox.enqueue((1..=n).map(|n| (priority(n), Utc::now())));
        outbox
    }

    fn answer(results: Vec<(u64, Outcome)>, last: u64) -> PushResponse {
        PushResponse {
            results: results
                .into_iter()
                .map(|(id, outcome)| MutationResult { id, outcome })
                .collect(),
            last_mutation_id: last,
        }
    }

    #[test]
    fn ids_run_from_one_without_gaps_and_batches_take_the_unsent_in_order() {
        let outbox = outbox_of(5);
        let request = outbox.request(3).expect("something to send");
        let ids: Vec<u64> = request.mutations.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(outbox.next_id(), 6);
        assert!(Outbox::new(Uuid::nil()).request(3).is_none());
    }

    #[test]
    fn a_rejection_leaves_the_outbox_and_applied_ones_wait_for_the_pull() {
        let mut outbox = outbox_of(3);
        let request = outbox.request(10).unwrap();
        let refused = outbox.record(
            &request,
            &answer(
                vec![
                    (1, Outcome::Applied { seq: 7 }),
                    (
                        2,
                        Outcome::Rejected {
                            rejection: Rejection::TicketNotFound,
                            message: "gone".into(),
                        },
                    ),
                    (3, Outcome::Duplicate),
                ],
                3,
            ),
        );
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].pending.id, 2);
        assert_eq!(refused[0].rejection, Some(Rejection::TicketNotFound));
        assert_eq!(outbox.pending().len(), 2);
        assert!(!outbox.has_unsent());
        assert!(outbox.request(10).is_none());
        // The pull that carries their effect settles them.
        assert!(outbox.settle(Uuid::from_u128(1), 3));
        assert!(outbox.pending().is_empty());
        // A processed mutation whose answer was lost is asked about again, not dropped.
        let mut lost = outbox_of(2);
        assert!(!lost.settle(Uuid::from_u128(1), 2));
        assert_eq!(lost.request(10).map(|r| r.mutations.len()), Some(2));
        assert!(!outbox.settle(Uuid::from_u128(1), 3));
    }

    #[test]
    fn an_answer_under_an_old_client_id_changes_nothing() {
        let mut outbox = outbox_of(2);
        let request = outbox.request(10).unwrap();
        outbox.renumber(Uuid::from_u128(2));
        let refused = outbox.record(&request, &answer(vec![], 2));
        assert!(refused.is_empty());
        assert!(outbox.has_unsent());
        assert!(outbox.refuse(&request, "no").is_empty());
        assert_eq!(outbox.pending().len(), 2);
    }

    #[test]
    fn renumbering_starts_from_one_under_the_new_id_and_drops_acknowledged_ones() {
        let mut outbox = outbox_of(4);
        let request = outbox.request(2).unwrap();
        outbox.record(&request, &answer(vec![], 2));
        outbox.renumber(Uuid::from_u128(9));
        let request = outbox.request(10).unwrap();
        assert_eq!(request.client_id, Uuid::from_u128(9));
        let ids: Vec<u64> = request.mutations.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(outbox.next_id(), 3);
        // The old mutations 3 and 4 are the new 1 and 2, in the same order.
        assert_eq!(request.mutations[0].mutation, priority(3));
    }

    #[test]
    fn a_refused_request_drops_exactly_what_it_carried() {
        let mut outbox = outbox_of(5);
        let request = outbox.request(2).unwrap();
        let refused = outbox.refuse(&request, "The body could not be read.");
        assert_eq!(refused.len(), 2);
        assert_eq!(refused[0].message, "The body could not be read.");
        let left: Vec<u64> = outbox.pending().iter().map(|p| p.id).collect();
        assert_eq!(left, [3, 4, 5]);
    }

    #[test]
    fn a_restored_outbox_never_reuses_an_id() {
        let stored = outbox_of(3);
        let restored = Outbox::restore(stored.client_id(), 1, stored.pending().to_vec());
        assert_eq!(restored.next_id(), 4);
        let mut settled = Outbox::restore(Uuid::nil(), 1, Vec::new());
        settled.settle(Uuid::nil(), 41);
        assert!(!settled.settle(Uuid::from_u128(5), 50));
        assert_eq!(settled.next_id(), 42);
    }
}
