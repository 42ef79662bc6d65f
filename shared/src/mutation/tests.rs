use super::*;
use crate::fixtures::{self, ANA, BILLING, BRUNO, CARLA, TECHNICAL, at, tag};
use crate::preset::Preset;
use crate::workspace::{FieldDef, FieldValue};

struct World {
    ws: Workspace,
    ticket: Ticket,
}

impl World {
    fn new() -> World {
        World::with_preset(Preset::SupportModule)
    }

    fn with_preset(preset: Preset) -> World {
        let ws = fixtures::workspace(preset);
        let (ticket, _) = fixtures::ticket(&ws, Uuid::from_u128(1));
        World { ws, ticket }
    }

    /// Applies `m` as `who` at minute `minute`, folding the events into the ticket.
    fn run(&mut self, who: Uuid, minute: i64, m: Mutation) -> Result<Vec<Event>, Rejection> {
        let actor = fixtures::actor(&self.ws, who);
        let ctx = Context {
            actor: &actor,
            workspace: &self.ws,
            now: at(minute),
        };
        let events = apply(Some(&self.ticket), &m, &ctx)?;
        for e in &events {
            self.ticket.apply_event(e);
        }
        Ok(events)
    }

    fn id(&self) -> Uuid {
        self.ticket.id
    }

    fn status(&self) -> &str {
        self.ticket.status.as_str()
    }
}

#[test]
fn start_takes_the_ticket_and_opens_it() {
    // Setup
    let mut w = World::new();
    assert_eq!(w.status(), "open");
    // Exec
    let events = w
        .run(ANA, 5, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    // Check
    assert_eq!(events.len(), 2);
    assert_eq!(w.ticket.assignee, Some(ANA));
    assert_eq!(w.ticket.assigned_at, Some(at(5)));
    assert_eq!(w.status(), "in_progress");
}

#[test]
fn start_of_a_ticket_someone_else_holds_names_them_and_the_time() {
    let mut w = World::new();
    w.run(ANA, 41, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    let err = w
        .run(BRUNO, 50, Mutation::Start { ticket_id: w.id() })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 was started by Ana at 09:41 UTC; ask Ana to release it, or add a note."
    );
    assert_eq!(w.ticket.assignee, Some(ANA));
}

#[test]
fn starting_your_own_ticket_again_changes_nothing() {
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    let events = w
        .run(ANA, 2, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    assert!(events.is_empty());
}

#[test]
fn release_returns_the_ticket_to_the_queue() {
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    w.run(ANA, 2, Mutation::Release { ticket_id: w.id() })
        .unwrap();
    assert_eq!(w.ticket.assignee, None);
    assert_eq!(w.status(), "open");
}

#[test]
fn only_the_holder_or_a_leader_can_release() {
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    let err = w
        .run(BRUNO, 2, Mutation::Release { ticket_id: w.id() })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Only Ana, who holds ticket TKT-0001, or a team leader can release it."
    );
    w.run(CARLA, 3, Mutation::Release { ticket_id: w.id() })
        .unwrap();
    assert_eq!(w.ticket.assignee, None);
    let err = w
        .run(ANA, 4, Mutation::Release { ticket_id: w.id() })
        .unwrap_err();
    assert!(matches!(err, Rejection::NotHeld { .. }));
}

#[test]
fn status_changes_record_history_and_solved_time() {
    let mut w = World::new();
    let status = |s: &str| StatusId::new(s);
    w.run(
        ANA,
        10,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: status("waiting"),
        },
    )
    .unwrap();
    w.run(
        ANA,
        20,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: status("resolved"),
        },
    )
    .unwrap();
    assert_eq!(w.ticket.solved_at, Some(at(20)));
    assert_eq!(
        w.ticket.status_history.get(&status("waiting")),
        Some(&at(10))
    );
    let err = w
        .run(
            ANA,
            21,
            Mutation::SetStatus {
                ticket_id: w.id(),
                status: status("nope"),
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "There is no status \"nope\" in this workspace."
    );
}

#[test]
fn a_closed_ticket_takes_only_internal_notes() {
    let mut w = World::new();
    w.run(
        ANA,
        1,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("closed"),
        },
    )
    .unwrap();
    let err = w
        .run(
            ANA,
            2,
            Mutation::SetPriority {
                ticket_id: w.id(),
                priority: Priority::High,
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 is closed; open a follow-up ticket instead."
    );
    let note = Mutation::Reply {
        ticket_id: w.id(),
        message_id: Uuid::from_u128(9),
        visibility: Visibility::Internal,
        body: "Customer called again.".into(),
    };
    assert_eq!(w.run(ANA, 3, note).unwrap().len(), 1);
}

