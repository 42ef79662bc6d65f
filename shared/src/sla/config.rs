//! What team leaders configure: calendars and policies, their validation, and the presets' defaults.

use super::Metric;
use super::calendar::{Calendar, DayTime, WorkingPeriod, Zone};
use crate::status::StatusCategory;
use crate::ticket::{Channel, Priority, Ticket};
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The share of a target after which a running clock shows a warning, unless a policy says otherwise.
pub const DEFAULT_WARNING_PERCENT: u8 = 75;
/// Most policies a workspace may have.
pub const MAX_POLICIES: usize = 50;
/// Most calendars a workspace may have.
pub const MAX_CALENDARS: usize = 20;
/// Most holidays one calendar may list.
pub const MAX_HOLIDAYS: usize = 500;
/// Most working periods one calendar may list.
pub const MAX_PERIODS: usize = 70;
/// Longest target: one year.
pub const MAX_TARGET_MINUTES: u32 = 525_600;

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// The weekday `index` days after Monday (wrapping).
    pub fn from_index(index: u32) -> Weekday {
        Weekday::ALL[(index % 7) as usize]
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Weekday::Mon => "Mon",
            Weekday::Tue => "Tue",
            Weekday::Wed => "Wed",
            Weekday::Thu => "Thu",
            Weekday::Fri => "Fri",
            Weekday::Sat => "Sat",
            Weekday::Sun => "Sun",
        }
    }
}

/// How long a metric may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Minutes allowed.
    pub minutes: u32,
    /// Counted in the policy calendar's working time (true) or around the clock (false).
    pub business: bool,
}

/// Which tickets a policy covers: every listed kind of condition must match; within one kind, any
/// listed value does. An empty list matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Conditions {
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// Ticket types.
    pub ticket_types: Vec<String>,
    /// Teams.
    pub teams: Vec<Uuid>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Tags (the ticket carries at least one).
    pub tags: Vec<Uuid>,
}

impl Conditions {
    /// Whether `ticket` matches.
    pub fn matches(&self, ticket: &Ticket) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&ticket.priority))
            && (self.channels.is_empty() || self.channels.contains(&ticket.channel))
            && (self.teams.is_empty() || ticket.team.is_some_and(|t| self.teams.contains(&t)))
            && (self.tags.is_empty() || ticket.tags.iter().any(|t| self.tags.contains(t)))
            && (self.ticket_types.is_empty() || self.ticket_types.contains(&ticket.ticket_type))
    }
}

/// A service level: which tickets, how long each metric may take, and when to warn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable id.
    pub id: Uuid,
    /// What leaders read, e.g. "Urgent".
    pub name: String,
    /// Which tickets it covers.
    #[serde(default)]
    pub conditions: Conditions,
    /// The calendar business-time targets count in.
    #[serde(default)]
    pub calendar: Option<Uuid>,
    /// First response target.
    #[serde(default)]
    pub first_response: Option<Target>,
    /// Next response target.
    #[serde(default)]
    pub next_response: Option<Target>,
    /// Resolution target.
    #[serde(default)]
    pub resolution: Option<Target>,
    /// Percent of a target after which the clock warns (1–99).
    #[serde(default = "default_warning")]
    pub warning_percent: u8,
    /// Status categories that stop the clocks (solved and closed always do).
    #[serde(default = "default_pause")]
    pub pause_on: Vec<StatusCategory>,
}

fn default_warning() -> u8 {
    DEFAULT_WARNING_PERCENT
}

fn default_pause() -> Vec<StatusCategory> {
    vec![StatusCategory::Pending, StatusCategory::OnHold]
}

impl Policy {
    /// The target for `metric`, if the policy sets one.
    pub fn target(&self, metric: Metric) -> Option<Target> {
        match metric {
            Metric::FirstResponse => self.first_response,
            Metric::NextResponse => self.next_response,
            Metric::Resolution => self.resolution,
        }
    }
}

/// A workspace's service levels: policies in order (the first that matches a ticket applies) and
/// the calendars they count business time in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Business calendars.
    #[serde(default)]
    pub calendars: Vec<Calendar>,
    /// Policies, first match wins.
    #[serde(default)]
    pub policies: Vec<Policy>,
}

