use super::*;
use crate::Preset;
use crate::filter::{DateRange, DurationRange, Scope};
use crate::fixtures;
use crate::fixtures::workload::{Rng, vary, workload};
use crate::sla::{SlaFilter, Zone};
use crate::ticket::Trash;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;

fn some<T: Clone>(rng: &mut Rng, percent: u64, items: &[T]) -> Vec<T> {
    if !rng.chance(percent) {
        return Vec::new();
    }
    (0..rng.below(3) + 1)
        .map(|_| rng.pick(items).clone())
        .collect()
}

fn random_filter(rng: &mut Rng, ws: &Workspace, now: DateTime<Utc>) -> Filter {
    let day = |rng: &mut Rng| (now - Duration::days(rng.below(70) as i64)).date_naive();
    let range = |rng: &mut Rng| -> DateRange {
        if !rng.chance(15) {
            return DateRange::default();
        }
        let (a, b) = (day(rng), day(rng));
        DateRange {
            from: rng.chance(70).then_some(a.min(b)),
            to: rng.chance(70).then_some(a.max(b)),
        }
    };
    let duration = |rng: &mut Rng| -> Option<DurationRange> {
        rng.chance(15).then(|| DurationRange {
            min: rng.chance(60).then(|| rng.below(200_000) as i64),
            max: rng.chance(60).then(|| rng.below(2_000_000) as i64),
        })
    };
    let agents: Vec<Who> = ws
        .agents
        .iter()
        .map(|a| Who::Agent(a.id))
        .chain([Who::Me, Who::Nobody])
        .collect();
    let teams: Vec<Option<Uuid>> = ws.teams.iter().map(|t| Some(t.id)).chain([None]).collect();
    let tag_ids: Vec<Uuid> = ws.tags.iter().map(|t| t.id).collect();
    let terms = [
        "ref",
        "refund",
        "re",
        "invoice lo",
        "billing",
        "straße",
        "élan",
        "tkt",
        "tkt 00",
        "user1",
        "example com",
        "acme",
        "requested",
        "zzz",
        "password reset",
        "9",
    ];
    Filter {
        statuses: some(
            rng,
            20,
            &ws.statuses.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        ),
        categories: some(rng, 15, &StatusCategory::ALL),
        priorities: some(rng, 25, &Priority::ALL),
        types: some(rng, 15, &ws.ticket_types),
        channels: some(rng, 15, &Channel::ALL),
        assignees: some(rng, 25, &agents),
        teams: some(rng, 20, &teams),
        tags: {
            let groups = if rng.chance(40) { rng.below(3) } else { 0 };
            (0..groups).map(|_| some(rng, 100, &tag_ids)).collect()
        },
        sla: some(rng, 25, &SlaFilter::ALL),
        created: range(rng),
        updated: range(rng),
        time_to_complete: duration(rng),
        time_unassigned: duration(rng),
        email: rng.chance(10).then(|| format!("user{}", rng.below(6))),
        phone: rng.chance(10).then(|| format!("91{}", rng.below(10))),
        reference: rng.chance(10).then(|| format!("tkt-00{}", rng.below(3))),
        text: some(rng, 30, &terms)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        show_completed: rng.chance(40),
        scope: match rng.below(100) {
            0..55 => Scope::Active,
            55..70 => Scope::Archived,
            70..85 => Scope::Snoozed,
            _ => Scope::Trash,
        },
    }
}

/// The straightforward answer: every ticket through `Filter::matches`, sorted by `Sort::compare`.
fn expected(
    tickets: &[Ticket],
    engine: &SlaEngine,
    filter: &Filter,
    sort: Sort,
    ctx: &FilterContext<'_>,
    actor: &Actor,
) -> Vec<Uuid> {
    let now = DateTime::from_timestamp(ctx.now, 0).unwrap();
    let mut hits: Vec<((u8, i64), &Ticket)> = tickets
        .iter()
        .filter(|t| crate::queue::can_see(actor, t, ctx.workspace))
        .filter_map(|t| {
            let indicator = engine.indicator(t, now);
            filter
                .matches(t, indicator.as_ref(), ctx)
                .then(|| (crate::sla::Indicator::sort_key(indicator.as_ref()), t))
        })
        .collect();
    hits.sort_by(|a, b| sort.compare(*a, *b));
    hits.into_iter().map(|(_, t)| t.id).collect()
}

