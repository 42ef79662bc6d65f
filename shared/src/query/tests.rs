use super::*;
use crate::fixtures::{self, ANA, BILLING, BRUNO, CARLA, TECHNICAL, tag as tag_id};
use crate::preset::Preset;
use crate::status::Status;
use crate::workspace::{Agent, Role, Tag, Team};

/// Tag "billing", which the fixture lacks, so the design's example runs as written.
const BILLING_TAG: Uuid = Uuid::from_u128(0xB177);

fn ws(preset: Preset) -> Workspace {
    let mut ws = fixtures::workspace(preset);
    ws.tags.push(Tag {
        id: BILLING_TAG,
        name: "billing".into(),
        color: "#64748b".into(),
    });
    ws
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ids(list: &[&str]) -> Vec<StatusId> {
    list.iter().map(|s| StatusId::new(*s)).collect()
}

/// A workspace whose names collide in every way the resolver must survive.
fn tricky() -> Workspace {
    let mut ws = ws(Preset::AgentWorkspace);
    let status = |id: &str, label: &str| Status {
        id: StatusId::new(id),
        label: label.into(),
        color: "#000".into(),
        category: StatusCategory::Open,
        position: 10,
    };
    ws.statuses.extend([
        status("x", "Y"),
        status("y", "X"),
        status("OPEN", "Other"),
        status("odd id", "a \"quoted\", label: \\ here"),
        status("twin_a", "Twin"),
        status("twin_b", "twin"),
        status("", ""),
    ]);
    let agent = |n: u128, name: &str, email: &str| Agent {
        id: Uuid::from_u128(0xA0 + n),
        name: name.into(),
        email: email.into(),
        role: Role::Agent,
        teams: vec![],
        active: n != 11,
    };
    ws.agents.extend([
        agent(10, "Me", "me@example.test"),
        agent(11, "None", "none@example.test"),
        agent(12, "Ana Silva", "ana.silva@example.test"),
        agent(13, "Ana Silva", "silva@example.test"),
        agent(14, "Twin", "twin@example.test"),
        agent(15, "Twin", "twin@example.test"),
        agent(16, "ana@example.test", "other@example.test"),
    ]);
    let team = |n: u128, name: &str| Team {
        id: Uuid::from_u128(0x7E00 + n),
        name: name.into(),
    };
    ws.teams.extend([
        team(1, "none"),
        team(2, "Support"),
        team(3, "Support"),
        team(4, "support"),
        team(5, "First line"),
    ]);
    let tag = |n: u128, name: &str| Tag {
        id: Uuid::from_u128(0x7A00 + n),
        name: name.into(),
        color: "#000".into(),
    };
    ws.tags
        .extend([tag(1, "TAG0"), tag(2, "vip, gold"), tag(3, "a:b")]);
    ws.ticket_types
        .extend(["Bug".into(), "bug".into(), "a,b".into(), String::new()]);
    ws
}

#[test]
fn the_design_example_parses() {
    // Setup
    let ws = ws(Preset::AgentWorkspace);
    let query = r#"status:open,pending priority:urgent assignee:me tag:billing sla:warning created:>2026-01-01 "refund""#;
    // Exec
    let filter = parse(query, &ws).unwrap();
    // Check
    let expected = Filter {
        statuses: ids(&["open", "pending"]),
        priorities: vec![Priority::Urgent],
        assignees: vec![Who::Me],
        tags: vec![vec![BILLING_TAG]],
        sla: vec![SlaFilter::Warning],
        created: DateRange {
            from: Some(day(2026, 1, 2)),
            to: None,
        },
        text: vec!["refund".into()],
        ..Filter::default()
    };
    assert_eq!(filter, expected);
    assert_eq!(
        print(&filter, &ws),
        "status:Open,Pending priority:urgent assignee:me tag:billing sla:warning created:>=2026-01-02 refund"
    );
}

#[test]
fn examples_parse_to_their_filters() {
    use Preset::{AgentWorkspace as Aw, Conversations as Cv, SupportModule as Sm};
    let unknown = Uuid::from_u128(0xDEAD);
    let assignees = format!("assignee:me,NONE,ana,Bruno@Example.test,carla,{unknown}");
    let cases: Vec<(Preset, &str, Filter)> = vec![
        (Aw, "", Filter::default()),
        (Aw, "  \t\n ", Filter::default()),
        (
            Sm,
            r#"status:"in progress",WAITING status:in_progress,open"#,
            Filter {
                statuses: ids(&["in_progress", "waiting", "open"]),
                ..Filter::default()
            },
        ),
        (
            Aw,
            "status:on-hold,ON_HOLD,Solved",
            Filter {
                statuses: ids(&["on_hold", "solved"]),
                ..Filter::default()
            },
        ),
        // The id wins over the two statuses labelled "Open".
        (
            Cv,
            "status:active,open",
            Filter {
                statuses: ids(&["active", "open"]),
                ..Filter::default()
            },
        ),
        (
            Aw,
            r#"Category:onhold,on-hold,"On hold",solved,NEW"#,
            Filter {
                categories: vec![
                    StatusCategory::OnHold,
                    StatusCategory::Solved,
                    StatusCategory::New,
                ],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "priority:Urgent,low priority:urgent,medium",
            Filter {
                priorities: vec![Priority::Urgent, Priority::Low, Priority::Medium],
                ..Filter::default()
            },
        ),
        (
            Aw,
            r#"type:"bug report","Feature Request""#,
            Filter {
                types: vec!["Bug Report".into(), "Feature Request".into()],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "channel:api,EMAIL,widget",
            Filter {
                channels: vec![Channel::Api, Channel::Email, Channel::Widget],
                ..Filter::default()
            },
        ),
        (
            Aw,
            &assignees,
            Filter {
                assignees: vec![
                    Who::Me,
                    Who::Nobody,
                    Who::Agent(ANA),
                    Who::Agent(BRUNO),
                    Who::Agent(CARLA),
                    Who::Agent(unknown),
                ],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "team:technical,none team:Billing",
            Filter {
                teams: vec![Some(TECHNICAL), None, Some(BILLING)],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "tag:tag1,TAG2,tag1 tag:tag3",
            Filter {
                tags: vec![vec![tag_id(1), tag_id(2)], vec![tag_id(3)]],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "sla:on_track,OnTrack,overdue,Breached,paused",
            Filter {
                sla: vec![
                    SlaFilter::OnTrack,
                    SlaFilter::Overdue,
                    SlaFilter::Breached,
                    SlaFilter::Paused,
                ],
                ..Filter::default()
            },
        ),
        (
            Aw,
            "created:2026-01-01 updated:<2026-03-01",
            Filter {
                created: DateRange {
                    from: Some(day(2026, 1, 1)),
                    to: Some(day(2026, 1, 1)),
                },
                updated: DateRange {
                    from: None,
                    to: Some(day(2026, 2, 28)),
                },
                ..Filter::default()
            },
        ),
        (
            Aw,
            "created:2026-01-01..2026-1-31 updated:..2026-12-31",
            Filter {
                created: DateRange {
                    from: Some(day(2026, 1, 1)),
                    to: Some(day(2026, 1, 31)),
                },
                updated: DateRange {
                    from: None,
                    to: Some(day(2026, 12, 31)),
                },
                ..Filter::default()
            },
        ),
        (
            Aw,
            "created:>=2026-01-01 updated:<=2026-02-01",
            Filter {
                created: DateRange {
                    from: Some(day(2026, 1, 1)),
                    to: None,
                },
                updated: DateRange {
                    from: None,
                    to: Some(day(2026, 2, 1)),
                },
                ..Filter::default()
            },
        ),
        (
            Aw,
            "created:2026-01-01.. updated:-0044-03-15",
            Filter {
                created: DateRange {
                    from: Some(day(2026, 1, 1)),
                    to: None,
                },
                updated: DateRange {
                    from: Some(day(-44, 3, 15)),
                    to: Some(day(-44, 3, 15)),
                },
                ..Filter::default()
            },
        ),
        (
            Aw,
            "completed_in:<2h unassigned:>=30m",
            Filter {
                time_to_complete: Some(DurationRange {
                    min: None,
                    max: Some(7_199),
                }),
                time_unassigned: Some(DurationRange {
                    min: Some(1_800),
                    max: None,
                }),
                ..Filter::default()
            },
        ),
        (
            Aw,
            "completed_in:1h..1d unassigned:90m",
            Filter {
                time_to_complete: Some(DurationRange {
                    min: Some(3_600),
                    max: Some(86_400),
                }),
                time_unassigned: Some(DurationRange {
                    min: None,
                    max: Some(5_400),
                }),
                ..Filter::default()
            },
        ),
        (
            Aw,
            "completed_in:>1W unassigned:any",
            Filter {
                time_to_complete: Some(DurationRange {
                    min: Some(604_801),
                    max: None,
                }),
                time_unassigned: Some(DurationRange::default()),
                ..Filter::default()
            },
        ),
        (
            Aw,
            r#"email:dora@example.test phone:"+1 555 0100" reference:TKT-00"#,
            Filter {
                email: Some("dora@example.test".into()),
                phone: Some("+1 555 0100".into()),
                reference: Some("TKT-00".into()),
                ..Filter::default()
            },
        ),
        (
            Aw,
            "show:completed",
            Filter {
                show_completed: true,
                ..Filter::default()
            },
        ),
        (
            Aw,
            "in:archived",
            Filter {
                scope: Scope::Archived,
                ..Filter::default()
            },
        ),
        (
            Aw,
            "priority:low IN:Snoozed",
            Filter {
                priorities: vec![Priority::Low],
                scope: Scope::Snoozed,
                ..Filter::default()
            },
        ),
        (
            Aw,
            r#"in:"trash" refund"#,
            Filter {
                scope: Scope::Trash,
                text: vec!["refund".into()],
                ..Filter::default()
            },
        ),
        // The working queues are the default, so `in:active` asks nothing more.
        (Aw, "in:active", Filter::default()),
        (
            Aw,
            r#"refund "refund request" don't a,b "a \"b\" \\ c" "" !!! refund"#,
            Filter {
                text: vec![
                    "refund".into(),
                    "refund request".into(),
                    "don't".into(),
                    "a,b".into(),
                    r#"a "b" \ c"#.into(),
                    String::new(),
                    "!!!".into(),
                    "refund".into(),
                ],
                ..Filter::default()
            },
        ),
    ];
    for (preset, query, expected) in cases {
        // Setup
        let ws = ws(preset);
        // Exec
        let parsed = parse(query, &ws);
        // Check
        assert_eq!(parsed.as_ref(), Ok(&expected), "{query}");
        assert_eq!(parse(&print(&expected, &ws), &ws), Ok(expected), "{query}");
    }
}

#[test]
fn print_writes_the_canonical_query() {
    let cases: Vec<(Workspace, Filter, &str)> = vec![
        (
            ws(Preset::SupportModule),
            Filter {
                statuses: ids(&["in_progress", "open"]),
                types: vec!["Bug Report".into()],
                text: vec!["refund request".into(), "x:y".into(), "ok".into()],
                ..Filter::default()
            },
            r#"status:"In Progress",Open type:"Bug Report" "refund request" "x:y" ok"#,
        ),
        // Two statuses labelled "Open": the ids tell them apart.
        (
            ws(Preset::Conversations),
            Filter {
                statuses: ids(&["active", "open", "answered"]),
                ..Filter::default()
            },
            "status:active,open,Answered",
        ),
        (
            tricky(),
            Filter {
                assignees: vec![
                    Who::Agent(Uuid::from_u128(0xAA)),
                    Who::Agent(Uuid::from_u128(0xAC)),
                    Who::Agent(Uuid::from_u128(0xAE)),
                    Who::Agent(ANA),
                ],
                teams: vec![Some(Uuid::from_u128(0x7E01)), None],
                ..Filter::default()
            },
            "assignee:me@example.test,ana.silva@example.test,00000000-0000-0000-0000-0000000000ae,Ana \
             team:00000000-0000-0000-0000-000000007e01,none",
        ),
        (
            ws(Preset::AgentWorkspace),
            Filter {
                created: DateRange {
                    from: Some(day(2026, 2, 1)),
                    to: Some(day(2026, 1, 1)),
                },
                updated: DateRange {
                    from: Some(day(10_000, 1, 1)),
                    to: None,
                },
                time_to_complete: Some(DurationRange {
                    min: Some(0),
                    max: Some(3_601),
                }),
                time_unassigned: Some(DurationRange {
                    min: Some(1_209_600),
                    max: None,
                }),
                reference: Some(String::new()),
                show_completed: true,
                ..Filter::default()
            },
            r#"created:2026-02-01..2026-01-01 updated:>=+10000-01-01 completed_in:0s..3601s unassigned:>=2w ref:"" show:completed"#,
        ),
        // The scope comes first; the default one is left out.
        (
            ws(Preset::AgentWorkspace),
            Filter {
                priorities: vec![Priority::Urgent],
                text: vec!["refund".into()],
                scope: Scope::Trash,
                ..Filter::default()
            },
            "in:trash priority:urgent refund",
        ),
        (
            ws(Preset::AgentWorkspace),
            Filter {
                priorities: vec![Priority::Urgent],
                scope: Scope::Active,
                ..Filter::default()
            },
            "priority:urgent",
        ),
    ];
    for (ws, filter, expected) in cases {
        // Exec
        let printed = print(&filter, &ws);
        // Check
        assert_eq!(printed, expected);
        assert_eq!(parse(&printed, &ws), Ok(filter));
    }
}

#[test]
fn errors_point_at_the_column_and_say_what_was_expected() {
    use Preset::{AgentWorkspace as Aw, Conversations as Cv, SupportModule as Sm};
    let cases: Vec<(Preset, &str, usize, &str)> = vec![
        (
            Aw,
            "status:bogus",
            8,
            r#"no status named "bogus"; expected one of New, Open, Pending, On-hold, Solved, Closed"#,
        ),
        (
            Sm,
            "status:progress",
            8,
            r#"expected one of Open, "In Progress", Waiting"#,
        ),
        (
            Aw,
            "foo:bar",
            1,
            r#"unknown filter "foo"; expected in, status, category, priority, type, channel, assignee, team, tag, sla, created, updated, completed_in, unassigned, email, phone, ref, show"#,
        ),
        (
            Aw,
            "created:>",
            9,
            r#"expected a date like 2026-01-31 after "created:>""#,
        ),
        (
            Aw,
            "created:>bogus",
            10,
            r#"expected a date like 2026-01-31 after "created:>""#,
        ),
        (Aw, "tag:\"abc", 5, "unterminated quote"),
        (Aw, "\"refund", 1, "unterminated quote"),
        (Aw, "\"a\\\"", 1, "unterminated quote"),
        (Aw, "status:", 8, r#"expected a value after "status:""#),
        (
            Aw,
            "status:open,",
            13,
            r#"expected a value after "status:open,""#,
        ),
        (Aw, "status:,open", 8, "expected a value after"),
        (Aw, ":::", 1, "expected a filter name before \":\""),
        (Aw, "x :", 3, "expected a filter name"),
        (Aw, "status:a:b", 9, r#"unexpected ":" in a value"#),
        (Aw, "refund\"x\"", 7, "a quote cannot start inside a word"),
        (
            Aw,
            "\"refund\"x",
            9,
            "expected a space after the closing quote",
        ),
        (Aw, "status:\"open\"x", 14, "expected a comma or a space"),
        (
            Aw,
            "status:op\"en\"",
            10,
            "a quote cannot start inside a value",
        ),
        (
            Aw,
            "created:2026-02-30",
            9,
            "2026-02-30 is not a day on the calendar",
        ),
        (
            Aw,
            "created:2026-01-01..2026-13-01",
            21,
            "2026-13-01 is not a day on the calendar",
        ),
        (
            Aw,
            "created:2026-01-01..x",
            21,
            r#"after "created:2026-01-01..""#,
        ),
        (Aw, "created:..", 9, "expected a date on at least one side"),
        (Aw, "created:26-01-01", 9, "expected a date like 2026-01-31"),
        (
            Aw,
            "created:99999999999-01-01",
            9,
            "is not a day on the calendar",
        ),
        (
            Aw,
            "created:2026-01-01 created:2026-02-01",
            20,
            "created is already given at column 1; write one range instead",
        ),
        (
            Aw,
            "updated:2026-01-01,2026-02-01",
            20,
            "updated takes one value",
        ),
        (Aw, "completed_in:90", 14, "expected a unit after 90"),
        (Aw, "completed_in:<", 14, "expected a duration like 30m"),
        (Aw, "completed_in:2y", 14, "expected a duration like 30m"),
        (Aw, "unassigned:<0s", 13, "no duration is shorter than 0s"),
        (
            Aw,
            "unassigned:99999999999999999999h",
            12,
            "too long a duration",
        ),
        (
            Aw,
            "unassigned:>9223372036854775807s",
            13,
            "no duration is longer",
        ),
        (Aw, "unassigned:1h..2x", 16, r#"after "unassigned:1h..""#),
        (Aw, "unassigned:..", 12, "at least one side"),
        (
            Aw,
            "email:a email:b",
            9,
            "email is already given at column 1",
        ),
        (Aw, "email:a,b", 9, "email takes one value"),
        (
            Aw,
            "category:later",
            10,
            "no status category named \"later\"",
        ),
        (
            Aw,
            "priority:p1",
            10,
            "expected one of urgent, high, medium, low",
        ),
        (
            Aw,
            "channel:fax",
            9,
            "portal, email, phone, chat, api, widget, manual",
        ),
        (
            Aw,
            "sla:late",
            5,
            "on_track, warning, breached, paused, overdue",
        ),
        (
            Aw,
            "type:question",
            6,
            r#""Support Ticket", "Customer Request""#,
        ),
        (
            Aw,
            "assignee:zed",
            10,
            r#"no agent named "zed"; expected one of me, none, Ana, Bruno, Carla"#,
        ),
        (
            Aw,
            "team:sales",
            6,
            "expected one of none, Billing, Technical",
        ),
        (Aw, "tag:nope", 5, "expected one of tag0, tag1"),
        (Aw, "tag:nope", 5, "and 3 more"),
        (Aw, "show:everything", 6, "expected show:completed"),
        (
            Aw,
            "in:spam",
            4,
            r#"no place named "spam"; expected one of active, archived, snoozed, trash"#,
        ),
        (Aw, "in:", 4, r#"expected a value after "in:""#),
        (
            Aw,
            "in:archived in:trash",
            13,
            "in is already given at column 1; a ticket is in one place at a time",
        ),
        (Aw, "in:archived,trash", 13, "in takes one value"),
        (Cv, "status:OPEN", 8, "2 statuses are labelled \"OPEN\""),
        // Columns count characters, not bytes.
        (Aw, "é🙂 status:bogus", 11, "no status named"),
    ];
    for (preset, query, column, phrase) in cases {
        // Setup
        let ws = ws(preset);
        // Exec
        let err = parse(query, &ws).unwrap_err();
        // Check
        assert_eq!(err.column, column, "{query}: {err}");
        assert!(err.message.contains(phrase), "{query}: {err}");
    }
}

#[test]
fn the_calendar_ends_are_reported() {
    // Setup
    let ws = ws(Preset::AgentWorkspace);
    let (first, last) = (date_text(NaiveDate::MIN), date_text(NaiveDate::MAX));
    let cases = [
        (
            format!("created:>{last}"),
            format!("there is no day after {last}"),
        ),
        (
            format!("created:<{first}"),
            format!("there is no day before {first}"),
        ),
    ];
    for (query, phrase) in cases {
        // Exec
        let err = parse(&query, &ws).unwrap_err();
        // Check
        assert_eq!(err.column, 10, "{query}: {err}");
        assert!(err.message.contains(&phrase), "{query}: {err}");
    }
    // Check: the ends themselves are fine.
    let filter = parse(&format!("created:{first}..{last}"), &ws).unwrap();
    assert_eq!(filter.created.from, Some(NaiveDate::MIN));
    assert_eq!(filter.created.to, Some(NaiveDate::MAX));
}

#[test]
fn ambiguous_names_ask_for_something_unique() {
    // Setup
    let ws = tricky();
    let cases = [
        (
            "assignee:\"ana silva\"",
            "write the email of the one you mean",
        ),
        (
            "assignee:twin@example.test",
            "write the id of the one you mean",
        ),
        ("team:SUPPORT", "3 teams are named"),
        ("type:BUG", "write it with the same capitals"),
        (
            "status:TWIN",
            "write the id of the one you mean: twin_a, twin_b",
        ),
    ];
    for (query, phrase) in cases {
        // Exec
        let err = parse(query, &ws).unwrap_err();
        // Check
        assert!(err.message.contains(phrase), "{query}: {err}");
    }
    // An exact spelling or a unique first name still resolves.
    let filter = parse("team:support type:bug assignee:ana,none", &ws).unwrap();
    assert_eq!(filter.teams, vec![Some(Uuid::from_u128(0x7E04))]);
    assert_eq!(filter.types, vec!["bug".to_owned()]);
    assert_eq!(filter.assignees, vec![Who::Agent(ANA), Who::Nobody]);
}

#[test]
fn errors_display_with_their_column() {
    let err = parse("status:", &ws(Preset::AgentWorkspace)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"column 8: expected a value after "status:""#
    );
    let _: &dyn std::error::Error = &err;
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn workspaces() -> Vec<Workspace> {
        let mut all: Vec<Workspace> = Preset::ALL.into_iter().map(ws).collect();
        all.push(tricky());
        all
    }

    /// Some of `items`, each at most once, in any order.
    fn some<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = Vec<T>> {
        let n = items.len();
        prop::sample::subsequence(items, 0..=n).prop_shuffle()
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        let (lo, hi) = (
            NaiveDate::MIN.num_days_from_ce(),
            NaiveDate::MAX.num_days_from_ce(),
        );
        prop_oneof![
            lo..=hi,
            Just(lo),
            Just(hi),
            day(2025, 1, 1).num_days_from_ce()..day(2027, 1, 1).num_days_from_ce(),
        ]
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    fn date_range() -> impl Strategy<Value = DateRange> {
        prop_oneof![
            Just(DateRange::default()),
            (prop::option::of(date()), prop::option::of(date()))
                .prop_map(|(from, to)| DateRange { from, to }),
            date().prop_map(|d| DateRange {
                from: Some(d),
                to: Some(d)
            }),
        ]
    }

    fn seconds() -> impl Strategy<Value = i64> {
        prop_oneof![
            0..=i64::MAX,
            Just(0),
            Just(i64::MAX),
            (0i64..1_000).prop_map(|n| n * 60),
            (0i64..1_000).prop_map(|n| n * 86_400),
            0i64..100_000,
        ]
    }

    fn duration_range() -> impl Strategy<Value = Option<DurationRange>> {
        prop::option::of(
            (prop::option::of(seconds()), prop::option::of(seconds()))
                .prop_map(|(min, max)| DurationRange { min, max }),
        )
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z0-9]{1,8}", any::<String>(), r#"[ "\\:,a\t.>=-]{0,6}"#,]
    }

    fn filter(ws: Workspace) -> impl Strategy<Value = Filter> {
        let statuses = some(ws.statuses.iter().map(|s| s.id.clone()).collect());
        let mut agents = vec![Who::Me, Who::Nobody, Who::Agent(Uuid::from_u128(0xDEAD))];
        agents.extend(ws.agents.iter().map(|a| Who::Agent(a.id)));
        let mut teams = vec![None, Some(Uuid::from_u128(0xBEEF))];
        teams.extend(ws.teams.iter().map(|t| Some(t.id)));
        let tags: Vec<Uuid> = ws.tags.iter().map(|t| t.id).collect();
        let group = (
            prop::sample::subsequence(tags.clone(), 1..=4),
            any::<bool>(),
        )
            .prop_map(|(mut group, reverse)| {
                if reverse {
                    group.reverse();
                }
                group
            });
        (
            (
                statuses,
                some(StatusCategory::ALL.to_vec()),
                some(Priority::ALL.to_vec()),
                some(ws.ticket_types.clone()),
                some(Channel::ALL.to_vec()),
                some(agents),
                some(teams),
                prop::collection::vec(group, 0..3),
                some(SlaFilter::ALL.to_vec()),
            ),
            (
                date_range(),
                date_range(),
                duration_range(),
                duration_range(),
                prop::option::of(text()),
                prop::option::of(text()),
                prop::option::of(text()),
                prop::collection::vec(text(), 0..4),
                any::<bool>(),
                prop::sample::select(Scope::ALL.to_vec()),
            ),
        )
            .prop_map(
                |(
                    (
                        statuses,
                        categories,
                        priorities,
                        types,
                        channels,
                        assignees,
                        teams,
                        tags,
                        sla,
                    ),
                    (
                        created,
                        updated,
                        time_to_complete,
                        time_unassigned,
                        email,
                        phone,
                        reference,
                        text,
                        show_completed,
                        scope,
                    ),
                )| Filter {
                    statuses,
                    categories,
                    priorities,
                    types,
                    channels,
                    assignees,
                    teams,
                    tags,
                    sla,
                    created,
                    updated,
                    time_to_complete,
                    time_unassigned,
                    email,
                    phone,
                    reference,
                    text,
                    show_completed,
                    scope,
                },
            )
    }

    fn workspace_and_filter() -> impl Strategy<Value = (Workspace, Filter)> {
        prop::sample::select(workspaces()).prop_flat_map(|ws| (Just(ws.clone()), filter(ws)))
    }

    /// Query-ish text: fragments that stress the tokenizer, glued together.
    fn query() -> impl Strategy<Value = String> {
        let fragment = prop_oneof![
            prop::sample::select(vec![
                "status:",
                "tag:",
                "created:",
                "completed_in:",
                "assignee:",
                "email:",
                "show:",
                "team:",
                "in:",
                "archived",
                "trash",
                "\"",
                "\\",
                ",",
                ",,",
                ":",
                ":::",
                "..",
                ">=",
                "<",
                ">",
                " ",
                "\t",
                "open",
                "In Progress",
                "2026-01-31",
                "-0001-01-01",
                "+262143-12-31",
                "2h",
                "90",
                "99999999999999999999",
                "me",
                "none",
                "any",
                "é",
                "🙂",
                "\u{2028}",
                "\u{85}",
                "\u{0}",
                "İ",
            ])
            .prop_map(str::to_owned),
            any::<String>(),
            "[a-z]{1,6}",
        ];
        prop::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Printing and parsing back gives the same filter.
        #[test]
        fn print_then_parse_round_trips((ws, filter) in workspace_and_filter()) {
            let printed = print(&filter, &ws);
            prop_assert_eq!(parse(&printed, &ws), Ok(filter), "{}", printed);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Any input parses or errors inside it; whatever parses prints back to the same filter.
        #[test]
        fn parse_never_panics(
            ws in prop::sample::select(workspaces()),
            input in prop_oneof![query(), any::<String>()],
        ) {
            match parse(&input, &ws) {
                Ok(filter) => {
                    let printed = print(&filter, &ws);
                    prop_assert_eq!(parse(&printed, &ws), Ok(filter), "{}", printed);
                }
                Err(err) => {
                    prop_assert!(err.column >= 1);
                    prop_assert!(err.column <= input.chars().count() + 1, "{}", err);
                }
            }
        }
    }
}

#[test]
fn long_input_is_read_quickly() {
    // Setup
    let ws = ws(Preset::AgentWorkspace);
    let many_values = format!("status:{}open", "pending,".repeat(100_000));
    let many_terms = "tag:tag1 refund ".repeat(50_000);
    let lone_quotes = "\"".repeat(100_001);
    let long_word = "é".repeat(200_000);
    // Exec
    let started = std::time::Instant::now();
    let values = parse(&many_values, &ws).unwrap();
    let terms = parse(&many_terms, &ws).unwrap();
    let quotes = parse(&lone_quotes, &ws).unwrap_err();
    let word = parse(&format!("{long_word}:x"), &ws).unwrap_err();
    // Check
    assert_eq!(values.statuses, ids(&["pending", "open"]));
    assert_eq!(terms.tags.len(), 50_000);
    assert_eq!(terms.text.len(), 50_000);
    assert_eq!(quotes.column, 3);
    assert!(
        quotes
            .message
            .contains("expected a space after the closing quote")
    );
    assert_eq!(word.column, 1);
    assert!(word.message.len() < 300, "{word}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn messages_cut_long_values_short() {
    // Setup
    let ws = ws(Preset::AgentWorkspace);
    let long = "x".repeat(10_000);
    for key in [
        "status",
        "type",
        "assignee",
        "team",
        "tag",
        "created",
        "unassigned",
        "show",
        "in",
    ] {
        // Exec
        let err = parse(&format!("{key}:{long}"), &ws).unwrap_err();
        // Check
        assert!(err.message.len() < 400, "{key}: {err}");
        let echoes = !matches!(key, "created" | "unassigned");
        assert!(!echoes || err.message.contains("xxx…"), "{key}: {err}");
    }
}
