//! The clocks themselves: per metric, how much counted time has passed, when the deadline falls,
//! and what state that makes.

use super::calendar::WorkingTime;
use super::clock::{Phase, SlaClock};
use super::config::{Policy, SlaConfig, Target};
use super::schedule::Schedule;
use super::{Metric, SlaState};
use crate::status::StatusCategory;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Calendars are compiled for this many days either side of the engine's reference time.
const WINDOW_DAYS: i64 = 400;

/// One metric of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricReport {
    /// Which metric.
    pub metric: Metric,
    /// The policy's target.
    pub target: Target,
    /// When this metric's clock started (for next response: the oldest unanswered message).
    pub started_at: DateTime<Utc>,
    /// When the target is reached if the clock keeps running; `None` while paused or achieved.
    pub deadline: Option<DateTime<Utc>>,
    /// When it was achieved, if it was.
    pub achieved_at: Option<DateTime<Utc>>,
    /// Where it stands.
    pub state: SlaState,
    /// Counted seconds so far (business or calendar, pauses excluded).
    pub elapsed_secs: i64,
}

/// A ticket's whole service-level picture, for the ticket view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaReport {
    /// The policy that applies.
    pub policy: Uuid,
    /// Its name.
    pub policy_name: String,
    /// Metrics the policy sets targets for and that apply to this ticket now.
    pub metrics: Vec<MetricReport>,
    /// The summary shown in lists, if any metric is active.
    pub indicator: Option<Indicator>,
}

/// What a list row shows: the worst active state and the time to the next deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// The worst active state (breached, warning, on track, paused).
    pub state: SlaState,
    /// The next deadline among running metrics; `None` when every active clock is paused.
    pub deadline: Option<DateTime<Utc>>,
    /// Calendar seconds to `deadline` (negative once breached); while paused, the counted
    /// seconds left before the nearest target.
    pub remaining_secs: i64,
    /// The resolution target has been missed: the ticket is overdue.
    pub overdue: bool,
}

/// The SLA filters of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaFilter {
    /// Running with time to spare.
    OnTrack,
    /// Past the warning threshold.
    Warning,
    /// A target missed.
    Breached,
    /// Clocks stopped by the status.
    Paused,
    /// The resolution target missed.
    Overdue,
}

