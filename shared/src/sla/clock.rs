//! The facts the SLA clocks run on, folded from a ticket's activity log as events arrive, so a
//! list of tickets can show its countdowns without loading any timeline.

use crate::event::{Event, EventKind, Visibility};
use crate::status::StatusCategory;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// From this instant on, the ticket's status was in this category.
///
/// Instants in the clock are Unix seconds: a list of 100,000 tickets is evaluated in a few
/// milliseconds, and converting calendar dates on every read would cost more than the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// When the category was entered (Unix seconds).
    pub at: i64,
    /// The category.
    pub category: StatusCategory,
}

/// A ticket's phases, the first few held inline: evaluating 100,000 tickets is bound by memory
/// reads, and a separate allocation per ticket would cost one more cache miss each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phases {
    /// Up to four phases, in place.
    Inline(u8, [Phase; 4]),
    /// More.
    Spilled(Vec<Phase>),
}

const NO_PHASE: Phase = Phase {
    at: 0,
    category: StatusCategory::New,
};

impl Phases {
    /// One phase.
    pub fn one(phase: Phase) -> Phases {
        Phases::Inline(1, [phase, NO_PHASE, NO_PHASE, NO_PHASE])
    }

    /// Appends a phase.
    pub fn push(&mut self, phase: Phase) {
        match self {
            Phases::Inline(n, buf) if (*n as usize) < buf.len() => {
                buf[*n as usize] = phase;
                *n += 1;
            }
            Phases::Inline(_, buf) => {
                let mut all = buf.to_vec();
                all.push(phase);
                *self = Phases::Spilled(all);
            }
            Phases::Spilled(v) => v.push(phase),
        }
    }

    /// The phases, oldest first.
    pub fn as_slice(&self) -> &[Phase] {
        match self {
            Phases::Inline(n, buf) => &buf[..*n as usize],
            Phases::Spilled(v) => v,
        }
    }
}

impl std::ops::Deref for Phases {
    type Target = [Phase];
    fn deref(&self) -> &[Phase] {
        self.as_slice()
    }
}

impl Serialize for Phases {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Phases {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let all = Vec::<Phase>::deserialize(d)?;
        let mut phases = Phases::Inline(0, [NO_PHASE; 4]);
        for p in all {
            phases.push(p);
        }
        Ok(phases)
    }
}

/// A customer message that was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// The oldest customer message the answer covered (Unix seconds).
    pub since: i64,
    /// The public agent reply (Unix seconds).
    pub at: i64,
}

/// What the SLA engine needs from a ticket's history.
///
/// Only public agent replies count as responses; internal notes and system events never do. On a
/// ticket an agent created, an agent's first public message (before the customer has written) is
/// the opening message, not a response: the first-response clock then starts with the customer's
/// first message and stops at the next public agent reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    /// Status category changes, oldest first; the first is the creation.
    pub phases: Phases,
    /// Created by staff rather than by the requester.
    pub staff_created: bool,
    /// The requester has written a public message.
    pub customer_wrote: bool,
    /// An agent has written a public message.
    pub staff_wrote: bool,
    /// When the first-response clock started; `None` while an agent-opened ticket waits for the
    /// customer.
    pub first_response_from: Option<i64>,
    /// The first public agent reply that counted as a response.
    pub first_response_at: Option<i64>,
    /// The oldest public customer message not yet answered (after the first response).
    pub awaiting_since: Option<i64>,
    /// The last answered customer message.
    pub last_answered: Option<Answered>,
}

impl SlaClock {
    /// The clock of a ticket created at `at` in a `New` status, by staff or by its requester.
    pub fn created(at: DateTime<Utc>, staff_created: bool) -> SlaClock {
        let at = at.timestamp();
        SlaClock {
            phases: Phases::one(Phase {
                at,
                category: StatusCategory::New,
            }),
            staff_created,
            customer_wrote: false,
            staff_wrote: false,
            first_response_from: Some(at),
            first_response_at: None,
            awaiting_since: None,
            last_answered: None,
        }
    }

    /// The category the ticket is in now.
    pub fn category(&self) -> StatusCategory {
        self.phases
            .last()
            .map_or(StatusCategory::New, |p| p.category)
    }

    /// When the ticket was created (Unix seconds).
    pub fn created_at(&self) -> Option<i64> {
        self.phases.first().map(|p| p.at)
    }

    /// Folds one event in.
    pub fn apply_event(&mut self, event: &Event) {
        let at = event.at.timestamp();
        match &event.kind {
            EventKind::StatusChanged { category, .. } if self.category() != *category => {
                self.phases.push(Phase {
                    at,
                    category: *category,
                });
            }
            EventKind::MessageAdded(m) if m.visibility == Visibility::Public => {
                if m.from_staff {
                    self.staff_replied(at);
                } else {
                    self.customer_wrote(at);
                }
            }
            _ => {}
        }
    }

    fn staff_replied(&mut self, at: i64) {
        if self.first_response_at.is_none() {
            if self.staff_created && !self.customer_wrote && !self.staff_wrote {
                // The opening message of a ticket an agent opened: nothing to respond to yet.
                self.first_response_from = None;
            } else if self.first_response_from.is_some() {
                self.first_response_at = Some(at);
            }
        } else if let Some(since) = self.awaiting_since.take() {
            self.last_answered = Some(Answered { since, at });
        }
        self.staff_wrote = true;
    }

    fn customer_wrote(&mut self, at: i64) {
        self.customer_wrote = true;
        if self.first_response_at.is_none() {
            self.first_response_from.get_or_insert(at);
        } else {
            self.awaiting_since.get_or_insert(at);
        }
    }
}
