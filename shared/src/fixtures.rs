//! A small, deterministic workspace for tests on every target (native, wasm, server).

use crate::event::Event;
use crate::mutation::{Actor, Context, Mutation, apply};
use crate::preset::Preset;
use crate::ticket::{Channel, Priority, Requester, Ticket};
use crate::workspace::{Agent, FieldDef, FieldKind, Role, Tag, Team, Workspace};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

#[cfg(feature = "tz")]
pub mod workload;

/// Team "Billing".
pub const BILLING: Uuid = Uuid::from_u128(0xB1);
/// Team "Technical".
pub const TECHNICAL: Uuid = Uuid::from_u128(0x7E);
/// Agent Ana (Billing).
pub const ANA: Uuid = Uuid::from_u128(0xA1);
/// Agent Bruno (Technical).
pub const BRUNO: Uuid = Uuid::from_u128(0xA2);
/// Leader Carla (both teams).
pub const CARLA: Uuid = Uuid::from_u128(0xA3);
/// The customer who opens the fixture tickets.
pub const CUSTOMER: Uuid = Uuid::from_u128(0xC1);

/// The fixture workspace for `preset`: two teams, three staff, twelve tags, one mandatory field.
pub fn workspace(preset: Preset) -> Workspace {
    let agent = |id, name: &str, role, teams: &[Uuid]| Agent {
        id,
        name: name.to_owned(),
        email: format!("{}@example.test", name.to_lowercase()),
        role,
        teams: teams.to_vec(),
        active: true,
    };
    Workspace {
        id: Uuid::from_u128(0x5),
        name: "Fixture".into(),
        preset,
        reference_scheme: preset.reference_scheme(),
        statuses: preset.statuses(),
        ticket_types: preset.ticket_types(),
        teams: vec![
            Team {
                id: BILLING,
                name: "Billing".into(),
            },
            Team {
                id: TECHNICAL,
                name: "Technical".into(),
            },
        ],
        agents: vec![
            agent(ANA, "Ana", Role::Agent, &[BILLING]),
            agent(BRUNO, "Bruno", Role::Agent, &[TECHNICAL]),
            agent(CARLA, "Carla", Role::Leader, &[BILLING, TECHNICAL]),
        ],
        tags: (0..12u128)
            .map(|i| Tag {
                id: tag(i),
                name: format!("tag{i}"),
                color: "#64748b".into(),
            })
            .collect(),
        fields: vec![FieldDef {
            key: "service_type".into(),
            label: "Service type".into(),
            kind: FieldKind::Select {
                options: vec!["Repair".into(), "Question".into()],
            },
            required_to_solve: preset.rules().mandatory_fields_before_solve,
        }],
        agents_see_all_teams: false,
        sla: crate::sla::SlaConfig::preset_default("UTC"),
    }
}

/// The id of fixture tag `i` (0..12).
pub fn tag(i: u128) -> Uuid {
    Uuid::from_u128(0x7A6_000 + i)
}

/// The actor for a fixture agent.
pub fn actor(workspace: &Workspace, id: Uuid) -> Actor {
    let agent = workspace.agent(id).expect("fixture agent");
    Actor {
        id,
        name: agent.name.clone(),
        role: agent.role,
    }
}

/// The customer who requested the fixture tickets.
pub fn customer() -> Actor {
    Actor {
        id: CUSTOMER,
        name: "Dora".into(),
        role: Role::Customer,
    }
}

/// 2026-03-02 09:00 UTC plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

/// A `Create` mutation for ticket `id` in team Billing.
pub fn create(id: Uuid) -> Mutation {
    Mutation::Create {
        ticket_id: id,
        title: "Refund for order 1042".into(),
        description: "I was charged twice.".into(),
        ticket_type: "Support Ticket".into(),
        channel: Channel::Email,
        priority: Priority::Medium,
        team: Some(BILLING),
        requester: Some(Requester {
            id: CUSTOMER,
            name: "Dora Customer".into(),
            email: Some("dora@example.test".into()),
            phone: None,
            organization: None,
        }),
    }
}

/// A fresh ticket `id`, created by Ana at `at(0)`, with reference `TKT-0001`, and its events.
pub fn ticket(workspace: &Workspace, id: Uuid) -> (Ticket, Vec<Event>) {
    let ana = actor(workspace, ANA);
    let ctx = Context {
        actor: &ana,
        workspace,
        now: at(0),
    };
    let mut events = apply(None, &create(id), &ctx).expect("fixture create");
    events.push(Event {
        ticket: id,
        actor: None,
        at: at(0),
        kind: crate::event::EventKind::ReferenceAssigned {
            reference: "TKT-0001".into(),
        },
    });
    let ticket = Ticket::replay(&events).expect("fixture replay");
    (ticket, events)
}
