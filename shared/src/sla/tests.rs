use super::cases::{self, Story, Who};
use super::*;
use crate::event::{Event, EventKind, Message, Visibility};
use crate::status::{StatusCategory, StatusId};
use crate::ticket::Ticket;
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use std::sync::OnceLock;
use uuid::Uuid;

#[test]
fn documented_cases_hold() {
    let failures: Vec<String> = cases::all()
        .iter()
        .filter_map(|c| c.check().err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn day_times_parse_and_print() {
    assert_eq!(DayTime::parse("08:30"), Some(DayTime(510)));
    assert_eq!(DayTime::parse("24:00"), Some(DayTime::END_OF_DAY));
    assert_eq!(DayTime(510).to_string(), "08:30");
    for bad in ["24:01", "8:3", "", "ab:cd", "12:60", "-1:00", "123:00"] {
        assert_eq!(DayTime::parse(bad), None, "{bad}");
    }
}

#[test]
fn zones_know_their_offsets() {
    let berlin = Zone::from_iana("Europe/Berlin").unwrap();
    // 2026-03-29 01:00Z clocks go forward; 2026-10-25 01:00Z they go back.
    assert_eq!(berlin.offset_at(1_774_745_999), 3_600);
    assert_eq!(berlin.offset_at(1_774_746_000), 7_200);
    assert_eq!(berlin.offset_at(1_792_889_999), 7_200);
    assert_eq!(berlin.offset_at(1_792_890_000), 3_600);
    assert!(Zone::from_iana("Mars/Olympus_Mons").is_none());
}

#[test]
fn validation_names_the_field() {
    let ws = crate::fixtures::workspace(crate::Preset::SupportModule);
    let good = SlaConfig::preset_default("Europe/Lisbon");
    assert_eq!(good.validate(&ws), Ok(()));

    let mut c = good.clone();
    c.calendars[0].hours.clear();
    assert_eq!(c.validate(&ws).unwrap_err().field, "calendars[0].hours");

    let mut c = good.clone();
    c.calendars[0].hours[2].start = DayTime(18 * 60);
    c.calendars[0].hours[2].end = DayTime(9 * 60);
    let e = c.validate(&ws).unwrap_err();
    assert_eq!(e.field, "calendars[0].hours[2]");
    assert!(
        e.message.contains("ends at 09:00 but starts at 18:00"),
        "{e}"
    );

    for bad in [0, 100, 150] {
        let mut c = good.clone();
        c.policies[1].warning_percent = bad;
        let e = c.validate(&ws).unwrap_err();
        assert_eq!(e.field, "policies[1].warning_percent");
        assert!(e.message.contains(&bad.to_string()), "{e}");
    }

    let mut c = good.clone();
    c.policies[0].calendar = None;
    c.policies[1].calendar = None;
    assert_eq!(c.validate(&ws).unwrap_err().field, "policies[1].calendar");

    let mut c = good.clone();
    c.policies[2].resolution = Some(Target {
        minutes: 0,
        business: true,
    });
    assert_eq!(
        c.validate(&ws).unwrap_err().field,
        "policies[2].resolution.minutes"
    );

    let mut c = good;
    c.policies[0].pause_on.push(StatusCategory::Solved);
    assert_eq!(c.validate(&ws).unwrap_err().field, "policies[0].pause_on");

    let mut c = SlaConfig::preset_default("Nowhere/Atlantis");
    assert_eq!(
        c.resolve_zones().unwrap_err().field,
        "calendars[0].time_zone"
    );
}

#[test]
fn the_indicator_is_the_worst_active_state_with_the_nearest_deadline() {
    let london = cases::calendar("Europe/London", &[(cases::WEEKDAYS, "09:00", "17:00")], &[]);
    let z = london.zone.clone();
    let l = |s: &str| cases::local(&z, s);
    let mut config = cases::config(london, Metric::FirstResponse, 60, true);
    config.policies[0].resolution = Some(Target {
        minutes: 4 * 60,
        business: true,
    });
    let ticket = Story::created(l("2026-01-12 09:00"), false).ticket();
    let engine = SlaEngine::new(&config, l("2026-01-12 09:00"));

    let at_950 = engine.indicator(&ticket, l("2026-01-12 09:50")).unwrap();
    assert_eq!(at_950.state, SlaState::Warning);
    assert_eq!(at_950.deadline, Some(l("2026-01-12 10:00")));
    assert_eq!(at_950.remaining_secs, 600);

    let at_1015 = engine.indicator(&ticket, l("2026-01-12 10:15")).unwrap();
    assert_eq!(at_1015.state, SlaState::Breached);
    assert_eq!(at_1015.remaining_secs, -900);

    let report = engine.report(&ticket, l("2026-01-12 10:15")).unwrap();
    assert_eq!(report.indicator, Some(at_1015));
    assert_eq!(report.metrics.len(), 2);
    assert_eq!(
        engine.next_change(&ticket, l("2026-01-12 09:00")),
        Some(l("2026-01-12 09:45"))
    );
}

// --- property tests -------------------------------------------------------------------------

const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
];

fn zone(i: usize) -> Zone {
    static CACHE: OnceLock<Vec<Zone>> = OnceLock::new();
    CACHE.get_or_init(|| ZONES.iter().map(|z| Zone::from_iana(z).unwrap()).collect())[i].clone()
}

fn arb_calendar() -> impl Strategy<Value = Calendar> {
    let period = (0usize..7, 0u16..=23 * 4, 4u16..=12 * 4)
        .prop_map(|(d, s, len)| (Weekday::ALL[d], s * 15, (s * 15 + len * 15).min(24 * 60)));
    let holiday = (0i64..900, any::<bool>()).prop_map(|(d, yearly)| Holiday {
        date: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap() + chrono::Duration::days(d),
        yearly,
        name: String::new(),
    });
    (
        0..ZONES.len(),
        prop::collection::vec(period, 1..8),
        prop::collection::vec(holiday, 0..6),
    )
        .prop_map(|(z, periods, holidays)| {
            let mut hours: Vec<WorkingPeriod> = Vec::new();
            for (day, start, end) in periods {
                let overlaps = hours
                    .iter()
                    .any(|p| p.day == day && p.start.0 < end && start < p.end.0);
                if end > start && !overlaps {
                    hours.push(WorkingPeriod {
                        day,
                        start: DayTime(start),
                        end: DayTime(end),
                    });
                }
            }
            if hours.is_empty() {
                hours.push(WorkingPeriod {
                    day: Weekday::Wed,
                    start: DayTime(600),
                    end: DayTime(660),
                });
            }
            Calendar {
                id: Uuid::from_u128(0xCA1),
                name: "Random".into(),
                time_zone: ZONES[z].into(),
                hours,
                holidays,
                zone: zone(z),
            }
        })
}

/// 2026-01-01T00:00Z plus `minutes`.
fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600 + minutes * 60, 0).unwrap()
}