#[test]
fn mandatory_field_blocks_solving_in_service_desk() {
    let mut w = World::with_preset(Preset::ServiceDesk);
    let solve = || Mutation::SetStatus {
        ticket_id: Uuid::from_u128(1),
        status: StatusId::new("concluded"),
    };
    let err = w.run(ANA, 1, solve()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Fill in \"Service type\" before marking ticket TKT-0001 Concluded."
    );
    let wrong = Mutation::SetField {
        ticket_id: w.id(),
        field: "service_type".into(),
        value: Some(FieldValue::Text("Fishing".into())),
    };
    let err = w.run(ANA, 2, wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"Service type\" must be one of: Repair, Question."
    );
    let right = Mutation::SetField {
        ticket_id: w.id(),
        field: "service_type".into(),
        value: Some(FieldValue::Text("Repair".into())),
    };
    w.run(ANA, 3, right).unwrap();
    w.run(ANA, 4, solve()).unwrap();
    assert_eq!(w.status(), "concluded");
}

#[test]
fn public_reply_sets_first_response_but_a_note_does_not() {
    let mut w = World::new();
    let reply = |n: u128, visibility, body: &str| Mutation::Reply {
        ticket_id: Uuid::from_u128(1),
        message_id: Uuid::from_u128(n),
        visibility,
        body: body.into(),
    };
    w.run(
        ANA,
        5,
        reply(10, Visibility::Internal, "Checking the ledger"),
    )
    .unwrap();
    assert_eq!(w.ticket.first_response_at, None);
    w.run(ANA, 9, reply(11, Visibility::Public, "  Refund issued.  "))
        .unwrap();
    assert_eq!(w.ticket.first_response_at, Some(at(9)));
    assert_eq!(w.ticket.message_count, 2);
}

#[test]
fn note_length_is_limited_to_500_characters() {
    let mut w = World::new();
    let note = |body: String| Mutation::Reply {
        ticket_id: Uuid::from_u128(1),
        message_id: Uuid::from_u128(2),
        visibility: Visibility::Internal,
        body,
    };
    // 500 multi-byte characters are fine: the limit counts characters, not bytes.
    assert!(w.run(ANA, 1, note("é".repeat(500))).is_ok());
    let err = w.run(ANA, 2, note("x".repeat(501))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The note is 501 characters long; the limit is 500."
    );
    let err = w.run(ANA, 3, note("   ".into())).unwrap_err();
    assert_eq!(err.to_string(), "The note cannot be empty.");
}

