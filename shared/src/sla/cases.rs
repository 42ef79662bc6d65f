//! The documented SLA behaviours as a table, run natively by the unit tests and in headless
//! Chromium by the wasm tests, so both targets must reach the same answers.

use super::calendar::{Calendar, DayTime, Holiday, WorkingPeriod, Zone};
use super::config::{Conditions, Policy, SlaConfig, Target, Weekday};
use super::{Metric, SlaEngine, SlaState};
use crate::event::Visibility;
use crate::fixtures::{self, ANA};
use crate::mutation::{Actor, Context, Mutation, apply};
use crate::preset::Preset;
use crate::status::StatusCategory;
use crate::ticket::Ticket;
use crate::workspace::Workspace;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

/// One documented behaviour: a ticket's story, and what one metric must say at `now`.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it shows.
    pub name: &'static str,
    /// Calendars and the one policy.
    pub config: SlaConfig,
    /// The ticket after its story.
    pub ticket: Ticket,
    /// When it is evaluated.
    pub now: DateTime<Utc>,
    /// The metric checked.
    pub metric: Metric,
    /// The expected state.
    pub state: SlaState,
    /// The expected deadline.
    pub deadline: Option<DateTime<Utc>>,
}

impl Case {
    /// Evaluates the case; `Err` says what differed.
    pub fn check(&self) -> Result<(), String> {
        let engine = SlaEngine::new(&self.config, self.now);
        let report = engine
            .report(&self.ticket, self.now)
            .ok_or_else(|| format!("{}: no policy applied", self.name))?;
        let m = report
            .metrics
            .iter()
            .find(|m| m.metric == self.metric)
            .ok_or_else(|| format!("{}: no {:?} metric in {report:?}", self.name, self.metric))?;
        if m.state != self.state || m.deadline != self.deadline {
            return Err(format!(
                "{}: expected {:?} due {:?}, got {:?} due {:?}",
                self.name, self.state, self.deadline, m.state, m.deadline
            ));
        }
        Ok(())
    }
}

const CAL: Uuid = Uuid::from_u128(0xCA1);

/// A calendar in `tz` with `periods` as `(days, "HH:MM", "HH:MM")`.
pub fn calendar(tz: &str, periods: &[(&[Weekday], &str, &str)], holidays: &[Holiday]) -> Calendar {
    let time = |s: &str| DayTime::parse(s).expect("case time");
    Calendar {
        id: CAL,
        name: format!("{tz} hours"),
        time_zone: tz.to_owned(),
        hours: periods
            .iter()
            .flat_map(|&(days, start, end)| {
                days.iter().map(move |&day| WorkingPeriod {
                    day,
                    start: time(start),
                    end: time(end),
                })
            })
            .collect(),
        holidays: holidays.to_vec(),
        zone: Zone::from_iana(tz).expect("case zone"),
    }
}

/// Monday to Friday.
pub const WEEKDAYS: &[Weekday] = &[
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// Every day of the week.
pub const EVERY_DAY: &[Weekday] = &Weekday::ALL;

/// A one-policy configuration over `calendar` with `minutes` for `metric` (business time unless
/// `calendar_time`).
pub fn config(calendar: Calendar, metric: Metric, minutes: u32, calendar_time: bool) -> SlaConfig {
    let target = Some(Target {
        minutes,
        business: !calendar_time,
    });
    let mut policy = Policy {
        id: Uuid::from_u128(0x9011),
        name: "Case".into(),
        conditions: Conditions::default(),
        calendar: Some(calendar.id),
        first_response: None,
        next_response: None,
        resolution: None,
        warning_percent: 75,
        pause_on: vec![StatusCategory::Pending, StatusCategory::OnHold],
    };
    match metric {
        Metric::FirstResponse => policy.first_response = target,
        Metric::NextResponse => policy.next_response = target,
        Metric::Resolution => policy.resolution = target,
    }
    SlaConfig {
        calendars: vec![calendar],
        policies: vec![policy],
    }
}

/// The instant of local wall time `when` ("2026-01-13 16:00") in `zone`.
pub fn local(zone: &Zone, when: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M").expect("case time");
    let t = zone.to_utc(naive.and_utc().timestamp());
    DateTime::from_timestamp(t, 0).expect("case instant")
}

/// A ticket's story told through `apply`, so the facts come from real events.
pub struct Story {
    workspace: Workspace,
    ticket: Option<Ticket>,
    id: Uuid,
    messages: u128,
}

/// Who writes a message.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// The requester, publicly.
    Customer,
    /// Agent Ana, publicly.
    Reply,
    /// Agent Ana, as an internal note.
    Note,
}