/// A step of a random story: minutes after the previous step, and what happened.
#[derive(Debug, Clone, Copy)]
enum Step {
    Category(StatusCategory),
    Customer,
    Reply,
    Note,
}

fn arb_story() -> impl Strategy<Value = (bool, Vec<(i64, Step)>)> {
    let step = prop_oneof![
        prop::sample::select(StatusCategory::ALL.to_vec()).prop_map(Step::Category),
        Just(Step::Customer),
        Just(Step::Reply),
        Just(Step::Note),
    ];
    (
        any::<bool>(),
        prop::collection::vec((0i64..3_000, step), 0..12),
    )
}

/// Folds a random story straight from events (not through `apply`, so any order of facts occurs).
fn ticket_from(staff_created: bool, steps: &[(i64, Step)], start: i64) -> Ticket {
    let ws = crate::fixtures::workspace(crate::Preset::AgentWorkspace);
    let (mut ticket, _) = crate::fixtures::ticket(&ws, Uuid::from_u128(9));
    ticket.created_at = t(start);
    ticket.sla = SlaClock::created(t(start), staff_created);
    let mut now = start;
    for (i, &(gap, step)) in steps.iter().enumerate() {
        now += gap;
        let kind = match step {
            Step::Category(category) => EventKind::StatusChanged {
                from: StatusId::new("x"),
                to: StatusId::new(format!("{category:?}")),
                solved: category == StatusCategory::Solved,
                category,
            },
            Step::Customer | Step::Reply | Step::Note => EventKind::MessageAdded(Message {
                id: Uuid::from_u128(i as u128),
                visibility: if matches!(step, Step::Note) {
                    Visibility::Internal
                } else {
                    Visibility::Public
                },
                from_staff: !matches!(step, Step::Customer),
                author_name: String::new(),
                body: String::new(),
            }),
        };
        ticket.apply_event(&Event {
            ticket: ticket.id,
            actor: None,
            at: t(now),
            kind,
        });
    }
    ticket
}