#[test]
fn ten_tags_at_most_and_adding_twice_is_a_no_op() {
    let mut w = World::new();
    for i in 0..10 {
        w.run(
            ANA,
            1,
            Mutation::AddTag {
                ticket_id: w.id(),
                tag: tag(i),
            },
        )
        .unwrap();
    }
    let again = w
        .run(
            ANA,
            2,
            Mutation::AddTag {
                ticket_id: w.id(),
                tag: tag(3),
            },
        )
        .unwrap();
    assert!(again.is_empty());
    let err = w
        .run(
            ANA,
            3,
            Mutation::AddTag {
                ticket_id: w.id(),
                tag: tag(10),
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 already has 10 tags, the most a ticket can have; remove one first."
    );
    w.run(
        ANA,
        4,
        Mutation::RemoveTag {
            ticket_id: w.id(),
            tag: tag(0),
        },
    )
    .unwrap();
    w.run(
        ANA,
        5,
        Mutation::AddTag {
            ticket_id: w.id(),
            tag: tag(10),
        },
    )
    .unwrap();
    assert_eq!(w.ticket.tags.len(), 10);
    let err = w
        .run(
            ANA,
            6,
            Mutation::AddTag {
                ticket_id: w.id(),
                tag: Uuid::from_u128(404),
            },
        )
        .unwrap_err();
    assert_eq!(err, Rejection::UnknownTag);
}

#[test]
fn assign_team_and_edits_validate_their_arguments() {
    let mut w = World::new();
    w.run(
        CARLA,
        1,
        Mutation::Assign {
            ticket_id: w.id(),
            agent: Some(BRUNO),
        },
    )
    .unwrap();
    assert_eq!(w.ticket.assignee, Some(BRUNO));
    let err = w
        .run(
            CARLA,
            2,
            Mutation::Assign {
                ticket_id: w.id(),
                agent: Some(Uuid::from_u128(77)),
            },
        )
        .unwrap_err();
    assert_eq!(err, Rejection::UnknownAgent);
    w.run(
        CARLA,
        3,
        Mutation::SetTeam {
            ticket_id: w.id(),
            team: Some(TECHNICAL),
        },
    )
    .unwrap();
    assert_eq!(w.ticket.team, Some(TECHNICAL));
    let err = w
        .run(
            CARLA,
            4,
            Mutation::EditTitle {
                ticket_id: w.id(),
                title: " ".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "The title cannot be empty.");
    w.run(
        CARLA,
        5,
        Mutation::EditTitle {
            ticket_id: w.id(),
            title: "Double charge".into(),
        },
    )
    .unwrap();
    w.run(
        CARLA,
        6,
        Mutation::EditDescription {
            ticket_id: w.id(),
            description: "Twice.".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (w.ticket.title.as_str(), w.ticket.description.as_str()),
        ("Double charge", "Twice.")
    );
    assert_eq!(w.ticket.updated_at, at(6));
}

#[test]
fn create_twice_is_refused_and_create_validates() {
    let w = World::new();
    let ana = fixtures::actor(&w.ws, ANA);
    let ctx = Context {
        actor: &ana,
        workspace: &w.ws,
        now: at(0),
    };
    let err = apply(Some(&w.ticket), &fixtures::create(w.id()), &ctx).unwrap_err();
    assert!(matches!(err, Rejection::AlreadyExists { .. }));
    let mut bad = fixtures::create(Uuid::from_u128(2));
    if let Mutation::Create {
        ticket_type, team, ..
    } = &mut bad
    {
        *ticket_type = "Complaint".into();
        *team = Some(BILLING);
    }
    let err = apply(None, &bad, &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"Complaint\" is not a ticket type of this workspace."
    );
    let err = apply(
        None,
        &Mutation::Start {
            ticket_id: Uuid::from_u128(3),
        },
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err, Rejection::TicketNotFound);
}

#[test]
fn customers_cannot_work_tickets() {
    let w = World::new();
    let customer = fixtures::customer();
    let ctx = Context {
        actor: &customer,
        workspace: &w.ws,
        now: at(1),
    };
    let err = apply(
        Some(&w.ticket),
        &Mutation::Start { ticket_id: w.id() },
        &ctx,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "You cannot use \"start\" on a ticket: it needs an agent account."
    );
}

#[test]
fn a_customer_reply_reopens_a_waiting_ticket_but_customers_cannot_write_notes() {
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    w.run(
        ANA,
        2,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("waiting"),
        },
    )
    .unwrap();
    let customer = fixtures::customer();
    let reply = |visibility| Mutation::Reply {
        ticket_id: Uuid::from_u128(1),
        message_id: Uuid::from_u128(3),
        visibility,
        body: "Here is the receipt.".into(),
    };
    let ctx = Context {
        actor: &customer,
        workspace: &w.ws,
        now: at(3),
    };
    let events = apply(Some(&w.ticket), &reply(Visibility::Public), &ctx).unwrap();
    for e in &events {
        w.ticket.apply_event(e);
    }
    assert_eq!(w.status(), "in_progress");
    assert_eq!(
        w.ticket.first_response_at, None,
        "a customer message is not a response"
    );
    let err = apply(Some(&w.ticket), &reply(Visibility::Internal), &ctx).unwrap_err();
    assert!(matches!(err, Rejection::NotPermitted { .. }));
    let stranger = Actor {
        id: Uuid::from_u128(0xC2),
        name: "Eve".into(),
        role: Role::Customer,
    };
    let ctx = Context {
        actor: &stranger,
        workspace: &w.ws,
        now: at(4),
    };
    assert!(apply(Some(&w.ticket), &reply(Visibility::Public), &ctx).is_err());
}

#[test]
fn start_refuses_a_ticket_someone_else_holds_in_any_status() {
    let mut w = World::new();
    w.run(
        CARLA,
        1,
        Mutation::Assign {
            ticket_id: w.id(),
            agent: Some(BRUNO),
        },
    )
    .unwrap();
    assert_eq!(w.status(), "open", "assigned but not started");
    let err = w
        .run(ANA, 2, Mutation::Start { ticket_id: w.id() })
        .unwrap_err();
    assert!(
        matches!(err, Rejection::HeldBy { ref holder, .. } if holder == "Bruno"),
        "{err}"
    );
    w.run(BRUNO, 3, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    w.run(
        BRUNO,
        4,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("waiting"),
        },
    )
    .unwrap();
    assert!(
        w.run(ANA, 5, Mutation::Start { ticket_id: w.id() })
            .is_err(),
        "still Bruno's while waiting"
    );
}

#[test]
fn blank_or_cleared_mandatory_fields_do_not_count() {
    let mut w = World::with_preset(Preset::ServiceDesk);
    let set = |value: Option<&str>| Mutation::SetField {
        ticket_id: Uuid::from_u128(1),
        field: "service_type".into(),
        value: value.map(|v| FieldValue::Text(v.into())),
    };
    // Blank text is stored as "no value", so solving is still refused.
    if let Some(FieldDef {
        kind: crate::FieldKind::Select { options },
        ..
    }) = w.ws.fields.first_mut()
    {
        options.push(" ".into());
    }
    w.run(ANA, 1, set(Some(" "))).unwrap();
    assert!(w.ticket.fields.is_empty());
    let solve = Mutation::SetStatus {
        ticket_id: w.id(),
        status: StatusId::new("concluded"),
    };
    assert!(matches!(
        w.run(ANA, 2, solve.clone()),
        Err(Rejection::RequiredFieldMissing { .. })
    ));
    w.run(ANA, 3, set(Some("Repair"))).unwrap();
    w.run(ANA, 4, solve).unwrap();
    let err = w.run(ANA, 5, set(None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"Service type\" is required while ticket TKT-0001 is Concluded; reopen it to clear the field."
    );
}

#[test]
fn customers_open_tickets_only_for_themselves() {
    let w = World::new();
    let customer = fixtures::customer();
    let ctx = Context {
        actor: &customer,
        workspace: &w.ws,
        now: at(0),
    };
    assert!(apply(None, &fixtures::create(Uuid::from_u128(5)), &ctx).is_ok());
    let stranger = Actor {
        id: Uuid::from_u128(0xC2),
        name: "Eve".into(),
        role: Role::Customer,
    };
    let ctx = Context {
        actor: &stranger,
        workspace: &w.ws,
        now: at(0),
    };
    let err = apply(None, &fixtures::create(Uuid::from_u128(6)), &ctx).unwrap_err();
    assert_eq!(err, Rejection::RequesterMismatch);
}

#[test]
fn mutations_use_the_wire_format_of_the_sync_protocol() {
    let m = Mutation::SetPriority {
        ticket_id: Uuid::from_u128(1),
        priority: Priority::Urgent,
    };
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["name"], "set_priority");
    assert_eq!(json["args"]["priority"], "urgent");
    let back: Mutation = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
    let unknown = serde_json::json!({"name": "set_priority", "args": {"ticket_id": Uuid::from_u128(1), "priority": "low", "colour": 1}});
    assert!(serde_json::from_value::<Mutation>(unknown).is_err());
    let id = Uuid::from_u128(1);
    let filing = [
        (
            serde_json::json!({"name": "archive", "args": {"ticket_id": id, "archived": true}}),
            Mutation::Archive {
                ticket_id: id,
                archived: true,
            },
        ),
        (
            serde_json::json!({"name": "snooze", "args": {"ticket_id": id, "until": "2026-03-09T09:00:00Z"}}),
            Mutation::Snooze {
                ticket_id: id,
                until: Some(at(7 * 24 * 60)),
            },
        ),
        (
            serde_json::json!({"name": "snooze", "args": {"ticket_id": id, "until": null}}),
            Mutation::Snooze {
                ticket_id: id,
                until: None,
            },
        ),
        (
            serde_json::json!({"name": "set_trash", "args": {"ticket_id": id, "trash": "spam"}}),
            Mutation::SetTrash {
                ticket_id: id,
                trash: Some(Trash::Spam),
            },
        ),
        (
            serde_json::json!({"name": "set_trash", "args": {"ticket_id": id, "trash": null}}),
            Mutation::SetTrash {
                ticket_id: id,
                trash: None,
            },
        ),
    ];
    for (json, m) in filing {
        assert_eq!(serde_json::from_value::<Mutation>(json.clone()).unwrap(), m);
        assert_eq!(serde_json::to_value(&m).unwrap(), json);
        assert_eq!(json["name"], m.name());
    }
}

fn solve(w: &mut World, minute: i64) {
    w.run(
        ANA,
        minute,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("resolved"),
        },
    )
    .unwrap();
}

fn archive(w: &World, archived: bool) -> Mutation {
    Mutation::Archive {
        ticket_id: w.id(),
        archived,
    }
}

fn snooze(w: &World, until: Option<i64>) -> Mutation {
    Mutation::Snooze {
        ticket_id: w.id(),
        until: until.map(at),
    }
}

fn set_trash(w: &World, trash: Option<Trash>) -> Mutation {
    Mutation::SetTrash {
        ticket_id: w.id(),
        trash,
    }
}

#[test]
fn only_completed_tickets_are_archived_and_archiving_twice_changes_nothing() {
    // Setup
    let mut w = World::new();
    // Exec
    let err = w.run(ANA, 1, archive(&w, true)).unwrap_err();
    // Check
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 is not solved or closed; only completed tickets can be archived."
    );
    assert!(!w.ticket.archived);
    assert!(
        w.run(ANA, 2, archive(&w, false)).unwrap().is_empty(),
        "unarchiving a ticket that is not archived changes nothing"
    );
    solve(&mut w, 3);
    let events = w.run(ANA, 4, archive(&w, true)).unwrap();
    assert_eq!(
        events.iter().map(|e| &e.kind).collect::<Vec<_>>(),
        [&EventKind::ArchiveChanged { archived: true }]
    );
    assert!(w.ticket.archived);
    assert!(w.run(ANA, 5, archive(&w, true)).unwrap().is_empty());
    w.run(ANA, 6, archive(&w, false)).unwrap();
    assert!(!w.ticket.archived);
    assert_eq!(w.status(), "resolved", "unarchiving keeps the status");
}