fn answer(
    index: &QueueIndex,
    filter: &Filter,
    sort: Sort,
    ctx: &FilterContext<'_>,
    actor: &Actor,
) -> Vec<Uuid> {
    let visible = index.visible(actor, ctx.workspace);
    let selection = index.select(&visible, &[filter], ctx);
    index
        .sorted(&selection, sort)
        .map(|s| index.id(s))
        .collect()
}

fn berlin() -> Zone {
    Zone::from_iana("Europe/Berlin").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_index_answers_what_a_plain_filter_answers(seed in any::<u64>(), later in 0i64..200_000) {
        let (ws, engine, tickets, now) = workload(seed, 400);
        let index = QueueIndex::build(&tickets, &ws, &engine);
        let zone = berlin();
        let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15 | 1);
        for round in 0..12 {
            let actor = fixtures::actor(&ws, rng.pick(&ws.agents).id);
            let ctx = FilterContext {
                workspace: &ws,
                me: actor.id,
                now: now.timestamp() + later,
                zone: &zone,
            };
            let filter = random_filter(&mut rng, &ws, now);
            let sort = *rng.pick(&Sort::ALL);
            let want = expected(&tickets, &engine, &filter, sort, &ctx, &actor);
            let got = answer(&index, &filter, sort, &ctx, &actor);
            prop_assert_eq!(&got, &want, "round {}, {:?}, {:?}", round, sort, filter);
        }
    }

    #[test]
    fn changes_applied_one_by_one_give_the_same_answers_as_a_fresh_build(
        seed in any::<u64>(),
        text in 0u8..4,
    ) {
        // The free text indexed with the columns (0), right after them (1), only after the
        // changes (2), as a load that shows its list first does, or a few slots at a time
        // between the changes (3), as a load does in the page's idle moments.
        let (ws, engine, mut tickets, now) = workload(seed, 300);
        let mut index = match text {
            0 => QueueIndex::build(&tickets[..200], &ws, &engine),
            _ => QueueIndex::build_columns(&tickets[..200], &ws, &engine),
        };
        if text == 1 {
            index.index_text(&tickets[..200]);
        }
        prop_assert_eq!(index.text_ready(), text < 2);
        let mut rng = Rng(seed.rotate_left(17) | 1);
        // A part of the text, reading the tickets as they are now.
        let part = |index: &mut QueueIndex, tickets: &[Ticket]| {
            if text == 3 {
                let by_id: std::collections::HashMap<Uuid, &Ticket> =
                    tickets.iter().map(|t| (t.id, t)).collect();
                index.index_text_part(|id| by_id.get(&id).copied(), 1);
            }
        };
        // New tickets, changed ones, removed ones, and a removed one coming back.
        for t in &tickets[200..] {
            index.upsert(t, &ws, &engine);
        }
        for _ in 0..150 {
            let i = rng.below(tickets.len() as u64) as usize;
            vary(&mut rng, &ws, &mut tickets[i], i, now);
            index.upsert(&tickets[i], &ws, &engine);
            part(&mut index, &tickets);
        }
        let mut removed = Vec::new();
        for _ in 0..40 {
            let i = rng.below(tickets.len() as u64) as usize;
            index.remove(tickets[i].id);
            removed.push(tickets[i].id);
            part(&mut index, &tickets);
        }
        let back = rng.below(tickets.len() as u64) as usize;
        index.upsert(&tickets[back], &ws, &engine);
        removed.retain(|&id| id != tickets[back].id);
        let live: Vec<Ticket> =
            tickets.iter().filter(|t| !removed.contains(&t.id)).cloned().collect();
        prop_assert_eq!(index.len(), live.len());
        index.index_text(&live);
        prop_assert!(index.text_ready());
        let zone = berlin();
        for _ in 0..10 {
            let actor = fixtures::actor(&ws, rng.pick(&ws.agents).id);
            let ctx = FilterContext {
                workspace: &ws,
                me: actor.id,
                now: now.timestamp(),
                zone: &zone,
            };
            let filter = random_filter(&mut rng, &ws, now);
            let sort = *rng.pick(&Sort::ALL);
            let want = expected(&live, &engine, &filter, sort, &ctx, &actor);
            let got = answer(&index, &filter, sort, &ctx, &actor);
            prop_assert_eq!(got, want, "{:?} {:?}", sort, filter);
        }
    }
}