impl SlaFilter {
    /// Every filter, in the order the UI offers them.
    pub const ALL: [SlaFilter; 5] = [
        SlaFilter::OnTrack,
        SlaFilter::Warning,
        SlaFilter::Breached,
        SlaFilter::Paused,
        SlaFilter::Overdue,
    ];

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            SlaFilter::OnTrack => "On track",
            SlaFilter::Warning => "Warning",
            SlaFilter::Breached => "Breached",
            SlaFilter::Paused => "Paused",
            SlaFilter::Overdue => "Overdue",
        }
    }

    /// The snake-case name used in queries.
    pub fn name(self) -> &'static str {
        match self {
            SlaFilter::OnTrack => "on_track",
            SlaFilter::Warning => "warning",
            SlaFilter::Breached => "breached",
            SlaFilter::Paused => "paused",
            SlaFilter::Overdue => "overdue",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<SlaFilter> {
        SlaFilter::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether a ticket with this indicator passes.
    pub fn matches(self, indicator: Option<&Indicator>) -> bool {
        let Some(i) = indicator else { return false };
        match self {
            SlaFilter::OnTrack => i.state == SlaState::OnTrack,
            SlaFilter::Warning => i.state == SlaState::Warning,
            SlaFilter::Breached => i.state == SlaState::Breached,
            SlaFilter::Paused => i.state == SlaState::Paused,
            SlaFilter::Overdue => i.overdue,
        }
    }
}

impl Indicator {
    /// Sort key for "next SLA deadline": running clocks by deadline (breached first), then paused
    /// ones by what is left, then tickets without a clock.
    pub fn sort_key(indicator: Option<&Indicator>) -> (u8, i64) {
        match indicator {
            Some(Indicator {
                deadline: Some(d), ..
            }) => (0, d.timestamp()),
            Some(i) => (1, i.remaining_secs),
            None => (2, 0),
        }
    }
}

/// Counts time around the clock, or in a calendar's working hours.
#[derive(Clone, Copy)]
enum Counter<'a> {
    Calendar,
    Business(&'a WorkingTime),
}

impl Counter<'_> {
    fn worked(self, a: i64, b: i64) -> i64 {
        match self {
            Counter::Calendar => (b - a).max(0),
            Counter::Business(w) => w.worked(a, b),
        }
    }

    fn add(self, a: i64, secs: i64) -> Option<i64> {
        match self {
            Counter::Calendar => a.checked_add(secs),
            Counter::Business(w) => w.add(a, secs),
        }
    }

    /// Where `t` lies on the counted axis, if it can say cheaply (inside a compiled window).
    fn position(self, t: i64) -> Option<i64> {
        match self {
            Counter::Calendar => Some(t),
            Counter::Business(w) => w.position(t),
        }
    }

    /// The earliest instant at counted position `p`, if it can say cheaply.
    fn at_position(self, p: i64) -> Option<i64> {
        match self {
            Counter::Calendar => Some(p),
            Counter::Business(w) => w.at_position(p),
        }
    }

    /// Counted seconds in `[a, b)` given `a`'s position.
    fn span(self, a: i64, pa: Option<i64>, b: i64) -> i64 {
        match (pa, self.position(b)) {
            (Some(pa), Some(pb)) => (pb - pa).max(0),
            _ => self.worked(a, b),
        }
    }

    /// The instant `secs` (> 0) counted seconds after `a`, given `a`'s position.
    fn after(self, a: i64, pa: Option<i64>, secs: i64) -> Option<i64> {
        pa.and_then(|pa| pa.checked_add(secs))
            .and_then(|p| self.at_position(p))
            .or_else(|| self.add(a, secs))
    }
}

/// A metric in Unix seconds, before conversion for the report.
struct Raw {
    metric: Metric,
    target: Target,
    started_at: i64,
    deadline: Option<i64>,
    achieved_at: Option<i64>,
    state: SlaState,
    elapsed_secs: i64,
}

impl Raw {
    fn report(&self) -> MetricReport {
        MetricReport {
            metric: self.metric,
            target: self.target,
            started_at: instant(self.started_at),
            deadline: self.deadline.map(instant),
            achieved_at: self.achieved_at.map(instant),
            state: self.state,
            elapsed_secs: self.elapsed_secs,
        }
    }
}

struct Measure {
    elapsed: i64,
    deadline: Option<i64>,
}

/// A policy ready to evaluate: its calendar compiled and its stop categories as a bit mask.
struct Compiled {
    working: Option<usize>,
    stop_mask: u8,
}

fn bit(category: StatusCategory) -> u8 {
    1 << (category as u8)
}

/// The SLA engine for one workspace configuration: compiles the calendars once, then evaluates any
/// number of tickets at any time. Results never depend on which times were evaluated before.
pub struct SlaEngine {
    config: SlaConfig,
    working: Vec<WorkingTime>,
    compiled: Vec<Compiled>,
}

fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn instant(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl SlaEngine {
    /// Compiles `config`, with calendars precomputed around `reference` (usually now).
    pub fn new(config: &SlaConfig, reference: DateTime<Utc>) -> SlaEngine {
        let r = secs(reference);
        let window = WINDOW_DAYS * 86_400;
        let working: Vec<WorkingTime> = config
            .calendars
            .iter()
            .map(|c| WorkingTime::new(c, r - window, r + window))
            .collect();
        let compiled = config
            .policies
            .iter()
            .map(|p| Compiled {
                working: p
                    .calendar
                    .and_then(|id| config.calendars.iter().position(|c| c.id == id)),
                stop_mask: p.pause_on.iter().fold(
                    bit(StatusCategory::Solved) | bit(StatusCategory::Closed),
                    |m, &c| m | bit(c),
                ),
            })
            .collect();
        SlaEngine {
            config: config.clone(),
            working,
            compiled,
        }
    }

    /// The configuration this engine evaluates.
    pub fn config(&self) -> &SlaConfig {
        &self.config
    }

    fn policy_index(&self, ticket: &Ticket) -> Option<usize> {
        self.config.policy_index(ticket)
    }

    /// Every metric of `ticket` at `now`; `None` when no policy covers it.
    pub fn report(&self, ticket: &Ticket, now: DateTime<Utc>) -> Option<SlaReport> {
        let index = self.policy_index(ticket)?;
        let policy = &self.config.policies[index];
        let phases = ticket.sla.phases.as_slice();
        let raw: Vec<Raw> = Metric::ALL
            .into_iter()
            .filter_map(|m| self.metric(index, &ticket.sla, phases, m, secs(now), false))
            .collect();
        let indicator = summarize(
            raw.iter().map(|m| {
                (
                    m.metric,
                    m.state,
                    m.deadline,
                    i64::from(m.target.minutes) * 60 - m.elapsed_secs,
                )
            }),
            secs(now),
        );
        Some(SlaReport {
            policy: policy.id,
            policy_name: policy.name.clone(),
            metrics: raw.iter().map(Raw::report).collect(),
            indicator,
        })
    }

    /// The list summary of `ticket` at `now`: the worst active state and the next deadline.
    /// `None` when no policy covers it or nothing is owed.
    pub fn indicator(&self, ticket: &Ticket, now: DateTime<Utc>) -> Option<Indicator> {
        let index = self.policy_index(ticket)?;
        self.indicator_with(index, ticket, secs(now))
    }

    /// The ticket's indicator as a function of time, for lists that show it at every tick: see
    /// [`Schedule`]. Computed once per change of the ticket (or of the configuration).
    pub fn schedule(&self, ticket: &Ticket) -> Schedule {
        let clock = &ticket.sla;
        let phases = clock.phases.as_slice();
        let Some(index) = self.policy_index(ticket) else {
            return Schedule::none(i64::MIN);
        };
        // The last instant the clocks depend on; the schedule holds from then on.
        let from = [
            phases.last().map(|p| p.at),
            clock.first_response_from,
            clock.first_response_at,
            clock.awaiting_since,
            clock.last_answered.map(|a| a.at),
        ]
        .into_iter()
        .flatten()
        .fold(i64::MIN, i64::max);
        let policy = &self.config.policies[index];
        let c = &self.compiled[index];
        let running = c.stop_mask & bit(category_at(phases, from)) == 0;
        let mut s = Schedule::none(from);
        let mut left = i64::MAX;
        for metric in Metric::ALL {
            let Some(m) = self.metric(index, clock, phases, metric, from, true) else {
                continue;
            };
            s.active = true;
            left = left.min(i64::from(m.target.minutes) * 60 - m.elapsed_secs);
            if let Some(d) = m.deadline {
                s.deadline = s.deadline.min(d);
                if metric == Metric::Resolution {
                    s.overdue = d;
                }
            }
            if running {
                s.running = true;
                let warn = warning_secs(policy, m.target);
                let counter = self.counter(index, m.target);
                let at = measure(counter, phases, c.stop_mask, m.started_at, from, warn).deadline;
                s.warn = s.warn.min(at.unwrap_or(i64::MAX));
            }
        }
        s.left = if left == i64::MAX { 0 } else { left };
        s.deadline_at = (s.deadline != i64::MAX).then(|| instant(s.deadline));
        s
    }

    /// The indicator of `ticket` at `now` from its schedule, asking the ticket only when the
    /// schedule cannot answer (see [`Schedule::at`]). Equal to [`Self::indicator`].
    #[inline]
    pub fn indicator_scheduled(
        &self,
        schedule: &Schedule,
        ticket: &Ticket,
        now: DateTime<Utc>,
    ) -> Option<Indicator> {
        match schedule.at(secs(now)) {
            Some(indicator) => indicator,
            None => self.indicator(ticket, now),
        }
    }

    /// The indicators of many tickets at `now`, in order, from their schedules: what a list does
    /// at every tick of the clock.
    pub fn indicators<'a>(
        &self,
        tickets: impl IntoIterator<Item = (&'a Schedule, &'a Ticket)>,
        now: DateTime<Utc>,
        out: &mut Vec<Option<Indicator>>,
    ) {
        let now_s = secs(now);
        out.extend(tickets.into_iter().map(|(schedule, ticket)| {
            schedule
                .at(now_s)
                .unwrap_or_else(|| self.indicator(ticket, now))
        }));
    }

    fn indicator_with(&self, index: usize, ticket: &Ticket, now: i64) -> Option<Indicator> {
        let phases = ticket.sla.phases.as_slice();
        let mut active = [(Metric::Resolution, SlaState::Met, None, 0); 3];
        for (slot, metric) in active.iter_mut().zip(Metric::ALL) {
            if let Some(m) = self.metric(index, &ticket.sla, phases, metric, now, true) {
                *slot = (
                    metric,
                    m.state,
                    m.deadline,
                    i64::from(m.target.minutes) * 60 - m.elapsed_secs,
                );
            }
        }
        summarize(active.into_iter(), now)
    }

    /// The next instant after `now` at which a running metric of `ticket` enters Warning or
    /// Breached, so a scheduler knows when to look again. `None` when nothing is running.
    pub fn next_change(&self, ticket: &Ticket, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let index = self.policy_index(ticket)?;
        let policy = &self.config.policies[index];
        let now_s = secs(now);
        let phases = ticket.sla.phases.as_slice();
        let mut next: Option<i64> = None;
        for metric in Metric::ALL {
            let Some(m) = self.metric(index, &ticket.sla, phases, metric, now_s, true) else {
                continue;
            };
            let at = match m.state {
                SlaState::OnTrack => {
                    let warn = warning_secs(policy, m.target);
                    let counter = self.counter(index, m.target);
                    let c = &self.compiled[index];
                    measure(counter, phases, c.stop_mask, m.started_at, now_s, warn).deadline
                }
                SlaState::Warning => m.deadline,
                _ => None,
            };
            if let Some(at) = at.filter(|&at| at > now_s) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        next.map(instant)
    }

    fn counter(&self, index: usize, target: Target) -> Counter<'_> {
        match (target.business, self.compiled[index].working) {
            (true, Some(w)) => Counter::Business(&self.working[w]),
            _ => Counter::Calendar,
        }
    }

    /// One metric; `None` when the policy sets no target for it or it does not apply. With
    /// `active_only`, achieved metrics are skipped as well.
    fn metric(
        &self,
        index: usize,
        clock: &SlaClock,
        phases: &[Phase],
        metric: Metric,
        now: i64,
        active_only: bool,
    ) -> Option<Raw> {
        let policy = &self.config.policies[index];
        let target = policy.target(metric)?;
        let current = category_at(phases, now);
        let completed = current.is_completed();
        let (start, achieved) = match metric {
            Metric::FirstResponse => (clock.first_response_from?, clock.first_response_at),
            Metric::NextResponse => match (clock.awaiting_since, clock.last_answered) {
                (Some(since), _) => (since, None),
                (None, Some(a)) => (a.since, Some(a.at)),
                (None, None) => return None,
            },
            Metric::Resolution => {
                let created = clock.created_at()?;
                let solved = completed.then(|| last_phase_at(phases, now)).flatten();
                (created, solved)
            }
        };
        // A response nobody gave before the ticket was completed is no longer owed.
        if completed && achieved.is_none_or(|a| a > now) {
            return None;
        }
        if active_only && achieved.is_some_and(|a| a <= now) {
            return None;
        }
        let c = &self.compiled[index];
        let counter = self.counter(index, target);
        let target_secs = i64::from(target.minutes) * 60;
        let start_s = start;
        let (state, deadline, elapsed, achieved_at) = match achieved.filter(|&a| a <= now) {
            Some(at) => {
                let m = measure(counter, phases, c.stop_mask, start_s, at, 0);
                let state = if m.elapsed <= target_secs {
                    SlaState::Met
                } else {
                    SlaState::MetLate
                };
                (state, None, m.elapsed, Some(at))
            }
            None => {
                let m = measure(counter, phases, c.stop_mask, start_s, now, target_secs);
                let stopped = c.stop_mask & bit(current) != 0;
                let state = if m.elapsed >= target_secs {
                    SlaState::Breached
                } else if stopped || now < start_s {
                    SlaState::Paused
                } else if m.elapsed >= warning_secs(policy, target) {
                    SlaState::Warning
                } else {
                    SlaState::OnTrack
                };
                let deadline = if stopped && state != SlaState::Breached {
                    None
                } else {
                    m.deadline
                };
                (state, deadline, m.elapsed, None)
            }
        };
        Some(Raw {
            metric,
            target,
            started_at: start,
            deadline,
            achieved_at,
            state,
            elapsed_secs: elapsed,
        })
    }
}