#[test]
fn a_closed_ticket_can_still_be_archived_binned_and_woken() {
    // Setup
    let mut w = World::new();
    w.run(ANA, 1, snooze(&w, Some(600))).unwrap();
    w.run(
        ANA,
        2,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("closed"),
        },
    )
    .unwrap();
    // Exec + Check: filing away is not working on the ticket.
    assert_eq!(w.ticket.snoozed_until, None, "closing ends the snooze");
    w.run(ANA, 3, archive(&w, true)).unwrap();
    w.run(ANA, 4, set_trash(&w, Some(Trash::Deleted))).unwrap();
    assert!(w.run(ANA, 5, snooze(&w, None)).unwrap().is_empty());
    assert!(w.ticket.archived && w.ticket.trash == Some(Trash::Deleted));
    let err = w.run(ANA, 6, snooze(&w, Some(600))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 is solved or closed; only tickets still being worked on can be snoozed."
    );
    let err = w
        .run(
            ANA,
            7,
            Mutation::SetPriority {
                ticket_id: w.id(),
                priority: Priority::High,
            },
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::Closed { .. }), "{err}");
}

#[test]
fn a_snooze_ends_at_a_later_time_or_when_woken() {
    // Setup
    let mut w = World::new();
    // Exec: the past and the present are not later.
    let past = w.run(ANA, 10, snooze(&w, Some(5))).unwrap_err();
    let now = w.run(ANA, 10, snooze(&w, Some(10))).unwrap_err();
    // Check
    assert_eq!(
        past.to_string(),
        "Ticket TKT-0001 cannot be snoozed until 2026-03-02 09:05 UTC: that time has passed; pick a later one."
    );
    assert!(
        matches!(now, Rejection::SnoozeInThePast { until, .. } if until == at(10)),
        "{now}"
    );
    let events = w.run(ANA, 10, snooze(&w, Some(24 * 60))).unwrap();
    assert_eq!(
        events.iter().map(|e| &e.kind).collect::<Vec<_>>(),
        [&EventKind::SnoozeChanged {
            until: Some(at(24 * 60))
        }]
    );
    assert_eq!(w.ticket.snoozed_until, Some(at(24 * 60)));
    assert!(
        w.run(ANA, 11, snooze(&w, Some(24 * 60)))
            .unwrap()
            .is_empty(),
        "the same snooze again changes nothing"
    );
    w.run(ANA, 12, snooze(&w, Some(48 * 60))).unwrap();
    assert_eq!(w.ticket.snoozed_until, Some(at(48 * 60)));
    w.run(ANA, 13, snooze(&w, None)).unwrap();
    assert_eq!(w.ticket.snoozed_until, None);
    assert!(w.run(ANA, 14, snooze(&w, None)).unwrap().is_empty());
    assert_eq!(w.status(), "open", "a snooze leaves the status alone");
}