impl Story {
    /// A ticket created at `at`, by the customer or (with `by_agent`) by agent Ana.
    pub fn created(at: DateTime<Utc>, by_agent: bool) -> Story {
        let mut story = Story {
            workspace: fixtures::workspace(Preset::AgentWorkspace),
            ticket: None,
            id: Uuid::from_u128(0x7_1c4e7),
            messages: 0,
        };
        let actor = if by_agent {
            fixtures::actor(&story.workspace, ANA)
        } else {
            fixtures::customer()
        };
        story.act(&actor, at, fixtures::create(story.id));
        story
    }

    fn act(&mut self, actor: &Actor, at: DateTime<Utc>, mutation: Mutation) {
        let ctx = Context {
            actor,
            workspace: &self.workspace,
            now: at,
        };
        let events = apply(self.ticket.as_ref(), &mutation, &ctx).expect("case mutation");
        for event in &events {
            match &mut self.ticket {
                Some(t) => t.apply_event(event),
                None => self.ticket = Ticket::from_created(event),
            }
        }
    }

    /// A message at `at`.
    pub fn says(mut self, at: DateTime<Utc>, who: Who) -> Story {
        self.messages += 1;
        let (actor, visibility) = match who {
            Who::Customer => (fixtures::customer(), Visibility::Public),
            Who::Reply => (fixtures::actor(&self.workspace, ANA), Visibility::Public),
            Who::Note => (fixtures::actor(&self.workspace, ANA), Visibility::Internal),
        };
        let mutation = Mutation::Reply {
            ticket_id: self.id,
            message_id: Uuid::from_u128(0x3e55_0000 + self.messages),
            visibility,
            body: format!("message {}", self.messages),
        };
        self.act(&actor, at, mutation);
        self
    }

    /// Moves the ticket to the first status of `category` at `at`.
    pub fn status(mut self, at: DateTime<Utc>, category: StatusCategory) -> Story {
        let status = self
            .workspace
            .first_in(category)
            .expect("case status")
            .id
            .clone();
        let ana = fixtures::actor(&self.workspace, ANA);
        self.act(
            &ana,
            at,
            Mutation::SetStatus {
                ticket_id: self.id,
                status,
            },
        );
        self
    }

    /// The ticket.
    pub fn ticket(self) -> Ticket {
        self.ticket.expect("case ticket")
    }
}

