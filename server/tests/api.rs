//! Server integration tests: a real server on 127.0.0.1:0 with a temporary SQLite database.

mod common;

use common::{TestServer, expect_error, mutation, push};
use deskline_shared::api::{Outcome, PullResponse, TicketDetail, TicketPage};
use deskline_shared::queue::can_see;
use deskline_shared::{Actor, EventKind, Preset, StatusCategory, Ticket, Visibility};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

async fn all_tickets(server: &TestServer, client: &Client) -> Vec<Ticket> {
    let mut tickets = Vec::new();
    let mut after = String::new();
    loop {
        let page: TicketPage = server
            .get(client, &format!("/api/tickets?limit=7&after={after}"))
            .await
            .json()
            .await
            .unwrap();
        tickets.extend(page.tickets);
        match page.next {
            Some(next) => after = next,
            None => {
                assert_eq!(tickets.len() as u64, page.total);
                return tickets;
            }
        }
    }
}

/// A ticket both Ana (Billing) and Lea (Billing + Technical) can see, still in a New status.
async fn shared_new_ticket(server: &TestServer, ana: &Client) -> Ticket {
    let ws = server.state.workspace();
    all_tickets(server, ana)
        .await
        .into_iter()
        .find(|t| ws.category(&t.status) == StatusCategory::New && t.assignee.is_none())
        .expect("the demo has an unassigned new ticket Ana can see")
}