#[test]
fn reopening_leaves_the_archive_and_completing_ends_the_snooze() {
    // Setup
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    w.run(ANA, 2, snooze(&w, Some(600))).unwrap();
    // Exec
    solve(&mut w, 3);
    // Check
    assert_eq!(w.ticket.snoozed_until, None);
    // Exec: archived, then taken again (Start moves it back to an Open status).
    w.run(ANA, 4, archive(&w, true)).unwrap();
    let events = w
        .run(ANA, 5, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    // Check
    assert_eq!(w.status(), "in_progress");
    assert!(!w.ticket.archived);
    assert!(matches!(
        events.last().map(|e| &e.kind),
        Some(EventKind::ArchiveChanged { archived: false })
    ));
    // Moving between completed statuses keeps it archived.
    w.run(
        ANA,
        6,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("resolved"),
        },
    )
    .unwrap();
    w.run(ANA, 7, archive(&w, true)).unwrap();
    w.run(
        ANA,
        8,
        Mutation::SetStatus {
            ticket_id: w.id(),
            status: StatusId::new("closed"),
        },
    )
    .unwrap();
    assert!(w.ticket.archived);
}

#[test]
fn a_customer_message_wakes_a_snoozed_ticket_and_takes_a_solved_one_out_of_the_archive() {
    // Setup
    let mut w = World::new();
    w.run(ANA, 1, Mutation::Start { ticket_id: w.id() })
        .unwrap();
    w.run(ANA, 2, snooze(&w, Some(600))).unwrap();
    let customer = fixtures::customer();
    let reply = |n: u128| Mutation::Reply {
        ticket_id: Uuid::from_u128(1),
        message_id: Uuid::from_u128(n),
        visibility: Visibility::Public,
        body: "Any news?".into(),
    };
    let customer_writes = |w: &mut World, minute: i64, n: u128| {
        let ctx = Context {
            actor: &customer,
            workspace: &w.ws,
            now: at(minute),
        };
        let events = apply(Some(&w.ticket), &reply(n), &ctx).unwrap();
        for e in &events {
            w.ticket.apply_event(e);
        }
        events
    };
    // Exec
    let events = customer_writes(&mut w, 3, 10);
    // Check
    assert_eq!(w.ticket.snoozed_until, None);
    assert_eq!(w.status(), "in_progress");
    assert!(events.iter().all(|e| e.actor == Some(fixtures::CUSTOMER)));
    // Exec: a snooze already over is not woken again.
    w.run(ANA, 4, snooze(&w, Some(5))).unwrap();
    let events = customer_writes(&mut w, 6, 11);
    // Check
    assert_eq!(events.len(), 1, "only the message: {events:?}");
    // Exec: solved and archived, then the customer writes.
    solve(&mut w, 7);
    w.run(ANA, 8, archive(&w, true)).unwrap();
    let events = customer_writes(&mut w, 9, 12);
    // Check
    assert!(!w.ticket.archived);
    assert_eq!(w.status(), "in_progress", "reopened as before");
    let archive_events = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ArchiveChanged { .. }))
        .count();
    assert_eq!(archive_events, 1, "{events:?}");
    // An agent's reply leaves the snooze alone.
    w.run(ANA, 10, snooze(&w, Some(600))).unwrap();
    w.run(
        ANA,
        11,
        Mutation::Reply {
            ticket_id: w.id(),
            message_id: Uuid::from_u128(13),
            visibility: Visibility::Public,
            body: "Still checking.".into(),
        },
    )
    .unwrap();
    assert_eq!(w.ticket.snoozed_until, Some(at(600)));
}