/// A configuration mistake, with the field it is in (`policies[1].warning_percent`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// Path of the offending field.
    pub field: String,
    /// A sentence saying what is wrong and what would be right.
    pub message: String,
}

fn err<T>(field: String, message: String) -> Result<T, ConfigError> {
    Err(ConfigError { field, message })
}

impl SlaConfig {
    /// The calendar with this id.
    pub fn calendar(&self, id: Uuid) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    /// The position of the first policy that matches `ticket` (first match wins).
    pub fn policy_index(&self, ticket: &Ticket) -> Option<usize> {
        self.policies
            .iter()
            .position(|p| p.conditions.matches(ticket))
    }

    /// Checks everything but the time zone names (the server checks those against the IANA
    /// database); the first mistake found names its field.
    pub fn validate(&self, workspace: &Workspace) -> Result<(), ConfigError> {
        if self.calendars.len() > MAX_CALENDARS {
            return err(
                "calendars".into(),
                format!("A workspace may have at most {MAX_CALENDARS} calendars."),
            );
        }
        if self.policies.len() > MAX_POLICIES {
            return err(
                "policies".into(),
                format!("A workspace may have at most {MAX_POLICIES} policies."),
            );
        }
        for (i, calendar) in self.calendars.iter().enumerate() {
            validate_calendar(&format!("calendars[{i}]"), calendar)?;
            if self.calendars[..i].iter().any(|c| c.id == calendar.id) {
                return err(
                    format!("calendars[{i}].id"),
                    "Two calendars have the same id.".into(),
                );
            }
        }
        for (i, policy) in self.policies.iter().enumerate() {
            let at = format!("policies[{i}]");
            if self.policies[..i].iter().any(|p| p.id == policy.id) {
                return err(format!("{at}.id"), "Two policies have the same id.".into());
            }
            self.validate_policy(&at, policy, workspace)?;
        }
        Ok(())
    }

    fn validate_policy(
        &self,
        at: &str,
        policy: &Policy,
        workspace: &Workspace,
    ) -> Result<(), ConfigError> {
        if policy.name.trim().is_empty() {
            return err(format!("{at}.name"), "Give the policy a name.".into());
        }
        if !(1..=99).contains(&policy.warning_percent) {
            return err(
                format!("{at}.warning_percent"),
                format!(
                    "The warning threshold must be between 1 and 99 percent of the target, not {}.",
                    policy.warning_percent
                ),
            );
        }
        let mut any = false;
        for metric in Metric::ALL {
            let Some(target) = policy.target(metric) else {
                continue;
            };
            any = true;
            let field = format!("{at}.{}", metric.name());
            if target.minutes == 0 || target.minutes > MAX_TARGET_MINUTES {
                return err(
                    format!("{field}.minutes"),
                    format!(
                        "The {} target must be between 1 minute and {MAX_TARGET_MINUTES} minutes (a year), not {}.",
                        metric.label().to_lowercase(),
                        target.minutes
                    ),
                );
            }
            if target.business && policy.calendar.is_none() {
                return err(
                    format!("{at}.calendar"),
                    format!(
                        "The {} target counts business time; choose the calendar it counts in.",
                        metric.label().to_lowercase()
                    ),
                );
            }
        }
        if !any {
            return err(
                format!("{at}.first_response"),
                "Set at least one target: first response, next response or resolution.".into(),
            );
        }
        if let Some(id) = policy.calendar
            && self.calendar(id).is_none()
        {
            return err(
                format!("{at}.calendar"),
                "The policy names a calendar that does not exist.".into(),
            );
        }
        if let Some(c) = policy.pause_on.iter().find(|c| c.is_completed()) {
            return err(
                format!("{at}.pause_on"),
                format!(
                    "{} always stops the clocks; pause on New, Open, Pending or On hold.",
                    c.label()
                ),
            );
        }
        let conditions = &policy.conditions;
        if let Some(t) = conditions
            .ticket_types
            .iter()
            .find(|t| !workspace.ticket_types.contains(t))
        {
            return err(
                format!("{at}.conditions.ticket_types"),
                format!("There is no ticket type {t:?} in this workspace."),
            );
        }
        if conditions
            .teams
            .iter()
            .any(|&t| workspace.team(t).is_none())
        {
            return err(
                format!("{at}.conditions.teams"),
                "A condition names a team that does not exist.".into(),
            );
        }
        if conditions.tags.iter().any(|&t| workspace.tag(t).is_none()) {
            return err(
                format!("{at}.conditions.tags"),
                "A condition names a tag that does not exist.".into(),
            );
        }
        Ok(())
    }
}