#[tokio::test]
async fn login_me_and_logout() {
    let server = TestServer::start().await;
    let client = server.login("ana@deskline.test").await;
    let me: Value = server.get(&client, "/api/me").await.json().await.unwrap();
    assert_eq!(me["name"], "Ana Souza");
    assert_eq!(me["role"], "agent");
    let res = client.post(server.url("/api/logout")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_error(
        server.get(&client, "/api/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    for (email, password) in [
        ("ana@deskline.test", "wrong"),
        ("nobody@deskline.test", "deskline-demo"),
    ] {
        let res = server
            .post(
                &client,
                "/api/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        let body = expect_error(res, StatusCode::UNAUTHORIZED).await;
        assert_eq!(
            body["error"]["message"],
            "That email and password do not match an account."
        );
    }
    let res = server.get(&client, "/api/me").await;
    expect_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn every_endpoint_refuses_unauthenticated_access() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    let id = Uuid::now_v7();
    for path in [
        "/api/me",
        "/api/workspace",
        "/api/tickets",
        &format!("/api/tickets/{id}"),
        "/api/sync/pull",
    ] {
        let res = server.get(&client, path).await;
        let body = expect_error(res, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["error"]["code"], "unauthenticated", "{path}");
    }
    let res = server
        .post(
            &client,
            "/api/sync/push",
            &json!({"client_id": Uuid::now_v7(), "mutations": []}),
        )
        .await;
    expect_error(res, StatusCode::UNAUTHORIZED).await;
    // A forged cookie is no better than none.
    let res = client
        .get(server.url("/api/me"))
        .header("cookie", "deskline_session=forged")
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_that_names_the_problem() {
    let server = TestServer::start().await;
    let client = server.login("ana@deskline.test").await;
    let login = server.url("/api/login");

    let res = client
        .post(&login)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The body is not valid JSON")
    );

    let res = client
        .post(&login)
        .body(r#"{"email":"a","password":"b"}"#)
        .send()
        .await
        .unwrap();
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type: application/json")
    );

    let res = client
        .post(&login)
        .json(&json!({"email": "ana@deskline.test"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["field"], "password");

    let res = client
        .post(&login)
        .json(&json!({"email": "a", "password": "b", "remember": true}))
        .send()
        .await
        .unwrap();
    let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["error"]["field"], "remember");

    let res = client
        .post(&login)
        .json(&json!({"email": 42, "password": "b"}))
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    let res = server.get(&client, "/api/tickets/not-a-uuid").await;
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The address is not valid")
    );

    let res = server
        .get(&client, &format!("/api/tickets/{}", Uuid::now_v7()))
        .await;
    expect_error(res, StatusCode::NOT_FOUND).await;

    let res = server.get(&client, "/api/tickets?limit=0").await;
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["field"], "limit");
    let res = server.get(&client, "/api/tickets?limit=ten").await;
    expect_error(res, StatusCode::BAD_REQUEST).await;
    let res = server.get(&client, "/api/tickets?after=yesterday").await;
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["field"], "after");
    let res = server.get(&client, "/api/tickets?colour=red").await;
    expect_error(res, StatusCode::BAD_REQUEST).await;

    let res = server.get(&client, "/api/nothing-here").await;
    let body = expect_error(res, StatusCode::NOT_FOUND).await;
    assert_eq!(
        body["error"]["message"],
        "There is no API endpoint at /api/nothing-here."
    );
    let res = client.delete(server.url("/api/me")).send().await.unwrap();
    expect_error(res, StatusCode::METHOD_NOT_ALLOWED).await;

    let push = server.url("/api/sync/push");
    let client_id = Uuid::now_v7();
    let bad_name = json!({"client_id": client_id, "mutations": [mutation(1, "teleport", json!({"ticket_id": Uuid::now_v7()}))]});
    let res = client.post(&push).json(&bad_name).send().await.unwrap();
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let bad_args = json!({"client_id": client_id, "mutations": [mutation(1, "set_priority", json!({"ticket_id": Uuid::now_v7(), "priority": "whenever"}))]});
    let res = client.post(&push).json(&bad_args).send().await.unwrap();
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let ticket = Uuid::now_v7();
    let backwards = json!({"client_id": client_id, "mutations": [
        mutation(2, "start", json!({"ticket_id": ticket})), mutation(1, "start", json!({"ticket_id": ticket}))]});
    let res = client.post(&push).json(&backwards).send().await.unwrap();
    let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        body["error"]["message"],
        "Mutation ids must increase: 1 follows 2."
    );
    let gap = json!({"client_id": client_id, "mutations": [mutation(3, "start", json!({"ticket_id": ticket}))]});
    let res = client.post(&push).json(&gap).send().await.unwrap();
    let body = expect_error(res, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "mutation_gap");

    // None of that changed anything.
    let pull: PullResponse = server
        .get(&client, &format!("/api/sync/pull?client_id={client_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pull.last_mutation_id, 0);
    let res = server.get(&client, "/api/sync/pull?cookie=-1").await;
    expect_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn the_same_mutation_pushed_twice_changes_the_ticket_once() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let client_id = Uuid::now_v7();
    let message_id = Uuid::now_v7();
    let batch = json!([
        mutation(
            1,
            "set_priority",
            json!({"ticket_id": ticket.id, "priority": "urgent"})
        ),
        mutation(
            2,
            "reply",
            json!({"ticket_id": ticket.id, "message_id": message_id, "visibility": "public", "body": "On it."})
        ),
    ]);
    let first = push(&server, &ana, client_id, batch.clone()).await;
    assert!(
        first
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{first:?}"
    );
    assert_eq!(first.last_mutation_id, 2);
    // The response was lost, so the client sends the same batch again.
    let second = push(&server, &ana, client_id, batch).await;
    // It is answered what was decided the first time, and nothing changes again.
    assert_eq!(second.results, first.results);
    assert_eq!(second.last_mutation_id, 2);

    let detail: TicketDetail = server
        .get(&ana, &format!("/api/tickets/{}", ticket.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.ticket.priority, deskline_shared::Priority::Urgent);
    assert_eq!(detail.ticket.version, ticket.version + 2);
    let replies = detail
        .timeline
        .iter()
        .filter(|e| e.kind.message().is_some_and(|m| m.id == message_id))
        .count();
    assert_eq!(replies, 1);
    // The stored ticket is exactly its events replayed.
    assert_eq!(Ticket::replay(&detail.timeline), Some(detail.ticket));
}

#[tokio::test]
async fn a_rejection_comes_back_with_its_sentence_and_is_recorded() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let lea = server.login("lea@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let start = |id| json!([mutation(id, "start", json!({"ticket_id": ticket.id}))]);
    let ana_client = Uuid::now_v7();
    let res = push(&server, &ana, ana_client, start(1)).await;
    assert!(matches!(res.results[0].outcome, Outcome::Applied { .. }));

    let lea_client = Uuid::now_v7();
    let res = push(&server, &lea, lea_client, start(1)).await;
    let Outcome::Rejected { message, .. } = &res.results[0].outcome else {
        panic!("expected a rejection: {res:?}")
    };
    let reference = ticket.reference.as_deref().unwrap();
    assert!(
        message.starts_with(&format!("Ticket {reference} was started by Ana Souza at ")),
        "{message}"
    );
    assert!(
        message.ends_with("; ask Ana Souza to release it, or add a note."),
        "{message}"
    );
    // The rejected mutation still advances the client's queue, so the next one is not blocked.
    assert_eq!(res.last_mutation_id, 1);
    // A retry (the answer was lost) hears the same rejection again, so its sentence is never lost.
    let again = push(&server, &lea, lea_client, start(1)).await;
    assert_eq!(again.results, res.results);
    let note = json!([mutation(
        2,
        "reply",
        json!({"ticket_id": ticket.id, "message_id": Uuid::now_v7(), "visibility": "internal", "body": "Ana has this one."})
    )]);
    let res = push(&server, &lea, lea_client, note).await;
    assert!(matches!(res.results[0].outcome, Outcome::Applied { .. }));
    let too_long = json!([mutation(
        3,
        "reply",
        json!({"ticket_id": ticket.id, "message_id": Uuid::now_v7(), "visibility": "internal", "body": "x".repeat(501)})
    )]);
    let res = push(&server, &lea, lea_client, too_long).await;
    let Outcome::Rejected { message, .. } = &res.results[0].outcome else {
        panic!("expected a rejection: {res:?}")
    };
    assert_eq!(
        message,
        "The note is 501 characters long; the limit is 500."
    );
}

#[tokio::test]
async fn agents_see_only_their_teams_and_every_endpoint_enforces_it() {
    let server = TestServer::start().await;
    let ws = server.state.workspace();
    let everything = server.store.all_tickets().await.unwrap();
    for email in [
        "ana@deskline.test",
        "bruno@deskline.test",
        "dara@deskline.test",
        "admin@deskline.test",
    ] {
        let client = server.login(email).await;
        let agent = ws.agents.iter().find(|a| a.email == email).unwrap();
        let actor = Actor {
            id: agent.id,
            name: agent.name.clone(),
            role: agent.role,
        };
        let expected: BTreeSet<Uuid> = everything
            .iter()
            .filter(|t| can_see(&actor, t, &ws))
            .map(|t| t.id)
            .collect();
        let listed: BTreeSet<Uuid> = all_tickets(&server, &client)
            .await
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(
            listed, expected,
            "the SQL filter and shared::can_see disagree for {email}"
        );
        let pulled: PullResponse = server
            .get(&client, "/api/sync/pull?limit=1000")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            pulled.tickets.iter().map(|t| t.id).collect::<BTreeSet<_>>(),
            expected,
            "pull for {email}"
        );

        if let Some(hidden) = everything.iter().find(|t| !expected.contains(&t.id)) {
            let res = server
                .get(&client, &format!("/api/tickets/{}", hidden.id))
                .await;
            expect_error(res, StatusCode::NOT_FOUND).await;
            let res = push(
                &server,
                &client,
                Uuid::now_v7(),
                json!([mutation(
                    1,
                    "set_priority",
                    json!({"ticket_id": hidden.id, "priority": "low"})
                )]),
            )
            .await;
            let Outcome::Rejected { message, .. } = &res.results[0].outcome else {
                panic!("{email} changed a hidden ticket")
            };
            assert_eq!(message, "That ticket does not exist or you cannot see it.");
        } else {
            assert_eq!(
                agent.role,
                deskline_shared::Role::Admin,
                "{email} should not see every ticket"
            );
        }
    }
}

#[tokio::test]
async fn internal_notes_reach_agents_in_the_timeline_and_customers_never() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let note = json!([mutation(
        1,
        "reply",
        json!({"ticket_id": ticket.id, "message_id": Uuid::now_v7(), "visibility": "internal", "body": "Secret: refund approved by finance."})
    )]);
    push(&server, &ana, Uuid::now_v7(), note).await;
    let detail: TicketDetail = server
        .get(&ana, &format!("/api/tickets/{}", ticket.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(detail.timeline.iter().any(|e| {
        e.kind
            .message()
            .is_some_and(|m| m.visibility == Visibility::Internal)
    }));

    // The requester, were they signed in, gets the timeline without internal notes.
    let requester = ticket.requester.clone().unwrap();
    let customer = Actor {
        id: requester.id,
        name: requester.name,
        role: deskline_shared::Role::Customer,
    };
    let timeline = server.store.timeline(&customer, ticket.id).await.unwrap();
    assert!(!timeline.is_empty());
    assert!(timeline.iter().all(
        |e| !matches!(&e.kind, EventKind::MessageAdded(m) if m.visibility == Visibility::Internal)
    ));
    // And another customer cannot see the ticket at all.
    let stranger = Actor {
        id: Uuid::now_v7(),
        name: "Eve".into(),
        role: deskline_shared::Role::Customer,
    };
    assert!(
        server
            .store
            .ticket_for(&stranger, &server.state.workspace(), ticket.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn create_assigns_a_reference_and_every_change_gets_the_next_seq() {
    for (preset, shape) in [(Preset::SupportModule, "TKT-"), (Preset::ServiceDesk, "20")] {
        let server = TestServer::with_preset(preset, 5).await;
        let ana = server.login("ana@deskline.test").await;
        let before: PullResponse = server
            .get(&ana, "/api/sync/pull")
            .await
            .json()
            .await
            .unwrap();
        let id = Uuid::now_v7();
        let create = json!([
            mutation(
                1,
                "create",
                json!({"ticket_id": id, "title": "Phone call: printer on fire", "ticket_type": "Support Ticket", "channel": "phone", "priority": "high"})
            ),
            mutation(2, "start", json!({"ticket_id": id}))
        ]);
        let res = push(&server, &ana, Uuid::now_v7(), create).await;
        let seqs: Vec<u64> = res
            .results
            .iter()
            .map(|r| match r.outcome {
                Outcome::Applied { seq } => seq,
                _ => panic!("{res:?}"),
            })
            .collect();
        assert_eq!(seqs, [before.cookie + 1, before.cookie + 2]);
        let after: PullResponse = server
            .get(&ana, &format!("/api/sync/pull?cookie={}", before.cookie))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(after.cookie, before.cookie + 2);
        let ticket = after.tickets.iter().find(|t| t.id == id).unwrap();
        let reference = ticket.reference.as_deref().unwrap();
        assert!(reference.starts_with(shape), "{reference}");
        assert!(
            server.state.workspace().reference_scheme.matches(reference),
            "{reference}"
        );
        assert_eq!(ticket.assignee, Some(server.agent_id("ana@deskline.test")));
    }
}

#[tokio::test]
async fn pull_pages_through_everything_and_cookies_never_go_backwards() {
    let server = TestServer::start().await;
    let admin = server.login("admin@deskline.test").await;
    let mut cookie = 0;
    let mut seen = BTreeSet::new();
    loop {
        let page: PullResponse = server
            .get(&admin, &format!("/api/sync/pull?cookie={cookie}&limit=9"))
            .await
            .json()
            .await
            .unwrap();
        assert!(page.cookie >= cookie);
        cookie = page.cookie;
        seen.extend(page.tickets.iter().map(|t| t.id));
        if !page.more {
            break;
        }
    }
    assert_eq!(seen.len(), server.store.all_tickets().await.unwrap().len());
    let res = server
        .get(&admin, &format!("/api/sync/pull?cookie={}", cookie + 100))
        .await;
    let body = expect_error(res, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "sync_reset");
}

#[tokio::test]
async fn a_client_id_belongs_to_one_account() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let lea = server.login("lea@deskline.test").await;
    let client_id = Uuid::now_v7();
    push(&server, &ana, client_id, json!([])).await;
    let res = server
        .post(
            &lea,
            "/api/sync/push",
            &json!({"client_id": client_id, "mutations": []}),
        )
        .await;
    expect_error(res, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn the_workspace_describes_statuses_teams_agents_and_tags() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ws: deskline_shared::Workspace = server
        .get(&ana, "/api/workspace")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ws.statuses.len(), 5);
    assert_eq!(ws.teams.len(), 3);
    assert_eq!(ws.agents.len(), 6);
    assert!(ws.tags.len() >= 10);
    let everything = server.store.all_tickets().await.unwrap();
    for status in &ws.statuses {
        assert!(
            everything.iter().any(|t| t.status == status.id),
            "no demo ticket is {}",
            status.label
        );
    }
}

#[tokio::test]
async fn a_reused_message_id_is_rejected_and_the_queue_moves_on() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let client_id = Uuid::now_v7();
    let message_id = Uuid::now_v7();
    let reply = |id| {
        mutation(
            id,
            "reply",
            json!({"ticket_id": ticket.id, "message_id": message_id, "visibility": "public", "body": "Hello"}),
        )
    };
    let res = push(
        &server,
        &ana,
        client_id,
        json!([
            reply(1),
            reply(2),
            mutation(
                3,
                "set_priority",
                json!({"ticket_id": ticket.id, "priority": "low"})
            )
        ]),
    )
    .await;
    assert!(matches!(res.results[0].outcome, Outcome::Applied { .. }));
    let Outcome::Rejected { message, .. } = &res.results[1].outcome else {
        panic!("{res:?}")
    };
    assert_eq!(
        message,
        "This message was already added to the timeline; it was not added twice."
    );
    assert!(
        matches!(res.results[2].outcome, Outcome::Applied { .. }),
        "the queue must not be blocked"
    );
    assert_eq!(res.last_mutation_id, 3);
}

#[tokio::test]
async fn gaps_anywhere_in_a_push_and_oversized_ids_are_refused_before_anything_changes() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let client_id = Uuid::now_v7();
    let prio = |id: u64, p: &str| {
        mutation(
            id,
            "set_priority",
            json!({"ticket_id": ticket.id, "priority": p}),
        )
    };
    let res = server
        .post(
            &ana,
            "/api/sync/push",
            &json!({"client_id": client_id, "mutations": [prio(1, "low"), prio(3, "high")]}),
        )
        .await;
    let body = expect_error(res, StatusCode::CONFLICT).await;
    assert_eq!(
        body["error"]["message"],
        "This client's mutations must be numbered without gaps: after 1 comes 2, not 3."
    );
    let res = server
        .post(
            &ana,
            "/api/sync/push",
            &json!({"client_id": client_id, "mutations": [prio(1, "low"), prio(u64::MAX, "high")]}),
        )
        .await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let detail: TicketDetail = server
        .get(&ana, &format!("/api/tickets/{}", ticket.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.ticket, ticket, "a refused push changed the ticket");
}

#[tokio::test]
async fn customers_see_only_their_own_tickets_without_internal_notes_through_every_endpoint() {
    let server = TestServer::start().await;
    let admin = server.login("admin@deskline.test").await;
    let everything = server.store.all_tickets().await.unwrap();
    let mine = everything
        .iter()
        .find(|t| t.requester.is_some())
        .unwrap()
        .clone();
    let requester = mine.requester.clone().unwrap();
    // An internal note and a tag on the customer's ticket, which they must never receive.
    let tag = server.state.workspace().tags[0].id;
    let secret = "Internal: customer is a churn risk.";
    push(&server, &admin, Uuid::now_v7(), json!([
        mutation(1, "reply", json!({"ticket_id": mine.id, "message_id": Uuid::now_v7(), "visibility": "internal", "body": secret})),
        mutation(2, "add_tag", json!({"ticket_id": mine.id, "tag": tag})),
    ])).await;
    let customer = server.customer(&requester).await;

    let listed = all_tickets(&server, &customer).await;
    let expected: BTreeSet<Uuid> = everything
        .iter()
        .filter(|t| t.requester.as_ref().is_some_and(|r| r.id == requester.id))
        .map(|t| t.id)
        .collect();
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<BTreeSet<_>>(),
        expected
    );
    assert!(
        listed
            .iter()
            .all(|t| t.tags.is_empty() && t.fields.is_empty()),
        "tags and fields are internal"
    );

    let res = server
        .get(&customer, &format!("/api/tickets/{}", mine.id))
        .await;
    let text = res.text().await.unwrap();
    assert!(
        !text.contains(secret),
        "an internal note reached the customer"
    );
    assert!(
        !text.contains("\"internal\""),
        "an internal message reached the customer: {text}"
    );
    let detail: TicketDetail = serde_json::from_str(&text).unwrap();
    assert_eq!(
        detail.ticket.message_count,
        detail.ticket.public_message_count
    );

    let other = everything
        .iter()
        .find(|t| !expected.contains(&t.id))
        .unwrap();
    expect_error(
        server
            .get(&customer, &format!("/api/tickets/{}", other.id))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        server.get(&customer, "/api/workspace").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        server.get(&customer, "/api/sync/pull").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = server
        .post(
            &customer,
            "/api/sync/push",
            &json!({"client_id": Uuid::now_v7(), "mutations": []}),
        )
        .await;
    expect_error(res, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_paged_pull_acknowledges_a_mutation_only_with_the_page_that_carries_it() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let client_id = Uuid::now_v7();
    push(
        &server,
        &ana,
        client_id,
        json!([mutation(
            1,
            "set_priority",
            json!({"ticket_id": ticket.id, "priority": "urgent"})
        )]),
    )
    .await;
    let lea = server.login("lea@deskline.test").await;
    let mut cookie = 0;
    let mut seen = std::collections::BTreeMap::new();
    loop {
        let page: PullResponse = server
            .get(
                &ana,
                &format!("/api/sync/pull?cookie={cookie}&limit=4&client_id={client_id}"),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(page.cookie >= cookie, "cookies never go backwards");
        cookie = page.cookie;
        for t in page.tickets {
            seen.insert(t.id, t);
        }
        if page.last_mutation_id >= 1 {
            // Acknowledged: the client drops its pending change, so the change must already be here.
            assert_eq!(
                seen.get(&ticket.id).map(|t| t.priority),
                Some(deskline_shared::Priority::Urgent)
            );
        }
        if !page.more {
            assert_eq!(page.last_mutation_id, 1);
            break;
        }
        // Someone else keeps working while the client pages.
        let other = seen.values().next().unwrap().id;
        push(&server, &lea, Uuid::now_v7(), json!([mutation(1, "reply", json!({"ticket_id": other, "message_id": Uuid::now_v7(), "visibility": "internal", "body": "meanwhile"}))])).await;
    }
    // Catching up after the last page brings what changed meanwhile; then the client equals the server.
    let rest: PullResponse = server
        .get(&ana, &format!("/api/sync/pull?cookie={cookie}&limit=1000"))
        .await
        .json()
        .await
        .unwrap();
    for t in rest.tickets {
        seen.insert(t.id, t);
    }
    let server_view: std::collections::BTreeMap<Uuid, Ticket> = all_tickets(&server, &ana)
        .await
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    assert_eq!(seen, server_view);
}

#[tokio::test]
async fn pull_reports_as_removed_only_tickets_the_agent_could_see_before() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let lea = server.login("lea@deskline.test").await;
    let ws = server.state.workspace();
    let team = |name: &str| ws.teams.iter().find(|t| t.name == name).unwrap().id;
    let start: PullResponse = server
        .get(&ana, "/api/sync/pull?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    let everything = server.store.all_tickets().await.unwrap();
    let moved = start
        .tickets
        .iter()
        .find(|t| t.team == Some(team("Billing")) && t.assignee.is_none())
        .unwrap();
    let hidden = everything
        .iter()
        .find(|t| t.team == Some(team("Technical Support")) && t.assignee.is_none())
        .unwrap();
    push(
        &server,
        &lea,
        Uuid::now_v7(),
        json!([
            mutation(
                1,
                "set_team",
                json!({"ticket_id": moved.id, "team": team("Technical Support")})
            ),
            mutation(
                2,
                "set_priority",
                json!({"ticket_id": hidden.id, "priority": "low"})
            ),
        ]),
    )
    .await;
    let after: PullResponse = server
        .get(&ana, &format!("/api/sync/pull?cookie={}", start.cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after.removed, vec![moved.id]);
    assert!(
        after
            .tickets
            .iter()
            .all(|t| t.id != moved.id && t.id != hidden.id)
    );
}

#[tokio::test]
async fn every_response_carries_a_content_security_policy() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    for path in ["/", "/api/me"] {
        let res = server.get(&client, path).await;
        let csp = res
            .headers()
            .get("content-security-policy")
            .expect("a CSP header")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn a_demo_workspace_lists_its_accounts_for_the_sign_in_page() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    let demo: deskline_shared::api::DemoLogins =
        server.get(&client, "/api/demo").await.json().await.unwrap();
    assert_eq!(demo.password, deskline_server::seed::DEMO_PASSWORD);
    assert_eq!(demo.accounts.len(), server.state.workspace().agents.len());
    // And the listed logins work.
    let first = &demo.accounts[0];
    let res = server
        .post(
            &client,
            "/api/login",
            &json!({"email": first.email, "password": demo.password}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_archived_ticket_comes_back_archived_in_the_pull_and_its_requester_never_learns_it() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = shared_new_ticket(&server, &ana).await;
    let reference = ticket.reference.clone().unwrap();
    let ws = server.state.workspace();
    let solved = ws.first_in(StatusCategory::Solved).unwrap().id.clone();
    let client_id = Uuid::now_v7();
    let pull_from = async |cookie: u64| -> PullResponse {
        let path = format!("/api/sync/pull?cookie={cookie}&limit=1000&client_id={client_id}");
        server.get(&ana, &path).await.json().await.unwrap()
    };
    let cookie = pull_from(0).await.cookie;
    let archive = json!({"ticket_id": ticket.id, "archived": true});

    // Not completed yet: refused with its sentence.
    let res = push(
        &server,
        &ana,
        client_id,
        json!([mutation(1, "archive", archive.clone())]),
    )
    .await;
    let Outcome::Rejected { message, .. } = &res.results[0].outcome else {
        panic!("expected a rejection: {res:?}")
    };
    assert_eq!(
        message,
        &format!(
            "Ticket {reference} is not solved or closed; only completed tickets can be archived."
        )
    );
    let res = push(
        &server,
        &ana,
        client_id,
        json!([
            mutation(
                2,
                "set_status",
                json!({"ticket_id": ticket.id, "status": solved})
            ),
            mutation(3, "archive", archive),
        ]),
    )
    .await;
    assert!(
        res.results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{res:?}"
    );

    let page = pull_from(cookie).await;
    let pulled = page.tickets.iter().find(|t| t.id == ticket.id).unwrap();
    assert!(pulled.archived);
    assert_eq!(page.last_mutation_id, 3);

    // The requester sees the solved ticket, but neither the flag nor the event.
    let requester = ticket.requester.clone().unwrap();
    let customer = server.customer(&requester).await;
    let text = server
        .get(&customer, &format!("/api/tickets/{}", ticket.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("archive_changed"), "{text}");
    let detail: TicketDetail = serde_json::from_str(&text).unwrap();
    assert!(!detail.ticket.archived);
}