fn warning_secs(policy: &Policy, target: Target) -> i64 {
    i64::from(target.minutes) * 60 * i64::from(policy.warning_percent) / 100
}

/// The worst active state, the nearest deadline and what is left.
fn summarize(
    metrics: impl Iterator<Item = (Metric, SlaState, Option<i64>, i64)>,
    now: i64,
) -> Option<Indicator> {
    let mut overdue = false;
    let mut worst = SlaState::Met;
    let mut deadline: Option<i64> = None;
    let mut left: Option<i64> = None;
    for (metric, state, d, remaining) in metrics {
        if !state.is_active() {
            continue;
        }
        overdue |= metric == Metric::Resolution && state == SlaState::Breached;
        if state.severity() > worst.severity() {
            worst = state;
        }
        if let Some(d) = d {
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
        left = Some(left.map_or(remaining, |x| x.min(remaining)));
    }
    if !worst.is_active() {
        return None;
    }
    Some(Indicator {
        state: worst,
        deadline: deadline.map(instant),
        remaining_secs: deadline.map_or(left.unwrap_or(0), |d| d - now),
        overdue,
    })
}

/// The category the ticket was in at `t` (its first category before creation).
fn category_at(phases: &[Phase], t: i64) -> StatusCategory {
    if let Some(last) = phases.last().filter(|p| p.at <= t) {
        return last.category;
    }
    let i = phases.partition_point(|p| p.at <= t);
    phases
        .get(i.saturating_sub(1))
        .map_or(StatusCategory::New, |p| p.category)
}

/// When the phase in force at `t` began.
fn last_phase_at(phases: &[Phase], t: i64) -> Option<i64> {
    let i = phases.partition_point(|p| p.at <= t);
    phases.get(i.checked_sub(1)?).map(|p| p.at)
}

/// Counted time from `start` until `until`, and the instant `target` counted seconds are reached
/// if the status stays as it is after the last phase.
fn measure(
    counter: Counter<'_>,
    phases: &[Phase],
    stop_mask: u8,
    start: i64,
    until: i64,
    target: i64,
) -> Measure {
    let mut elapsed = 0;
    let mut left = target;
    let mut deadline = if target <= 0 { Some(start) } else { None };
    for (i, &Phase { at, category }) in phases.iter().enumerate() {
        let end = phases.get(i + 1).map_or(i64::MAX, |p| p.at);
        let from = at.max(start);
        if end <= from || stop_mask & bit(category) != 0 {
            continue;
        }
        // Each boundary is located on the counted axis once; spans are differences.
        let p_from = counter.position(from);
        if until > from {
            elapsed += counter.span(from, p_from, end.min(until));
        }
        if deadline.is_none() {
            if end == i64::MAX {
                deadline = counter.after(from, p_from, left);
            } else {
                let w = counter.span(from, p_from, end);
                if w >= left {
                    deadline = counter.after(from, p_from, left);
                } else {
                    left -= w;
                }
            }
        }
    }
    Measure { elapsed, deadline }
}