fn one_policy(calendar: Calendar, minutes: u32, business: bool) -> SlaConfig {
    let target = Some(Target { minutes, business });
    SlaConfig {
        policies: vec![Policy {
            id: Uuid::from_u128(1),
            name: "P".into(),
            conditions: Conditions::default(),
            calendar: Some(calendar.id),
            first_response: target,
            next_response: target,
            resolution: target,
            warning_percent: 75,
            pause_on: vec![StatusCategory::Pending, StatusCategory::OnHold],
        }],
        calendars: vec![calendar],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn working_time_adds_what_it_counts(cal in arb_calendar(), a in -200_000i64..200_000, s in 0i64..5_000) {
        let reference = t(0).timestamp();
        let wt = WorkingTime::new(&cal, reference - 30 * 86_400, reference + 30 * 86_400);
        let a = reference + a * 60;
        let secs = s * 60;
        let end = wt.add(a, secs).expect("a calendar with working time reaches any target");
        prop_assert_eq!(wt.worked(a, end), secs);
        // Earliest: one second less is not enough.
        if secs > 0 {
            prop_assert!(wt.worked(a, end - 1) < secs);
        }
        // The window is a cache: a calendar compiled elsewhere answers the same.
        let far = WorkingTime::new(&cal, reference + 900 * 86_400, reference + 901 * 86_400);
        prop_assert_eq!(far.add(a, secs), Some(end));
        prop_assert_eq!(far.worked(a, end), secs);
    }

    #[test]
    fn a_longer_target_never_brings_the_deadline_earlier(
        cal in arb_calendar(),
        (staff, steps) in arb_story(),
        m1 in 1u32..3_000,
        extra in 0u32..3_000,
        business in any::<bool>(),
        now in 0i64..40_000,
    ) {
        let ticket = ticket_from(staff, &steps, 0);
        let short = SlaEngine::new(&one_policy(cal.clone(), m1, business), t(0));
        let long = SlaEngine::new(&one_policy(cal, m1 + extra, business), t(0));
        let (a, b) = (short.report(&ticket, t(now)), long.report(&ticket, t(now)));
        if let (Some(a), Some(b)) = (a, b) {
            for (x, y) in a.metrics.iter().zip(&b.metrics) {
                prop_assert_eq!(x.metric, y.metric);
                if let (Some(dx), Some(dy)) = (x.deadline, y.deadline) {
                    prop_assert!(dx <= dy, "{:?}: {} then {}", x.metric, dx, dy);
                }
                prop_assert!(x.state.severity() >= y.state.severity() || !y.state.is_active());
            }
        }
    }

    #[test]
    fn time_spent_paused_never_counts(
        cal in arb_calendar(),
        business in any::<bool>(),
        pause_at in 0i64..5_000,
        pause_len in 0i64..5_000,
        now in 0i64..15_000,
        on_hold in any::<bool>(),
    ) {
        let category = if on_hold { StatusCategory::OnHold } else { StatusCategory::Pending };
        let plain = ticket_from(false, &[(10, Step::Category(StatusCategory::Open))], 0);
        let paused = ticket_from(false, &[
            (10, Step::Category(StatusCategory::Open)),
            (pause_at, Step::Category(category)),
            (pause_len, Step::Category(StatusCategory::Open)),
        ], 0);
        let config = one_policy(cal.clone(), 600_000, business);
        let engine = SlaEngine::new(&config, t(0));
        let resolution = |ticket: &Ticket| {
            engine.report(ticket, t(now)).unwrap().metrics.into_iter()
                .find(|m| m.metric == Metric::Resolution).unwrap().elapsed_secs
        };
        let (p0, p1) = (t(10 + pause_at).timestamp(), t(10 + pause_at + pause_len).timestamp());
        let now_s = t(now).timestamp();
        let paused_work = if business {
            WorkingTime::new(&cal, p0, p1).worked(p0.min(now_s), p1.min(now_s))
        } else {
            (p1.min(now_s) - p0.min(now_s)).max(0)
        };
        prop_assert_eq!(resolution(&paused), resolution(&plain) - paused_work);
    }

    #[test]
    fn the_state_at_a_time_does_not_depend_on_what_was_evaluated_before(
        cal in arb_calendar(),
        (staff, steps) in arb_story(),
        minutes in 1u32..5_000,
        business in any::<bool>(),
        times in prop::collection::vec(-2_000i64..60_000, 1..8),
    ) {
        let ticket = ticket_from(staff, &steps, 0);
        let config = one_policy(cal, minutes, business);
        let shared = SlaEngine::new(&config, t(0));
        for &x in &times {
            // A fresh engine compiled around another time, so cached and walked calendar paths
            // must agree as well.
            let fresh = SlaEngine::new(&config, t(x + 500_000));
            prop_assert_eq!(shared.report(&ticket, t(x)), fresh.report(&ticket, t(x)));
            prop_assert_eq!(shared.indicator(&ticket, t(x)), fresh.indicator(&ticket, t(x)));
        }
    }

    #[test]
    fn a_schedule_gives_the_indicator_at_every_later_time(
        cal in arb_calendar(),
        (staff, steps) in arb_story(),
        start in -100_000i64..100_000,
        minutes in 1u32..20_000,
        business in any::<bool>(),
        warning in 1u8..=99,
        pause_open in any::<bool>(),
        times in prop::collection::vec(-200_000i64..400_000, 1..12),
    ) {
        let ticket = ticket_from(staff, &steps, start);
        let mut config = one_policy(cal, minutes, business);
        config.policies[0].warning_percent = warning;
        if pause_open {
            config.policies[0].pause_on.push(StatusCategory::Open);
        }
        // Metrics with different targets and counters, so the nearest of them matters.
        config.policies[0].first_response = Some(Target { minutes: (minutes / 3).max(1), business: !business });
        let engine = SlaEngine::new(&config, t(0));
        let schedule = engine.schedule(&ticket);
        let from = schedule.valid_from();
        for &x in &times {
            prop_assert_eq!(
                engine.indicator_scheduled(&schedule, &ticket, t(x)),
                engine.indicator(&ticket, t(x)),
                "at {}", x
            );
            // And just at and after the instant it starts to hold.
            if from > i64::MIN {
                let at = DateTime::from_timestamp(from + x.rem_euclid(90_000), 0).unwrap();
                prop_assert!(schedule.at(at.timestamp()).is_some());
                prop_assert_eq!(
                    engine.indicator_scheduled(&schedule, &ticket, at),
                    engine.indicator(&ticket, at)
                );
            }
        }
    }

    #[test]
    fn the_engine_never_panics_and_the_indicator_agrees_with_the_report(
        cal in arb_calendar(),
        (staff, steps) in arb_story(),
        start in -100_000i64..100_000,
        minutes in 1u32..=config::MAX_TARGET_MINUTES,
        business in any::<bool>(),
        now in -200_000i64..400_000,
    ) {
        let ticket = ticket_from(staff, &steps, start);
        let engine = SlaEngine::new(&one_policy(cal, minutes, business), t(0));
        let report = engine.report(&ticket, t(now));
        let indicator = engine.indicator(&ticket, t(now));
        prop_assert_eq!(report.and_then(|r| r.indicator), indicator);
        if let Some(next) = engine.next_change(&ticket, t(now)) {
            prop_assert!(next > t(now));
            // Something really changes then.
            let before = engine.indicator(&ticket, t(now)).map(|i| i.state);
            let after = engine.report(&ticket, next).map(|r| r.metrics.iter().map(|m| m.state).collect::<Vec<_>>());
            prop_assert!(before.is_some() && after.is_some());
        }
    }
}

#[test]
fn scheduled_indicators_agree_with_one_at_a_time() {
    let (config, tickets, now) = cases::corpus(3_000, 7);
    let engine = SlaEngine::new(&config, now);
    let schedules: Vec<Schedule> = tickets.iter().map(|t| engine.schedule(t)).collect();
    let mut asked_the_ticket = 0;
    for at in [
        now,
        now - chrono::Duration::days(20),
        now - chrono::Duration::hours(3),
        now + chrono::Duration::minutes(50),
        now + chrono::Duration::days(3),
    ] {
        let mut batch = Vec::new();
        engine.indicators(schedules.iter().zip(&tickets), at, &mut batch);
        let single: Vec<_> = tickets.iter().map(|t| engine.indicator(t, at)).collect();
        if let Some(i) = (0..single.len()).find(|&i| batch[i] != single[i]) {
            panic!(
                "ticket {i} at {at}: scheduled {:?}, single {:?}, clock {:?}, schedule {:?}",
                batch[i], single[i], tickets[i].sla, schedules[i]
            );
        }
        assert_eq!(batch.len(), single.len());
        asked_the_ticket += schedules
            .iter()
            .filter(|s| s.at(at.timestamp()).is_none())
            .count();
    }
    // Both paths were exercised: 20 days back most schedules decline.
    assert!(asked_the_ticket > 1_000, "{asked_the_ticket}");
}

#[test]
fn story_helpers_build_real_tickets() {
    let ticket = Story::created(t(0), false)
        .says(t(5), Who::Customer)
        .ticket();
    assert_eq!(ticket.sla.phases.len(), 1);
    assert!(ticket.sla.customer_wrote);
}
