//! The facts the SLA clocks run on, folded from a ticket's activity log as events arrive, so a
//! list of tickets can show its countdowns without loading any timeline.

use crate::event::{Event, EventKind, Visibility};
use crate::status::StatusCategory;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// From this instant on, the ticket's status was in this category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// When the category was entered.
    pub at: DateTime<Utc>,
    /// The category.
    pub category: StatusCategory,
}

/// A customer message that was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// The oldest customer message the answer covered.
    pub since: DateTime<Utc>,
    /// The public agent reply.
    pub at: DateTime<Utc>,
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
    pub phases: Vec<Phase>,
    /// Created by staff rather than by the requester.
    pub staff_created: bool,
    /// The requester has written a public message.
    pub customer_wrote: bool,
    /// An agent has written a public message.
    pub staff_wrote: bool,
    /// When the first-response clock started; `None` while an agent-opened ticket waits for the
    /// customer.
    pub first_response_from: Option<DateTime<Utc>>,
    /// The first public agent reply that counted as a response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// The oldest public customer message not yet answered (after the first response).
    pub awaiting_since: Option<DateTime<Utc>>,
    /// The last answered customer message.
    pub last_answered: Option<Answered>,
}

impl SlaClock {
    /// The clock of a ticket created at `at` in a `New` status, by staff or by its requester.
    pub fn created(at: DateTime<Utc>, staff_created: bool) -> SlaClock {
        SlaClock {
            phases: vec![Phase {
                at,
                category: StatusCategory::New,
            }],
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

    /// When the ticket was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.phases.first().map(|p| p.at)
    }

    /// Folds one event in.
    pub fn apply_event(&mut self, event: &Event) {
        match &event.kind {
            EventKind::StatusChanged { category, .. } if self.category() != *category => {
                self.phases.push(Phase {
                    at: event.at,
                    category: *category,
                });
            }
            EventKind::MessageAdded(m) if m.visibility == Visibility::Public => {
                if m.from_staff {
                    self.staff_replied(event.at);
                } else {
                    self.customer_wrote(event.at);
                }
            }
            _ => {}
        }
    }

    fn staff_replied(&mut self, at: DateTime<Utc>) {
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

    fn customer_wrote(&mut self, at: DateTime<Utc>) {
        self.customer_wrote = true;
        if self.first_response_at.is_none() {
            self.first_response_from.get_or_insert(at);
        } else {
            self.awaiting_since.get_or_insert(at);
        }
    }
}
