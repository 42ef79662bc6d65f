//! The domain rules, run inside headless Chromium: the browser must reach the same verdicts as the
//! server. Run with `cargo test -p deskline-shared --target wasm32-unknown-unknown --test web`.
#![cfg(target_arch = "wasm32")]

use deskline_shared::fixtures::{self, ANA, BRUNO, at, tag};
use deskline_shared::{Context, Mutation, Preset, Rejection, Ticket, Visibility, apply};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_second_start_is_rejected_with_the_holders_name_in_the_browser() {
    let ws = fixtures::workspace(Preset::SupportModule);
    let (mut ticket, mut log) = fixtures::ticket(&ws, Uuid::from_u128(1));
    let ana = fixtures::actor(&ws, ANA);
    let bruno = fixtures::actor(&ws, BRUNO);
    let start = Mutation::Start {
        ticket_id: ticket.id,
    };
    let events = apply(
        Some(&ticket),
        &start,
        &Context {
            actor: &ana,
            workspace: &ws,
            now: at(41),
        },
    )
    .unwrap();
    for e in &events {
        ticket.apply_event(e);
    }
    log.extend(events);
    let err = apply(
        Some(&ticket),
        &start,
        &Context {
            actor: &bruno,
            workspace: &ws,
            now: at(42),
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Ticket TKT-0001 was started by Ana at 09:41 UTC; ask Ana to release it, or add a note."
    );
    assert_eq!(Ticket::replay(&log), Some(ticket));
}

#[wasm_bindgen_test]
fn limits_hold_in_the_browser() {
    let ws = fixtures::workspace(Preset::AgentWorkspace);
    let (mut ticket, _) = fixtures::ticket(&ws, Uuid::from_u128(1));
    let ana = fixtures::actor(&ws, ANA);
    let ctx = Context {
        actor: &ana,
        workspace: &ws,
        now: at(1),
    };
    for i in 0..10 {
        for e in apply(
            Some(&ticket),
            &Mutation::AddTag {
                ticket_id: ticket.id,
                tag: tag(i),
            },
            &ctx,
        )
        .unwrap()
        {
            ticket.apply_event(&e);
        }
    }
    let err = apply(
        Some(&ticket),
        &Mutation::AddTag {
            ticket_id: ticket.id,
            tag: tag(11),
        },
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::TooManyTags { limit: 10, .. }));
    let note = Mutation::Reply {
        ticket_id: ticket.id,
        message_id: Uuid::from_u128(5),
        visibility: Visibility::Internal,
        body: "n".repeat(501),
    };
    assert_eq!(
        apply(Some(&ticket), &note, &ctx).unwrap_err().to_string(),
        "The note is 501 characters long; the limit is 500."
    );
}

#[wasm_bindgen_test]
fn the_documented_sla_cases_give_the_same_answers_in_the_browser() {
    let cases = deskline_shared::sla::cases::all();
    assert!(cases.len() >= 15);
    let failures: Vec<String> = cases.iter().filter_map(|c| c.check().err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