#[test]
fn counts_agree_with_counting_tickets() {
    let (ws, engine, tickets, now) = workload(11, 500);
    let index = QueueIndex::build(&tickets, &ws, &engine);
    let zone = Zone::default();
    let ctx = FilterContext {
        workspace: &ws,
        me: fixtures::ANA,
        now: now.timestamp(),
        zone: &zone,
    };
    let ana = fixtures::actor(&ws, fixtures::ANA);
    let open = Filter::default();
    let visible = index.visible(&ana, &ws);
    let selection = index.select(&visible, &[&open], &ctx);
    let plain: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| crate::queue::can_see(&ana, t, &ws))
        .filter(|t| open.matches(t, None, &ctx))
        .collect();
    assert_eq!(
        index.counts(&selection, fixtures::ANA),
        Counts::of(plain, fixtures::ANA)
    );
}

#[test]
fn status_counts_and_narrowing_agree_with_the_filters() {
    let (ws, engine, tickets, now) = workload(12, 500);
    let index = QueueIndex::build(&tickets, &ws, &engine);
    let zone = Zone::default();
    let ctx = FilterContext {
        workspace: &ws,
        me: fixtures::ANA,
        now: now.timestamp(),
        zone: &zone,
    };
    let everything = Filter {
        show_completed: true,
        ..Filter::default()
    };
    let admin = Actor {
        id: Uuid::nil(),
        name: "Admin".into(),
        role: Role::Admin,
    };
    let visible = index.visible(&admin, &ws);
    let all = index.select(&visible, &[&everything], &ctx);
    let full = index.counts(&all, fixtures::ANA);
    let statuses = index.status_counts(&all);
    assert_eq!(
        (statuses.total, &statuses.by_status),
        (full.total, &full.by_status)
    );

    let mut open = all.clone();
    index.drop_completed(&mut open);
    assert_eq!(open, index.select(&all, &[&Filter::default()], &ctx));
    for status in &ws.statuses {
        let mut one = all.clone();
        index.keep_status(&mut one, &status.id);
        let by_filter = Filter {
            statuses: vec![status.id.clone()],
            show_completed: true,
            ..Filter::default()
        };
        assert_eq!(
            one,
            index.select(&all, &[&by_filter], &ctx),
            "{}",
            status.id
        );
        assert_eq!(one.count(), statuses.status(&status.id));
    }
}

#[test]
fn dates_are_days_in_the_zone() {
    let ws = fixtures::workspace(Preset::SupportModule);
    let (mut t, _) = fixtures::ticket(&ws, Uuid::from_u128(1));
    // 23:30 UTC on 31 January is 00:30 on 1 February in Berlin.
    t.created_at = "2026-01-31T23:30:00Z".parse().unwrap();
    let zone = berlin();
    let ctx = FilterContext {
        workspace: &ws,
        me: fixtures::ANA,
        now: 0,
        zone: &zone,
    };
    let on = |d: &str| Filter {
        created: DateRange {
            from: Some(d.parse::<NaiveDate>().unwrap()),
            to: Some(d.parse::<NaiveDate>().unwrap()),
        },
        ..Filter::default()
    };
    assert!(on("2026-02-01").matches(&t, None, &ctx));
    assert!(!on("2026-01-31").matches(&t, None, &ctx));
}

/// Every combination of the filing states, on a solved and on an open ticket.
fn filed_tickets(ws: &Workspace) -> Vec<Ticket> {
    let (base, _) = fixtures::ticket(ws, Uuid::from_u128(1));
    let mut tickets = Vec::new();
    for (n, status) in ["open", "resolved"].into_iter().enumerate() {
        for archived in [false, true] {
            for snooze in [None, Some(-60), Some(0), Some(1), Some(3_600)] {
                for trash in [None, Some(Trash::Spam), Some(Trash::Deleted)] {
                    let mut t = base.clone();
                    t.id = Uuid::from_u128(tickets.len() as u128 + 1);
                    t.status = StatusId::new(status);
                    t.solved_at = (n == 1).then_some(t.created_at);
                    t.archived = archived;
                    t.snoozed_until = snooze.map(|s| fixtures::at(0) + Duration::seconds(s));
                    t.trash = trash;
                    tickets.push(t);
                }
            }
        }
    }
    tickets
}