fn validate_calendar(at: &str, calendar: &Calendar) -> Result<(), ConfigError> {
    if calendar.name.trim().is_empty() {
        return err(format!("{at}.name"), "Give the calendar a name.".into());
    }
    if calendar.time_zone.trim().is_empty() {
        return err(
            format!("{at}.time_zone"),
            "Choose a time zone, e.g. Europe/Berlin.".into(),
        );
    }
    if calendar.hours.len() > MAX_PERIODS {
        return err(
            format!("{at}.hours"),
            format!("A calendar may have at most {MAX_PERIODS} working periods."),
        );
    }
    if calendar.holidays.len() > MAX_HOLIDAYS {
        return err(
            format!("{at}.holidays"),
            format!("A calendar may have at most {MAX_HOLIDAYS} holidays."),
        );
    }
    for (j, p) in calendar.hours.iter().enumerate() {
        if p.end <= p.start {
            return err(
                format!("{at}.hours[{j}]"),
                format!(
                    "The {} period ends at {} but starts at {}; the end must come after the start.",
                    p.day.label(),
                    p.end,
                    p.start
                ),
            );
        }
        if let Some(other) = calendar.hours[..j]
            .iter()
            .find(|o| o.day == p.day && o.start < p.end && p.start < o.end)
        {
            return err(
                format!("{at}.hours[{j}]"),
                format!(
                    "The {} period {}–{} overlaps {}–{}.",
                    p.day.label(),
                    p.start,
                    p.end,
                    other.start,
                    other.end
                ),
            );
        }
    }
    if calendar.hours.is_empty() {
        return err(
            format!("{at}.hours"),
            "The calendar has no working time; add at least one working period.".into(),
        );
    }
    Ok(())
}

/// Mon–Fri `start`–`end` in `time_zone`.
fn weekdays(id: Uuid, name: &str, time_zone: &str, start: DayTime, end: DayTime) -> Calendar {
    Calendar {
        id,
        name: name.to_owned(),
        time_zone: time_zone.to_owned(),
        hours: Weekday::ALL[..5]
            .iter()
            .map(|&day| WorkingPeriod { day, start, end })
            .collect(),
        holidays: Vec::new(),
        zone: Zone::default(),
    }
}

impl SlaConfig {
    /// Every preset starts with the same sensible service levels: a business-hours calendar and
    /// one policy per priority, warning at 75 % of each target. Urgent tickets count around the
    /// clock; the others count working hours.
    pub fn preset_default(time_zone: &str) -> SlaConfig {
        let calendar = weekdays(
            Uuid::from_u128(0x0051_aca1),
            "Business hours",
            time_zone,
            DayTime(9 * 60),
            DayTime(18 * 60),
        );
        let hours = |h: u32, business: bool| {
            Some(Target {
                minutes: h * 60,
                business,
            })
        };
        let policy = |n: u128, name: &str, priority, targets: [Option<Target>; 3]| Policy {
            id: Uuid::from_u128(0x051a_0000 + n),
            name: name.to_owned(),
            conditions: Conditions {
                priorities: vec![priority],
                ..Conditions::default()
            },
            calendar: Some(calendar.id),
            first_response: targets[0],
            next_response: targets[1],
            resolution: targets[2],
            warning_percent: DEFAULT_WARNING_PERCENT,
            pause_on: default_pause(),
        };
        SlaConfig {
            policies: vec![
                policy(
                    1,
                    "Urgent",
                    Priority::Urgent,
                    [hours(1, false), hours(2, false), hours(8, false)],
                ),
                policy(
                    2,
                    "High",
                    Priority::High,
                    [hours(2, true), hours(4, true), hours(16, true)],
                ),
                policy(
                    3,
                    "Medium",
                    Priority::Medium,
                    [hours(4, true), hours(8, true), hours(27, true)],
                ),
                policy(
                    4,
                    "Low",
                    Priority::Low,
                    [hours(8, true), hours(16, true), hours(45, true)],
                ),
            ],
            calendars: vec![calendar],
        }
    }
}
