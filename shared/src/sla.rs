//! Service levels: policies, business calendars and the clocks that say how long is left.
//!
//! Everything here is a pure function of the ticket (whose [`SlaClock`] is folded from its activity
//! log), the policy, the calendar and the time, so the browser shows the same countdown offline as
//! the server uses to send warnings.

mod calendar;
#[cfg(feature = "tz")]
pub mod cases;
mod clock;
mod config;
mod engine;
mod schedule;
#[cfg(feature = "tz")]
mod tz;

pub use calendar::{Calendar, DayTime, Holiday, WorkingPeriod, WorkingTime, Zone};
pub use clock::{Answered, Phase, Phases, SlaClock};
pub use config::{
    Conditions, ConfigError, DEFAULT_WARNING_PERCENT, Policy, SlaConfig, Target, Weekday,
};
pub use engine::{Indicator, MetricReport, SlaEngine, SlaFilter, SlaReport};
pub use schedule::Schedule;

use serde::{Deserialize, Serialize};

/// The three things a service level promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// From creation to the first public agent reply.
    FirstResponse,
    /// From the oldest unanswered public customer message to the next public agent reply.
    NextResponse,
    /// From creation to solved, not counting paused time.
    Resolution,
}

impl Metric {
    /// Every metric, in the order a ticket meets them.
    pub const ALL: [Metric; 3] = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::Resolution,
    ];

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Metric::FirstResponse => "First response",
            Metric::NextResponse => "Next response",
            Metric::Resolution => "Resolution",
        }
    }

    /// The snake-case name used in the API and queries.
    pub fn name(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::Resolution => "resolution",
        }
    }
}

/// Where one metric, or the whole ticket, stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Running, with less than the warning threshold used.
    OnTrack,
    /// Running, with at least the warning threshold used.
    Warning,
    /// The deadline has passed.
    Breached,
    /// The clock is stopped because of the ticket's status.
    Paused,
    /// Achieved in time.
    Met,
    /// Achieved after the deadline.
    MetLate,
}

impl SlaState {
    /// How bad an active state is, for picking the worst: breached, warning, on track, paused.
    pub fn severity(self) -> u8 {
        match self {
            SlaState::Breached => 4,
            SlaState::Warning => 3,
            SlaState::OnTrack => 2,
            SlaState::Paused => 1,
            SlaState::Met | SlaState::MetLate => 0,
        }
    }

    /// Whether the clock is still running or waiting (as opposed to achieved).
    pub fn is_active(self) -> bool {
        self.severity() > 0
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            SlaState::OnTrack => "On track",
            SlaState::Warning => "Warning",
            SlaState::Breached => "Breached",
            SlaState::Paused => "Paused",
            SlaState::Met => "Met",
            SlaState::MetLate => "Met late",
        }
    }

    /// The snake-case name used in the API and queries.
    pub fn name(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::Warning => "warning",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
            SlaState::MetLate => "met_late",
        }
    }
}

#[cfg(all(test, feature = "tz"))]
mod tests;