#[test]
fn spam_and_deleted_tickets_are_binned_and_restored() {
    // Setup
    let mut w = World::new();
    // Exec
    let events = w.run(CARLA, 1, set_trash(&w, Some(Trash::Spam))).unwrap();
    // Check
    assert_eq!(
        events.iter().map(|e| &e.kind).collect::<Vec<_>>(),
        [&EventKind::TrashChanged {
            from: None,
            to: Some(Trash::Spam)
        }]
    );
    assert_eq!(w.ticket.trash, Some(Trash::Spam));
    assert!(
        w.run(ANA, 2, set_trash(&w, Some(Trash::Spam)))
            .unwrap()
            .is_empty()
    );
    w.run(ANA, 3, set_trash(&w, Some(Trash::Deleted))).unwrap();
    let events = w.run(ANA, 4, set_trash(&w, None)).unwrap();
    assert!(matches!(
        events[0].kind,
        EventKind::TrashChanged {
            from: Some(Trash::Deleted),
            to: None
        }
    ));
    assert_eq!(w.ticket.trash, None);
    assert!(w.run(ANA, 5, set_trash(&w, None)).unwrap().is_empty());
    assert_eq!(
        w.ticket.version, 5,
        "created, referenced, then three changes"
    );
}

#[test]
fn customers_cannot_file_tickets_away_nor_learn_that_they_were() {
    // Setup
    let mut w = World::new();
    solve(&mut w, 1);
    let customer = fixtures::customer();
    let ctx = Context {
        actor: &customer,
        workspace: &w.ws,
        now: at(2),
    };
    for (m, name) in [
        (archive(&w, true), "archive"),
        (snooze(&w, Some(60)), "snooze"),
        (set_trash(&w, Some(Trash::Spam)), "set_trash"),
    ] {
        // Exec
        let err = apply(Some(&w.ticket), &m, &ctx).unwrap_err();
        // Check
        assert_eq!(
            err.to_string(),
            format!("You cannot use \"{name}\" on a ticket: it needs an agent account.")
        );
    }
    // Exec: the team files it away.
    w.run(ANA, 3, archive(&w, true)).unwrap();
    w.run(ANA, 4, set_trash(&w, Some(Trash::Spam))).unwrap();
    let mut open = World::new();
    let snoozed = open.run(ANA, 5, snooze(&open, Some(60))).unwrap();
    // Check
    let kinds = [
        EventKind::ArchiveChanged { archived: true },
        EventKind::TrashChanged {
            from: None,
            to: Some(Trash::Spam),
        },
        snoozed[0].kind.clone(),
    ];
    assert!(kinds.iter().all(|k| !k.visible_to_customer()));
    let seen = crate::queue::as_seen_by(&customer, &w.ticket);
    assert!(!seen.archived && seen.trash.is_none());
    assert_eq!(open.ticket.for_customer().snoozed_until, None);
}

