//! The sync protocol end to end over HTTP and WebSocket: messages in the pull, paging, the reset
//! answer, and the pokes.

mod common;

use common::{TestServer, expect_error, mutation, push};
use deskline_shared::api::{Outcome, PullResponse};
use deskline_shared::queue::can_see;
use deskline_shared::{Actor, Event, StatusCategory, Ticket, Visibility};
use futures_util::{SinkExt, StreamExt};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use uuid::Uuid;

async fn pull(server: &TestServer, client: &Client, cookie: u64, limit: u32) -> PullResponse {
    let res = server
        .get(
            client,
            &format!("/api/sync/pull?cookie={cookie}&limit={limit}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Pulls page after page from `cookie` to the head: the pages, and the cookie at the end.
async fn pull_all(
    server: &TestServer,
    client: &Client,
    mut cookie: u64,
    limit: u32,
) -> (Vec<PullResponse>, u64) {
    let mut pages = Vec::new();
    loop {
        let page = pull(server, client, cookie, limit).await;
        assert!(page.cookie >= cookie, "cookies never go backwards");
        cookie = page.cookie;
        let more = page.more;
        pages.push(page);
        if !more {
            return (pages, cookie);
        }
    }
}

fn actor(server: &TestServer, email: &str) -> Actor {
    let ws = server.state.workspace();
    let agent = ws.agents.iter().find(|a| a.email == email).unwrap();
    Actor {
        id: agent.id,
        name: agent.name.clone(),
        role: agent.role,
    }
}

/// The first ticket of the demo that `keep` keeps; `what` says what was looked for.
async fn ticket_where(server: &TestServer, what: &str, keep: impl Fn(&Ticket) -> bool) -> Ticket {
    server
        .store
        .all_tickets()
        .await
        .unwrap()
        .into_iter()
        .find(keep)
        .unwrap_or_else(|| panic!("the demo has no {what}"))
}

/// An open ticket in a New status that `email` may see and nobody holds.
async fn new_ticket_for(server: &TestServer, email: &str) -> Ticket {
    let ws = server.state.workspace();
    let who = actor(server, email);
    ticket_where(server, "unassigned new ticket for them", |t| {
        can_see(&who, t, &ws)
            && ws.category(&t.status) == StatusCategory::New
            && t.assignee.is_none()
    })
    .await
}

/// The message ids the events carry, in order.
fn message_ids(events: &[Event]) -> Vec<Uuid> {
    events
        .iter()
        .map(|e| e.kind.message().expect("only events with a message").id)
        .collect()
}

fn reply(id: u64, ticket: Uuid, message: Uuid, visibility: &str, body: &str) -> Value {
    mutation(
        id,
        "reply",
        json!({"ticket_id": ticket, "message_id": message, "visibility": visibility, "body": body}),
    )
}

#[tokio::test]
async fn a_pull_carries_a_reply_and_a_note_once() {
    // Setup: Ana is synced to the head.
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ticket = new_ticket_for(&server, "ana@deskline.test").await;
    let (_, cookie) = pull_all(&server, &ana, 0, 1000).await;
    let (public, internal) = (Uuid::now_v7(), Uuid::now_v7());

    // Exec: a reply and an internal note in one push.
    let client_id = Uuid::now_v7();
    let pushed = push(
        &server,
        &ana,
        client_id,
        json!([
            reply(1, ticket.id, public, "public", "We are looking into it."),
            reply(
                2,
                ticket.id,
                internal,
                "internal",
                "Probably the cache again."
            ),
        ]),
    )
    .await;
    assert!(
        pushed
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{pushed:?}"
    );
    let first = pull(&server, &ana, cookie, 1000).await;

    // Check: both, once each, in commit order, with their visibility; nothing older.
    assert_eq!(message_ids(&first.messages), [public, internal]);
    let visibility: Vec<Visibility> = first
        .messages
        .iter()
        .map(|e| e.kind.message().unwrap().visibility)
        .collect();
    assert_eq!(visibility, [Visibility::Public, Visibility::Internal]);
    assert!(first.messages.iter().all(|e| e.ticket == ticket.id));
    assert_eq!(
        first.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ticket.id]
    );

    // Check: the next pull has nothing; a later change to the ticket brings it back without them.
    let again = pull(&server, &ana, first.cookie, 1000).await;
    assert!(
        again.tickets.is_empty() && again.messages.is_empty(),
        "{again:?}"
    );
    push(
        &server,
        &ana,
        client_id,
        json!([mutation(
            3,
            "set_priority",
            json!({"ticket_id": ticket.id, "priority": "urgent"})
        )]),
    )
    .await;
    let later = pull(&server, &ana, again.cookie, 1000).await;
    assert_eq!(later.tickets.len(), 1);
    assert!(later.messages.is_empty(), "{:?}", later.messages);

    // Check: a client bootstrapping from 0 gets them once, among the demo's own messages.
    let (pages, _) = pull_all(&server, &ana, 0, 1000).await;
    let all: Vec<Uuid> = pages
        .iter()
        .flat_map(|p| message_ids(&p.messages))
        .collect();
    assert_eq!(all.iter().filter(|&&id| id == public).count(), 1);
    assert_eq!(all.iter().filter(|&&id| id == internal).count(), 1);
}

#[tokio::test]
async fn a_message_on_a_ticket_the_agent_may_not_see_stays_out_of_their_pull() {
    // Setup: a Technical Support ticket that Lea may see and Ana (Billing only) may not.
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let lea = server.login("lea@deskline.test").await;
    let ws = server.state.workspace();
    let (ana_actor, lea_actor) = (
        actor(&server, "ana@deskline.test"),
        actor(&server, "lea@deskline.test"),
    );
    let hidden = ticket_where(&server, "ticket only Lea sees", |t| {
        can_see(&lea_actor, t, &ws)
            && !can_see(&ana_actor, t, &ws)
            && ws.category(&t.status) != StatusCategory::Closed
    })
    .await;
    let (_, ana_cookie) = pull_all(&server, &ana, 0, 1000).await;
    let (_, lea_cookie) = pull_all(&server, &lea, 0, 1000).await;

    // Exec: Lea writes a note and a reply on it.
    let (note, answer) = (Uuid::now_v7(), Uuid::now_v7());
    push(
        &server,
        &lea,
        Uuid::now_v7(),
        json!([
            reply(1, hidden.id, note, "internal", "Ana must not read this."),
            reply(2, hidden.id, answer, "public", "Nor this."),
        ]),
    )
    .await;

    // Check: Ana learns nothing, now or from a fresh start; Lea gets both.
    let ana_pull = pull(&server, &ana, ana_cookie, 1000).await;
    assert!(ana_pull.tickets.is_empty() && ana_pull.messages.is_empty());
    let (pages, _) = pull_all(&server, &ana, 0, 1000).await;
    assert!(pages.iter().all(|p| {
        p.messages
            .iter()
            .all(|e| e.ticket != hidden.id && can_see(&ana_actor, &ticket_of(p, e), &ws))
    }));
    let lea_pull = pull(&server, &lea, lea_cookie, 1000).await;
    assert_eq!(message_ids(&lea_pull.messages), [note, answer]);

    // Check: the pull stays for staff; a customer is refused.
    let requester = server
        .store
        .all_tickets()
        .await
        .unwrap()
        .into_iter()
        .find_map(|t| t.requester)
        .unwrap();
    let customer = server.customer(&requester).await;
    let res = server.get(&customer, "/api/sync/pull").await;
    expect_error(res, StatusCode::FORBIDDEN).await;
}

/// The ticket of the page that `event` belongs to; every message comes with its ticket.
fn ticket_of(page: &PullResponse, event: &Event) -> Ticket {
    page.tickets
        .iter()
        .find(|t| t.id == event.ticket)
        .cloned()
        .unwrap_or_else(|| panic!("a message of {} without its ticket", event.ticket))
}

#[tokio::test]
async fn paging_returns_every_ticket_exactly_once() {
    // Setup.
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let ws = server.state.workspace();
    let who = actor(&server, "ana@deskline.test");
    let visible: BTreeSet<Uuid> = server
        .store
        .all_tickets()
        .await
        .unwrap()
        .iter()
        .filter(|t| can_see(&who, t, &ws))
        .map(|t| t.id)
        .collect();

    // Exec: pages of 7 from the start.
    let (pages, cookie) = pull_all(&server, &ana, 0, 7).await;

    // Check: every visible ticket once, `more` only before the last page, messages with their
    // tickets and never twice.
    let mut seen = BTreeMap::new();
    for page in &pages {
        assert!(page.tickets.len() <= 7);
        for t in &page.tickets {
            assert!(seen.insert(t.id, ()).is_none(), "{} came twice", t.id);
        }
        for event in &page.messages {
            ticket_of(page, event);
        }
    }
    assert_eq!(seen.keys().copied().collect::<BTreeSet<_>>(), visible);
    assert!(pages.len() > 2, "{} pages", pages.len());
    assert!(pages[..pages.len() - 1].iter().all(|p| p.more));
    assert!(!pages.last().unwrap().more);
    let messages: Vec<Uuid> = pages
        .iter()
        .flat_map(|p| message_ids(&p.messages))
        .collect();
    assert!(!messages.is_empty());
    assert_eq!(
        messages.len(),
        messages.iter().collect::<BTreeSet<_>>().len()
    );
    // Caught up: nothing further.
    let rest = pull(&server, &ana, cookie, 7).await;
    assert!(rest.tickets.is_empty() && !rest.more);
}

#[tokio::test]
async fn a_cookie_ahead_of_the_server_gets_a_reset() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let head = server.store.head().await.unwrap();
    assert_eq!(pull(&server, &ana, head, 10).await.cookie, head);
    let res = server
        .get(&ana, &format!("/api/sync/pull?cookie={}", head + 1))
        .await;
    let body = expect_error(res, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "sync_reset");
}

#[tokio::test]
async fn a_cookie_whose_change_is_not_the_one_it_named_gets_a_reset() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let (_, head) = pull_all(&server, &ana, 0, 1000).await;
    let page = pull(&server, &ana, head, 10).await;
    let check = page.check.expect("a page names its cookie's token");
    // Sent back with its own cookie, the token is good; without one, nothing is checked.
    for query in [
        format!("cookie={head}&check={check}"),
        format!("cookie={head}"),
    ] {
        let res = server.get(&ana, &format!("/api/sync/pull?{query}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
    }
    // The same number naming another change, as after a restore from an older backup.
    let res = server
        .get(
            &ana,
            &format!("/api/sync/pull?cookie={head}&check={}", check ^ 1),
        )
        .await;
    let body = expect_error(res, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "sync_reset");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("restored"),
        "{body}"
    );
    // The first page from 0 has nothing to check against.
    assert!(pull(&server, &ana, 0, 1).await.check.is_some());
    let res = server.get(&ana, "/api/sync/pull?cookie=0&check=7").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_full_batch_of_the_longest_replies_is_taken_and_a_larger_body_is_told_so() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let (ana_actor, ws) = (
        actor(&server, "ana@deskline.test"),
        server.state.workspace(),
    );
    let ticket = ticket_where(&server, "ticket Ana sees", |t| can_see(&ana_actor, t, &ws)).await;
    // A day offline: a whole batch of replies at the longest a reply may be (well over axum's
    // default 2 MB), which the client sends as one push.
    let line = "Réponse détaillée, étape par étape — première partie.\n";
    let body = line.repeat(deskline_shared::MAX_REPLY_CHARS / line.chars().count());
    let replies: Vec<Value> = (1..=deskline_shared::sync::PUSH_BATCH as u64)
        .map(|id| {
            mutation(
                id,
                "reply",
                json!({"ticket_id": ticket.id, "message_id": Uuid::now_v7(),
                       "visibility": "public", "body": body}),
            )
        })
        .collect();
    let bytes = serde_json::to_vec(&replies).unwrap().len();
    assert!(bytes > 2 * 1024 * 1024, "{bytes} bytes");
    let answer = push(&server, &ana, Uuid::now_v7(), Value::Array(replies)).await;
    assert!(
        answer
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{answer:?}"
    );
    // A body past the limit is refused as too large, in JSON, and changes nothing.
    let head = server.store.head().await.unwrap();
    let huge = "x".repeat(17 * 1024 * 1024);
    let res = server
        .post(
            &ana,
            "/api/sync/push",
            &json!({"client_id": Uuid::now_v7(), "mutations": [mutation(1, "reply", json!({
                "ticket_id": ticket.id, "message_id": Uuid::now_v7(),
                "visibility": "public", "body": huge}))]}),
        )
        .await;
    let error = expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(error["error"]["code"], "too_large");
    assert_eq!(server.store.head().await.unwrap(), head);
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Signs in as `email` and returns the client and its `name=value` session cookie.
async fn session(server: &TestServer, email: &str) -> (Client, String) {
    let client = server.anonymous();
    let res = server
        .post(
            &client,
            "/api/login",
            &json!({"email": email, "password": deskline_server::seed::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("deskline_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    (client, cookie)
}

async fn connect(server: &TestServer, cookie: Option<&str>) -> Result<Socket, tungstenite::Error> {
    let url = server.url("/api/sync/poke").replacen("http", "ws", 1);
    let mut request = url.into_client_request().unwrap();
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The next frame, within 5 s.
async fn next(socket: &mut Socket) -> Option<Message> {
    tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a frame within 5 s")
        .map(|m| m.expect("a good frame"))
}

/// The next poke's seq.
async fn poke(socket: &mut Socket) -> u64 {
    match next(socket).await {
        Some(Message::Text(text)) => {
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                body.as_object().map(|o| o.len()),
                Some(1),
                "only the seq: {body}"
            );
            body["seq"].as_u64().expect("a seq")
        }
        other => panic!("expected a poke, got {other:?}"),
    }
}

#[tokio::test]
async fn a_poke_tells_of_every_new_change() {
    // Setup: Ana's socket.
    let server = TestServer::start().await;
    let (ana, cookie) = session(&server, "ana@deskline.test").await;
    let ticket = new_ticket_for(&server, "ana@deskline.test").await;
    let mut socket = connect(&server, Some(&cookie)).await.unwrap();

    // Check: the head on connect.
    let head = server.store.head().await.unwrap();
    assert_eq!(poke(&mut socket).await, head);

    // Exec: a push over HTTP.
    let client_id = Uuid::now_v7();
    let pushed = push(
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
    let Outcome::Applied { seq } = pushed.results[0].outcome else {
        panic!("{pushed:?}")
    };

    // Check: the new seq arrives.
    assert!(seq > head);
    assert_eq!(poke(&mut socket).await, seq);

    // Exec: a burst of pushes while the socket is not read.
    for id in 2..=6 {
        let priority = if id % 2 == 0 { "low" } else { "high" };
        push(
            &server,
            &ana,
            client_id,
            json!([mutation(
                id,
                "set_priority",
                json!({"ticket_id": ticket.id, "priority": priority})
            )]),
        )
        .await;
    }

    // Check: pokes only move forward and end at the head.
    let head = server.store.head().await.unwrap();
    let mut last = seq;
    while last < head {
        let next = poke(&mut socket).await;
        assert!(next > last, "{next} after {last}");
        last = next;
    }
    assert_eq!(last, head);

    // Exec: the client closes. Check: the server answers the close handshake and ends.
    socket.send(Message::Close(None)).await.unwrap();
    loop {
        match next(&mut socket).await {
            Some(Message::Close(_)) | None => break,
            Some(Message::Text(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn every_open_poke_socket_hears_of_another_clients_push() {
    // Setup: three sockets open at once: Ana's, and two of Lea's (two tabs of one session). Bruno pushes; none of
    // the three made the change, and Ana cannot see the ticket (a poke carries no data).
    let server = TestServer::start().await;
    let (_, ana_cookie) = session(&server, "ana@deskline.test").await;
    let (_, lea_cookie) = session(&server, "lea@deskline.test").await;
    let bruno = server.login("bruno@deskline.test").await;
    let ws = server.state.workspace();
    let (ana, bruno_actor) = (
        actor(&server, "ana@deskline.test"),
        actor(&server, "bruno@deskline.test"),
    );
    let ticket = ticket_where(&server, "ticket Bruno sees and Ana does not", |t| {
        can_see(&bruno_actor, t, &ws) && !can_see(&ana, t, &ws)
    })
    .await;
    let mut sockets = [
        connect(&server, Some(&ana_cookie)).await.unwrap(),
        connect(&server, Some(&lea_cookie)).await.unwrap(),
        connect(&server, Some(&lea_cookie)).await.unwrap(),
    ];

    // Check: each socket starts at the head.
    let head = server.store.head().await.unwrap();
    for socket in &mut sockets {
        assert_eq!(poke(socket).await, head);
    }

    // Exec: Bruno's push, then another.
    let client_id = Uuid::now_v7();
    let mut last = head;
    for (id, priority) in [(1, "urgent"), (2, "low")] {
        let pushed = push(
            &server,
            &bruno,
            client_id,
            json!([mutation(
                id,
                "set_priority",
                json!({"ticket_id": ticket.id, "priority": priority})
            )]),
        )
        .await;
        let Outcome::Applied { seq } = pushed.results[0].outcome else {
            panic!("{pushed:?}")
        };
        assert!(seq > last, "a new change: {seq} after {last}");
        last = seq;

        // Check: every socket is poked with exactly that seq.
        for (n, socket) in sockets.iter_mut().enumerate() {
            assert_eq!(poke(socket).await, seq, "socket {n} after push {id}");
        }
    }
}

#[tokio::test]
async fn the_poke_closes_cleanly_when_the_server_shuts_down() {
    let server = TestServer::start().await;
    let (_, cookie) = session(&server, "lea@deskline.test").await;
    let mut socket = connect(&server, Some(&cookie)).await.unwrap();
    poke(&mut socket).await;

    // Exec: shutdown begins while the socket is open; the client answers the close.
    let state = server.state.clone();
    let closing = tokio::spawn(async move { state.close_pokes(Duration::from_secs(5)).await });
    let Some(Message::Close(Some(frame))) = next(&mut socket).await else {
        panic!("expected a close frame")
    };
    assert_eq!(frame.code, CloseCode::Away);
    // tungstenite answers the close frame itself; the stream then ends.
    assert!(next(&mut socket).await.is_none());

    // Check: the server was not left waiting for the grace period.
    tokio::time::timeout(Duration::from_secs(3), closing)
        .await
        .expect("close_pokes returns once its sockets are closed")
        .unwrap();
}

#[tokio::test]
async fn the_poke_needs_a_staff_session_and_a_websocket() {
    let server = TestServer::start().await;

    // No session: the usual 401 JSON error, on the upgrade as on a plain GET.
    let Err(tungstenite::Error::Http(res)) = connect(&server, None).await else {
        panic!("an upgrade without a session must be refused")
    };
    assert_eq!(res.status().as_u16(), 401);
    let body: Value = serde_json::from_slice(res.body().as_deref().unwrap_or_default()).unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    let forged = connect(&server, Some("deskline_session=forged")).await;
    assert!(
        matches!(&forged, Err(tungstenite::Error::Http(res)) if res.status().as_u16() == 401),
        "{forged:?}"
    );
    let anonymous = server.anonymous();
    let res = server.get(&anonymous, "/api/sync/poke").await;
    expect_error(res, StatusCode::UNAUTHORIZED).await;

    // A session but no upgrade: a 400 that says why.
    let ana = server.login("ana@deskline.test").await;
    let res = server.get(&ana, "/api/sync/poke").await;
    let body = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("WebSocket")
    );
}
