//! A ticket's SLA indicator as a function of time, so a list of 100,000 tickets is evaluated at
//! every tick of the clock with a few comparisons per ticket instead of a walk through its
//! timeline.
//!
//! Once the last thing the clocks depend on has happened (a status change, a message), each metric
//! of the ticket is either achieved, paused with a fixed amount left, or running towards fixed
//! warning and deadline instants. So the indicator at any later `now` follows from five numbers,
//! computed once per ticket change by [`SlaEngine::schedule`](super::SlaEngine::schedule) with the
//! same engine, and equal to [`SlaEngine::indicator`](super::SlaEngine::indicator) at every such
//! `now` (a property test holds them to it). Before that instant (a clock set back, a ticket dated
//! in the future) the schedule declines and the caller evaluates the ticket itself.

use super::SlaState;
use super::engine::Indicator;
use chrono::{DateTime, Utc};

/// When nothing is due.
const NEVER: i64 = i64::MAX;

/// See the module documentation. 48 bytes, copied into a plain array alongside the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Valid for `now >= from` (Unix seconds).
    pub(super) from: i64,
    /// The earliest instant a running metric reaches its warning threshold.
    pub(super) warn: i64,
    /// The nearest deadline among active metrics (running, or breached before pausing).
    pub(super) deadline: i64,
    /// The resolution deadline: from then on the ticket is overdue.
    pub(super) overdue: i64,
    /// With no deadline: the counted seconds left before the nearest target (fixed while paused).
    pub(super) left: i64,
    /// Some metric is running.
    pub(super) running: bool,
    /// Some metric is active at all; without one the ticket has no indicator.
    pub(super) active: bool,
    /// `deadline` as a date, so evaluating converts nothing.
    pub(super) deadline_at: Option<DateTime<Utc>>,
}

impl Schedule {
    /// A schedule that never answers, for a ticket whose schedule is not at hand: the engine then
    /// evaluates the ticket itself.
    pub const UNKNOWN: Schedule = Schedule {
        from: NEVER,
        warn: NEVER,
        deadline: NEVER,
        overdue: NEVER,
        left: 0,
        running: false,
        active: false,
        deadline_at: None,
    };

    /// A ticket no policy covers, or one that owes nothing from `from` on.
    pub(super) fn none(from: i64) -> Schedule {
        Schedule {
            from,
            warn: NEVER,
            deadline: NEVER,
            overdue: NEVER,
            left: 0,
            running: false,
            active: false,
            deadline_at: None,
        }
    }

    /// The "next SLA deadline" sort key ([`Indicator::sort_key`]), the same at every time the
    /// schedule answers for.
    pub fn sort_key(&self) -> (u8, i64) {
        if !self.active {
            (2, 0)
        } else if self.deadline != NEVER {
            (0, self.deadline)
        } else {
            (1, self.left)
        }
    }

    /// The indicator at `now`, or, before the schedule holds (events dated after `now`), as it
    /// stands from its last event on.
    #[inline]
    pub fn at_or_after(&self, now: i64) -> Option<Indicator> {
        self.at(now.max(self.from)).flatten()
    }

    /// From when the schedule answers (Unix seconds).
    pub fn valid_from(&self) -> i64 {
        self.from
    }

    /// The indicator at `now` (Unix seconds), as
    /// [`SlaEngine::indicator`](super::SlaEngine::indicator) gives it; `None` before
    /// [`Self::valid_from`], when only the engine with the ticket can say.
    #[inline]
    pub fn at(&self, now: i64) -> Option<Option<Indicator>> {
        if now < self.from {
            return None;
        }
        if !self.active {
            return Some(None);
        }
        let state = if now >= self.deadline {
            SlaState::Breached
        } else if now >= self.warn {
            SlaState::Warning
        } else if self.running {
            SlaState::OnTrack
        } else {
            SlaState::Paused
        };
        Some(Some(Indicator {
            state,
            deadline: self.deadline_at,
            remaining_secs: if self.deadline == NEVER {
                self.left
            } else {
                self.deadline - now
            },
            overdue: now >= self.overdue,
        }))
    }
}