/// Every documented case.
pub fn all() -> Vec<Case> {
    let london = calendar("Europe/London", &[(WEEKDAYS, "09:00", "17:00")], &[]);
    let z = london.zone.clone();
    let l = |s: &str| local(&z, s);
    let mut cases = Vec::new();
    let mut case = |name, config, ticket, now, metric, state, deadline: Option<DateTime<Utc>>| {
        cases.push(Case {
            name,
            config,
            ticket,
            now,
            metric,
            state,
            deadline,
        });
    };

    case(
        "opened at 16:00 with two business hours on a calendar closing at 17:00: due at 10:00 the next working day",
        config(london.clone(), Metric::FirstResponse, 120, false),
        Story::created(l("2026-01-13 16:00"), false).ticket(),
        l("2026-01-13 16:30"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-01-14 10:00")),
    );

    let holiday = Holiday {
        date: NaiveDate::from_ymd_opt(2026, 1, 14).expect("date"),
        yearly: false,
        name: "Founders' day".into(),
    };
    case(
        "a holiday on the next working day moves the deadline a day",
        config(
            calendar("Europe/London", &[(WEEKDAYS, "09:00", "17:00")], &[holiday]),
            Metric::FirstResponse,
            120,
            false,
        ),
        Story::created(l("2026-01-13 16:00"), false).ticket(),
        l("2026-01-13 16:30"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-01-15 10:00")),
    );

    let christmas = Holiday {
        date: NaiveDate::from_ymd_opt(2019, 12, 25).expect("date"),
        yearly: true,
        name: "Christmas".into(),
    };
    case(
        "a yearly holiday applies in later years, and the weekend after it is skipped too",
        config(
            calendar(
                "Europe/London",
                &[(WEEKDAYS, "09:00", "17:00")],
                &[christmas],
            ),
            Metric::FirstResponse,
            120,
            false,
        ),
        Story::created(l("2026-12-24 16:00"), false).ticket(),
        l("2026-12-24 16:10"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-12-28 10:00")),
    );

    case(
        "three hours Pending move an eight-hour resolution deadline three business hours out",
        config(london.clone(), Metric::Resolution, 8 * 60, false),
        Story::created(l("2026-01-12 09:00"), false)
            .status(l("2026-01-12 10:00"), StatusCategory::Pending)
            .status(l("2026-01-12 13:00"), StatusCategory::Open)
            .ticket(),
        l("2026-01-12 14:00"),
        Metric::Resolution,
        SlaState::OnTrack,
        Some(l("2026-01-13 12:00")),
    );

    case(
        "while Pending the clock shows paused and has no deadline",
        config(london.clone(), Metric::Resolution, 8 * 60, false),
        Story::created(l("2026-01-12 09:00"), false)
            .status(l("2026-01-12 10:00"), StatusCategory::Pending)
            .ticket(),
        l("2026-01-12 15:00"),
        Metric::Resolution,
        SlaState::Paused,
        None,
    );

    case(
        "created on a Saturday, the clock starts Monday morning",
        config(london.clone(), Metric::FirstResponse, 120, false),
        Story::created(l("2026-01-17 11:00"), false).ticket(),
        l("2026-01-17 15:00"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-01-19 11:00")),
    );

    let berlin = calendar("Europe/Berlin", &[(WEEKDAYS, "09:00", "17:00")], &[]);
    let bz = berlin.zone.clone();
    case(
        "Europe/Berlin: over the spring-forward weekend Monday 10:00 is 08:00 UTC, not 09:00",
        config(berlin, Metric::FirstResponse, 120, false),
        Story::created(local(&bz, "2026-03-27 16:00"), false).ticket(),
        local(&bz, "2026-03-27 16:30"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(utc("2026-03-30T08:00:00Z")),
    );
    case(
        "Europe/Berlin: 01:00–04:00 on the spring-forward night holds two working hours",
        config(
            calendar("Europe/Berlin", &[(EVERY_DAY, "01:00", "04:00")], &[]),
            Metric::FirstResponse,
            150,
            false,
        ),
        Story::created(utc("2026-03-28T23:30:00Z"), false).ticket(),
        utc("2026-03-29T00:30:00Z"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        // 00:00Z–01:00Z and 01:00Z–02:00Z on the 29th, then 30 minutes from 01:00 CEST on the 30th.
        Some(utc("2026-03-29T23:30:00Z")),
    );

    let new_york = calendar("America/New_York", &[(WEEKDAYS, "09:00", "17:00")], &[]);
    let nz = new_york.zone.clone();
    case(
        "America/New_York: over the spring-forward weekend Monday 10:00 is 14:00 UTC",
        config(new_york, Metric::FirstResponse, 120, false),
        Story::created(local(&nz, "2026-03-06 16:00"), false).ticket(),
        local(&nz, "2026-03-06 16:05"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(utc("2026-03-09T14:00:00Z")),
    );
    case(
        "America/New_York: 00:00–03:00 on the fall-back night holds four working hours",
        config(
            calendar("America/New_York", &[(EVERY_DAY, "00:00", "03:00")], &[]),
            Metric::FirstResponse,
            240,
            false,
        ),
        Story::created(utc("2026-11-01T04:00:00Z"), false).ticket(),
        utc("2026-11-01T05:00:00Z"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(utc("2026-11-01T08:00:00Z")),
    );

    let split = calendar(
        "Europe/London",
        &[(WEEKDAYS, "08:00", "12:00"), (WEEKDAYS, "13:00", "18:00")],
        &[],
    );
    case(
        "a day with two periods skips the lunch hour",
        config(split, Metric::FirstResponse, 120, false),
        Story::created(l("2026-01-13 11:00"), false).ticket(),
        l("2026-01-13 12:30"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-01-13 14:00")),
    );

    let replies = || {
        Story::created(l("2026-01-12 09:00"), false)
            .says(l("2026-01-12 09:30"), Who::Reply)
            .says(l("2026-01-12 10:00"), Who::Customer)
            .says(l("2026-01-12 10:20"), Who::Reply)
    };
    case(
        "next response: an answer within the hour is met",
        config(london.clone(), Metric::NextResponse, 60, true),
        replies().ticket(),
        l("2026-01-12 12:00"),
        Metric::NextResponse,
        SlaState::Met,
        None,
    );
    case(
        "next response starts again with a new customer message, from the oldest unanswered one",
        config(london.clone(), Metric::NextResponse, 60, true),
        replies()
            .says(l("2026-01-12 13:00"), Who::Customer)
            .says(l("2026-01-12 13:30"), Who::Customer)
            .ticket(),
        l("2026-01-12 13:40"),
        Metric::NextResponse,
        SlaState::OnTrack,
        Some(l("2026-01-12 14:00")),
    );
    case(
        "next response warns at 75 % of its target",
        config(london.clone(), Metric::NextResponse, 60, true),
        replies()
            .says(l("2026-01-12 13:00"), Who::Customer)
            .ticket(),
        l("2026-01-12 13:45"),
        Metric::NextResponse,
        SlaState::Warning,
        Some(l("2026-01-12 14:00")),
    );

    case(
        "an internal note never counts as a response: the clock runs on and breaches",
        config(london.clone(), Metric::FirstResponse, 60, true),
        Story::created(l("2026-01-12 09:00"), false)
            .says(l("2026-01-12 09:10"), Who::Note)
            .ticket(),
        l("2026-01-12 10:05"),
        Metric::FirstResponse,
        SlaState::Breached,
        Some(l("2026-01-12 10:00")),
    );
    case(
        "a public agent reply meets the first response",
        config(london.clone(), Metric::FirstResponse, 60, true),
        Story::created(l("2026-01-12 09:00"), false)
            .says(l("2026-01-12 09:10"), Who::Note)
            .says(l("2026-01-12 09:50"), Who::Reply)
            .ticket(),
        l("2026-01-12 10:05"),
        Metric::FirstResponse,
        SlaState::Met,
        None,
    );
    case(
        "a reply after the deadline is met late",
        config(london.clone(), Metric::FirstResponse, 60, true),
        Story::created(l("2026-01-12 09:00"), false)
            .says(l("2026-01-12 10:30"), Who::Reply)
            .ticket(),
        l("2026-01-12 11:00"),
        Metric::FirstResponse,
        SlaState::MetLate,
        None,
    );
    case(
        "an agent-opened ticket's opening message is not a response: the clock starts when the customer writes",
        config(london.clone(), Metric::FirstResponse, 60, true),
        Story::created(l("2026-01-12 09:00"), true)
            .says(l("2026-01-12 09:05"), Who::Reply)
            .says(l("2026-01-12 11:00"), Who::Customer)
            .ticket(),
        l("2026-01-12 11:30"),
        Metric::FirstResponse,
        SlaState::OnTrack,
        Some(l("2026-01-12 12:00")),
    );
    case(
        "a reopened ticket resumes its resolution clock where it stopped",
        config(london.clone(), Metric::Resolution, 8 * 60, false),
        Story::created(l("2026-01-12 09:00"), false)
            .status(l("2026-01-12 11:00"), StatusCategory::Solved)
            .says(l("2026-01-12 14:00"), Who::Customer)
            .ticket(),
        l("2026-01-12 14:30"),
        Metric::Resolution,
        SlaState::OnTrack,
        Some(l("2026-01-13 12:00")),
    );
    case(
        "a solved ticket's resolution is met",
        config(london, Metric::Resolution, 8 * 60, false),
        Story::created(l("2026-01-12 09:00"), false)
            .status(l("2026-01-12 11:00"), StatusCategory::Solved)
            .ticket(),
        l("2026-01-20 09:00"),
        Metric::Resolution,
        SlaState::Met,
        None,
    );
    cases
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("case instant")
        .with_timezone(&Utc)
}

/// A realistic workload for benchmarks: `n` tickets opened over the 60 days before `now`, in every
/// category, with customer and agent messages, pauses, reopenings and all four priorities, under
/// the preset's policies in Europe/Berlin business hours. Deterministic for a given `seed`.
pub fn corpus(n: usize, seed: u64) -> (SlaConfig, Vec<Ticket>, DateTime<Utc>) {
    use crate::event::{Event, EventKind, Message};
    use crate::status::StatusId;
    use crate::ticket::Priority;
    let mut config = SlaConfig::preset_default("Europe/Berlin");
    config.calendars[0].zone = Zone::from_iana("Europe/Berlin").expect("Berlin");
    let now = utc("2026-11-18T15:20:00Z");
    let ws = fixtures::workspace(Preset::SupportModule);
    let mut state = seed | 1;
    let mut next = move |below: u64| {
        // xorshift64*: enough variety for a workload, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % below.max(1)
    };
    let mut tickets = Vec::with_capacity(n);
    for i in 0..n {
        let created = now - chrono::Duration::minutes(next(60 * 24 * 60) as i64);
        let mut ticket = fixtures::ticket(&ws, Uuid::from_u128(i as u128)).0;
        ticket.created_at = created;
        ticket.priority = Priority::ALL[next(4) as usize];
        ticket.team = Some(if next(2) == 0 {
            fixtures::BILLING
        } else {
            fixtures::TECHNICAL
        });
        ticket.sla = crate::sla::SlaClock::created(created, next(5) == 0);
        let mut at = created;
        let steps = 1 + next(9);
        for k in 0..steps {
            at += chrono::Duration::minutes(5 + next(600) as i64);
            if at >= now {
                break;
            }
            let kind = match next(6) {
                0 | 1 => EventKind::MessageAdded(Message {
                    id: Uuid::from_u128(((i as u128) << 8) | k as u128),
                    visibility: crate::event::Visibility::Public,
                    from_staff: next(2) == 0,
                    author_name: String::new(),
                    body: String::new(),
                }),
                2 => EventKind::MessageAdded(Message {
                    id: Uuid::from_u128(((i as u128) << 8) | k as u128),
                    visibility: crate::event::Visibility::Internal,
                    from_staff: true,
                    author_name: String::new(),
                    body: String::new(),
                }),
                _ => {
                    let category = StatusCategory::ALL[next(6) as usize];
                    EventKind::StatusChanged {
                        from: ticket.status.clone(),
                        to: StatusId::new(category.label()),
                        solved: category == StatusCategory::Solved,
                        category,
                    }
                }
            };
            ticket.apply_event(&Event {
                ticket: ticket.id,
                actor: None,
                at,
                kind,
            });
        }
        tickets.push(ticket);
    }
    (config, tickets, now)
}