#[test]
fn a_ticket_stored_before_filing_existed_still_decodes() {
    // Setup
    let w = World::new();
    let mut json = serde_json::to_value(&w.ticket).unwrap();
    for key in ["archived", "snoozed_until", "trash"] {
        json.as_object_mut().unwrap().remove(key);
    }
    // Exec
    let old: Ticket = serde_json::from_value(json).unwrap();
    // Check
    assert_eq!(old, w.ticket);
    assert!(!old.archived && old.snoozed_until.is_none() && old.trash.is_none());
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn mutation(ticket_id: Uuid) -> impl Strategy<Value = Mutation> {
        let status = prop::sample::select(vec![
            "open",
            "in_progress",
            "waiting",
            "resolved",
            "closed",
            "bogus",
        ]);
        let priority = prop::sample::select(Priority::ALL.to_vec());
        let agent = prop::sample::select(vec![
            Some(ANA),
            Some(BRUNO),
            Some(CARLA),
            None,
            Some(Uuid::from_u128(99)),
        ]);
        let team = prop::sample::select(vec![
            Some(BILLING),
            Some(TECHNICAL),
            None,
            Some(Uuid::from_u128(98)),
        ]);
        prop_oneof![
            Just(fixtures::create(ticket_id)),
            Just(Mutation::Start { ticket_id }),
            Just(Mutation::Release { ticket_id }),
            status.prop_map(move |s| Mutation::SetStatus {
                ticket_id,
                status: StatusId::new(s)
            }),
            priority.prop_map(move |priority| Mutation::SetPriority {
                ticket_id,
                priority
            }),
            agent.prop_map(move |agent| Mutation::Assign { ticket_id, agent }),
            team.prop_map(move |team| Mutation::SetTeam { ticket_id, team }),
            (any::<bool>(), ".{0,600}", any::<u128>()).prop_map(move |(public, body, n)| {
                Mutation::Reply {
                    ticket_id,
                    message_id: Uuid::from_u128(n),
                    visibility: if public {
                        Visibility::Public
                    } else {
                        Visibility::Internal
                    },
                    body,
                }
            }),
            (0u128..14).prop_map(move |i| Mutation::AddTag {
                ticket_id,
                tag: tag(i)
            }),
            (0u128..14).prop_map(move |i| Mutation::RemoveTag {
                ticket_id,
                tag: tag(i)
            }),
            ".{0,250}".prop_map(move |title| Mutation::EditTitle { ticket_id, title }),
            ".{0,50}".prop_map(move |description| Mutation::EditDescription {
                ticket_id,
                description
            }),
            prop::option::of(prop::sample::select(vec!["Repair", "Question", "Other"])).prop_map(
                move |v| Mutation::SetField {
                    ticket_id,
                    field: "service_type".into(),
                    value: v.map(|v| FieldValue::Text(v.into())),
                }
            ),
            any::<bool>().prop_map(move |archived| Mutation::Archive {
                ticket_id,
                archived
            }),
            // Steps are a minute apart, so some of these are already past.
            prop::option::of(0i64..90).prop_map(move |m| Mutation::Snooze {
                ticket_id,
                until: m.map(at)
            }),
            prop::option::of(prop::sample::select(vec![Trash::Spam, Trash::Deleted]))
                .prop_map(move |trash| Mutation::SetTrash { ticket_id, trash }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random sequences never panic, and replaying the produced events rebuilds the same ticket.
        #[test]
        fn random_sequences_replay_to_the_same_ticket(
            preset in prop::sample::select(Preset::ALL.to_vec()),
            steps in prop::collection::vec((0usize..3, mutation(Uuid::from_u128(1))), 1..60),
        ) {
            let ws = fixtures::workspace(preset);
            let (mut ticket, mut log) = fixtures::ticket(&ws, Uuid::from_u128(1));
            let people = [ANA, BRUNO, CARLA];
            for (minute, (who, m)) in (1i64..).zip(steps) {
                let actor = fixtures::actor(&ws, people[who]);
                let ctx = Context { actor: &actor, workspace: &ws, now: at(minute) };
                let before = ticket.clone();
                if let Ok(events) = apply(Some(&ticket), &m, &ctx) {
                    for e in &events {
                        ticket.apply_event(e);
                    }
                    check_intent(&before, &ticket, &m, actor.id, &ws)?;
                    log.extend(events);
                }
                prop_assert!(ticket.tags.len() <= crate::MAX_TAGS_PER_TICKET);
                prop_assert!(ws.status(&ticket.status).is_some());
                // The archive holds only completed tickets, and only unfinished ones are snoozed.
                let completed = ws.category(&ticket.status).is_completed();
                prop_assert!(!ticket.archived || completed, "archived but {}", ticket.status);
                prop_assert!(ticket.snoozed_until.is_none() || !completed, "snoozed but {}", ticket.status);
            }
            // The server stores events as JSON and rebuilds tickets from them.
            let json = serde_json::to_string(&log).unwrap();
            let stored: Vec<Event> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(Ticket::replay(&stored), Some(ticket));
        }
    }

    /// What an accepted mutation must have done, checked against the ticket independently of the
    /// events that did it.
    fn check_intent(
        before: &Ticket,
        after: &Ticket,
        m: &Mutation,
        actor: Uuid,
        ws: &Workspace,
    ) -> Result<(), TestCaseError> {
        match m {
            Mutation::Create { .. } => {
                prop_assert!(false, "a create on an existing ticket was accepted")
            }
            Mutation::Start { .. } => {
                prop_assert_eq!(after.assignee, Some(actor));
                prop_assert_eq!(ws.category(&after.status), StatusCategory::Open);
            }
            Mutation::Release { .. } => {
                prop_assert_eq!(after.assignee, None);
                prop_assert!(ws.category(&after.status) != StatusCategory::Open);
            }
            Mutation::SetStatus { status, .. } => prop_assert_eq!(&after.status, status),
            Mutation::SetPriority { priority, .. } => prop_assert_eq!(after.priority, *priority),
            Mutation::Assign { agent, .. } => prop_assert_eq!(after.assignee, *agent),
            Mutation::SetTeam { team, .. } => prop_assert_eq!(after.team, *team),
            Mutation::Reply { .. } => {
                prop_assert_eq!(after.message_count, before.message_count + 1)
            }
            Mutation::AddTag { tag, .. } => prop_assert!(after.tags.contains(tag)),
            Mutation::RemoveTag { tag, .. } => prop_assert!(!after.tags.contains(tag)),
            Mutation::EditTitle { title, .. } => {
                prop_assert_eq!(after.title.as_str(), title.trim())
            }
            Mutation::EditDescription { description, .. } => {
                prop_assert_eq!(&after.description, description)
            }
            Mutation::SetField { field, value, .. } => {
                prop_assert_eq!(
                    after.fields.get(field),
                    value.as_ref().filter(|v| !v.is_blank())
                );
            }
            Mutation::Archive { archived, .. } => {
                prop_assert_eq!(after.archived, *archived);
                prop_assert!(!archived || ws.category(&after.status).is_completed());
            }
            Mutation::Snooze { until, .. } => prop_assert_eq!(after.snoozed_until, *until),
            Mutation::SetTrash { trash, .. } => prop_assert_eq!(after.trash, *trash),
        }
        let filed = |t: &Ticket| (t.archived, t.snoozed_until, t.trash);
        let files = matches!(
            m,
            Mutation::Archive { .. } | Mutation::Snooze { .. } | Mutation::SetTrash { .. }
        );
        if !files && after.status == before.status {
            prop_assert_eq!(filed(after), filed(before), "only a status change refiles");
        }
        if files {
            prop_assert_eq!(&after.status, &before.status, "filing keeps the status");
        }
        if after != before {
            prop_assert!(after.version > before.version);
        }
        Ok(())
    }
}