#[test]
fn each_ticket_is_in_exactly_one_scope_and_the_index_agrees() {
    // Setup
    let ws = fixtures::workspace(Preset::SupportModule);
    let tickets = filed_tickets(&ws);
    let engine = SlaEngine::new(&ws.sla, fixtures::at(0));
    let index = QueueIndex::build(&tickets, &ws, &engine);
    let admin = Actor {
        id: fixtures::ANA,
        name: "Admin".into(),
        role: crate::Role::Admin,
    };
    let zone = Zone::default();
    let ctx = FilterContext {
        workspace: &ws,
        me: fixtures::ANA,
        now: fixtures::at(0).timestamp(),
        zone: &zone,
    };
    for t in &tickets {
        // Exec
        let scopes: Vec<Scope> = Scope::ALL
            .into_iter()
            .filter(|s| s.contains(t, ctx.now))
            .collect();
        // Check: the bin wins, then the archive, then the snooze; a snooze ending now is over.
        let want = if t.trash.is_some() {
            Scope::Trash
        } else if t.archived {
            Scope::Archived
        } else if t.snoozed_until.is_some_and(|u| u > fixtures::at(0)) {
            Scope::Snoozed
        } else {
            Scope::Active
        };
        assert_eq!(
            scopes,
            [want],
            "{:?}",
            (t.archived, t.snoozed_until, t.trash)
        );
    }
    for scope in Scope::ALL {
        for show_completed in [false, true] {
            let filter = Filter {
                scope,
                show_completed,
                ..Filter::default()
            };
            let want = expected(&tickets, &engine, &filter, Sort::Newest, &ctx, &admin);
            let got = answer(&index, &filter, Sort::Newest, &ctx, &admin);
            assert_eq!(got, want, "{scope:?}, show completed: {show_completed}");
        }
    }
}

#[test]
fn the_archive_and_the_bin_list_completed_tickets_the_other_scopes_only_when_asked() {
    // Setup
    let ws = fixtures::workspace(Preset::SupportModule);
    let (mut t, _) = fixtures::ticket(&ws, Uuid::from_u128(1));
    t.status = StatusId::new("resolved");
    let zone = Zone::default();
    let ctx = FilterContext {
        workspace: &ws,
        me: fixtures::ANA,
        now: fixtures::at(0).timestamp(),
        zone: &zone,
    };
    let in_scope = |scope, show_completed| Filter {
        scope,
        show_completed,
        ..Filter::default()
    };
    // Exec + Check
    assert!(!in_scope(Scope::Active, false).matches(&t, None, &ctx));
    assert!(in_scope(Scope::Active, true).matches(&t, None, &ctx));
    t.archived = true;
    assert!(in_scope(Scope::Archived, false).matches(&t, None, &ctx));
    assert!(!in_scope(Scope::Active, true).matches(&t, None, &ctx));
    t.trash = Some(Trash::Deleted);
    assert!(in_scope(Scope::Trash, false).matches(&t, None, &ctx));
    assert!(!in_scope(Scope::Archived, false).matches(&t, None, &ctx));
    // Other filters still apply inside a scope.
    let urgent = Filter {
        priorities: vec![Priority::Urgent],
        ..in_scope(Scope::Trash, false)
    };
    assert!(!urgent.matches(&t, None, &ctx));
}

#[test]
fn the_workload_files_a_realistic_share_of_tickets_away() {
    // Setup
    let (ws, _, tickets, now) = workload(7, 2_000);
    let now = now.timestamp();
    // Exec
    let share = |scope: Scope| {
        let n = tickets.iter().filter(|t| scope.contains(t, now)).count();
        n * 100 / tickets.len()
    };
    let snoozes_over = tickets
        .iter()
        .filter(|t| t.snoozed_until.is_some_and(|u| u.timestamp() <= now))
        .count();
    // Check: every scope is well populated, so the property tests above exercise all of them.
    let shares = Scope::ALL.map(share);
    assert!((55..=85).contains(&shares[0]), "{shares:?}");
    assert!(
        shares[1..].iter().all(|&s| (3..=30).contains(&s)),
        "{shares:?}"
    );
    assert!(snoozes_over > 20, "{snoozes_over}");
    let archived = tickets.iter().filter(|t| t.archived);
    let archived_open = archived
        .clone()
        .filter(|t| !ws.category(&t.status).is_completed())
        .count();
    assert!(
        archived_open * 10 < archived.count(),
        "mostly as the rules allow"
    );
}
