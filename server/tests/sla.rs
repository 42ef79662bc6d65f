//! Service levels on a real server: leaders configure them with validation that names the field,
//! the scheduler notifies once per ticket, metric and kind (restarts included), and inboxes are
//! private.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestServer, expect_error};
use deskline_server::AppState;
use deskline_shared::api::{Inbox, PushResponse};
use deskline_shared::sla::SlaConfig;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use uuid::Uuid;

async fn sla(server: &TestServer, client: &Client) -> Value {
    let res = server.get(client, "/api/sla").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn inbox(server: &TestServer, client: &Client) -> Inbox {
    let res = server.get(client, "/api/inbox").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn set_clock(server: &TestServer, now: DateTime<Utc>) {
    let res = server
        .put(
            &server.anonymous(),
            "/api/test/clock",
            &json!({ "now": now }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn leaders_change_service_levels_and_mistakes_name_their_field() {
    let server = TestServer::start().await;
    let lea = server.login("lea@deskline.test").await;
    let original = sla(&server, &lea).await;
    assert_eq!(original["calendars"][0]["time_zone"], "Europe/Lisbon");
    assert!(
        original["calendars"][0]["zone"]["changes"]
            .as_array()
            .is_some_and(|c| c.len() > 100),
        "the server fills Lisbon's offset changes"
    );

    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut c = original.clone();
        edit(&mut c);
        c
    };
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            broken(&|c| c["calendars"][0]["hours"] = json!([])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendars[0].hours",
            "no working time",
        ),
        (
            broken(&|c| {
                c["calendars"][0]["hours"][1]["start"] = json!("17:00");
                c["calendars"][0]["hours"][1]["end"] = json!("09:00");
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendars[0].hours[1]",
            "ends at 09:00 but starts at 17:00",
        ),
        (
            broken(&|c| c["policies"][2]["warning_percent"] = json!(0)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "policies[2].warning_percent",
            "between 1 and 99",
        ),
        (
            broken(&|c| c["policies"][0]["warning_percent"] = json!(100)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "policies[0].warning_percent",
            "not 100",
        ),
        (
            broken(&|c| c["calendars"][0]["time_zone"] = json!("Europe/Atlantis")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendars[0].time_zone",
            "not a time zone",
        ),
        (
            broken(&|c| c["policies"][1]["calendar"] = json!(Uuid::nil())),
            StatusCode::UNPROCESSABLE_ENTITY,
            "policies[1].calendar",
            "does not exist",
        ),
        (
            broken(&|c| c["calendars"][0]["hours"][0]["end"] = json!("25:00")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            "not a time of day",
        ),
        (
            broken(&|c| c["policies"][0]["warning_percent"] = json!(-5)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            "invalid value",
        ),
    ];
    for (body, status, field, words) in cases {
        let error = expect_error(server.put(&lea, "/api/sla", &body).await, status).await;
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message:?} lacks {words:?}");
        if !field.is_empty() {
            assert_eq!(error["error"]["field"], field, "{error}");
        }
        assert_eq!(
            sla(&server, &lea).await,
            original,
            "a refused change changed nothing"
        );
    }

    // Agents and customers may not change them.
    let ana = server.login("ana@deskline.test").await;
    expect_error(
        server.put(&ana, "/api/sla", &original).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        server.put(&server.anonymous(), "/api/sla", &original).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // A good change is saved, filled in and served with the workspace.
    let mut better = original.clone();
    better["policies"][0]["warning_percent"] = json!(80);
    better["calendars"][0]["time_zone"] = json!("America/New_York");
    better["calendars"][0]["zone"] = json!({"initial": 0, "changes": []});
    let res = server.put(&lea, "/api/sla", &better).await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: SlaConfig = res.json().await.unwrap();
    assert_eq!(saved.policies[0].warning_percent, 80);
    assert_eq!(
        saved.calendars[0].zone.initial, -18_000,
        "New York's offset, filled by the server"
    );
    let ws: Value = server
        .get(&ana, "/api/workspace")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ws["sla"]["policies"][0]["warning_percent"], 80);
    assert_eq!(server.state.workspace().sla, saved);
}

/// Ana opens an urgent ticket and starts it; returns its id and when it was created.
async fn urgent_ticket(server: &TestServer, ana: &Client) -> (Uuid, DateTime<Utc>) {
    let id = Uuid::now_v7();
    let billing = server.state.workspace().teams[0].id;
    let res: PushResponse = server
        .post(
            ana,
            "/api/sync/push",
            &json!({"client_id": Uuid::now_v7(), "mutations": [
                {"id": 1, "created_at": "2026-11-21T09:00:00Z", "name": "create", "args": {
                    "ticket_id": id, "title": "Checkout is down", "ticket_type": "Support Ticket",
                    "channel": "phone", "priority": "urgent", "team": billing}},
                {"id": 2, "created_at": "2026-11-21T09:00:00Z", "name": "start", "args": {"ticket_id": id}},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res.last_mutation_id, 2);
    let ticket = server
        .store
        .all_tickets()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    (id, ticket.created_at)
}

fn about(inbox: &Inbox, ticket: Uuid) -> Vec<String> {
    let mut titles: Vec<String> = inbox
        .entries
        .iter()
        .filter(|e| e.ticket_id == Some(ticket))
        .map(|e| e.title.clone())
        .collect();
    titles.reverse();
    titles
}

#[tokio::test]
async fn the_scheduler_warns_and_reports_a_breach_once_each_even_across_restarts() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let (id, created) = urgent_ticket(&server, &ana).await;
    // The urgent policy: first response within 1 h around the clock, warning at 75 %.
    set_clock(&server, created + Duration::minutes(30)).await;
    assert!(
        about(&inbox(&server, &ana).await, id).is_empty(),
        "nothing at 50 %"
    );

    set_clock(&server, created + Duration::minutes(50)).await;
    let titles = about(&inbox(&server, &ana).await, id);
    assert_eq!(titles.len(), 1, "{titles:?}");
    assert!(
        titles[0].starts_with("First response due soon on TKT-"),
        "{titles:?}"
    );

    set_clock(&server, created + Duration::minutes(55)).await;
    assert_eq!(
        about(&inbox(&server, &ana).await, id).len(),
        1,
        "a warning is sent once"
    );

    set_clock(&server, created + Duration::minutes(61)).await;
    let titles = about(&inbox(&server, &ana).await, id);
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(
        titles[1].starts_with("First response breached on TKT-"),
        "{titles:?}"
    );
    let entry = inbox(&server, &ana)
        .await
        .entries
        .into_iter()
        .find(|e| e.ticket_id == Some(id))
        .unwrap();
    assert!(entry.body.contains("Checkout is down"), "{}", entry.body);
    assert!(entry.body.contains("1h around the clock"), "{}", entry.body);

    // A restart (a new process over the same database) sends nothing again.
    let mut restarted = AppState::new(server.store.clone(), PathBuf::from("."))
        .await
        .unwrap();
    restarted.clock = deskline_server::clock::Clock::test();
    restarted.clock.set(created + Duration::minutes(70));
    deskline_server::sla::run_pass(&restarted).await.unwrap();
    deskline_server::sla::run_pass(&restarted).await.unwrap();
    assert_eq!(about(&inbox(&server, &ana).await, id).len(), 2);

    // Each alert also waits in the email outbox, which only admins read.
    let admin = server.login("admin@deskline.test").await;
    let emails: Vec<Value> = server
        .get(&admin, "/api/admin/outbox")
        .await
        .json()
        .await
        .unwrap();
    let to_ana: Vec<&Value> = emails
        .iter()
        .filter(|e| {
            e["to"] == "ana@deskline.test"
                && e["body"].as_str().unwrap().contains("Checkout is down")
        })
        .collect();
    assert_eq!(to_ana.len(), 2, "{to_ana:?}");
    expect_error(
        server.get(&ana, "/api/admin/outbox").await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // A public reply meets the first response: no further alerts for that metric.
    let reply = json!({"client_id": Uuid::now_v7(), "mutations": [
        {"id": 1, "created_at": "2026-11-21T09:00:00Z", "name": "reply", "args": {
            "ticket_id": id, "message_id": Uuid::now_v7(), "visibility": "public", "body": "On it."}}]});
    assert_eq!(
        server.post(&ana, "/api/sync/push", &reply).await.status(),
        StatusCode::OK
    );
    set_clock(&server, created + Duration::minutes(120)).await;
    assert_eq!(about(&inbox(&server, &ana).await, id).len(), 2);
}

#[tokio::test]
async fn inboxes_are_private_and_read_marks_stick() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let (id, created) = urgent_ticket(&server, &ana).await;
    set_clock(&server, created + Duration::minutes(61)).await;
    let mine = inbox(&server, &ana).await;
    let entry = mine
        .entries
        .iter()
        .find(|e| e.ticket_id == Some(id))
        .unwrap()
        .clone();
    assert!(!entry.read);

    // Bruno (Technical) hears nothing of Ana's ticket and cannot touch her entries.
    let bruno = server.login("bruno@deskline.test").await;
    assert!(about(&inbox(&server, &bruno).await, id).is_empty());
    expect_error(
        server
            .post(&bruno, &format!("/api/inbox/{}/read", entry.id), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        !inbox(&server, &ana)
            .await
            .entries
            .iter()
            .find(|e| e.id == entry.id)
            .unwrap()
            .read
    );

    let res = server
        .post(&ana, &format!("/api/inbox/{}/read", entry.id), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = inbox(&server, &ana).await;
    assert!(
        after
            .entries
            .iter()
            .find(|e| e.id == entry.id)
            .unwrap()
            .read
    );
    assert_eq!(after.unread, mine.unread - 1);
    let res = server.post(&ana, "/api/inbox/read_all", &json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(inbox(&server, &ana).await.unread, 0);

    expect_error(
        server
            .post(&ana, "/api/inbox/banana/read", &json!({}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_error(
        server.get(&server.anonymous(), "/api/inbox").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn customers_reach_neither_service_levels_nor_inboxes() {
    let server = TestServer::start().await;
    let ticket = server
        .store
        .all_tickets()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.requester.is_some())
        .unwrap();
    let requester = ticket.requester.unwrap();
    let customer = server.customer(&requester).await;
    for path in ["/api/sla", "/api/inbox", "/api/admin/outbox"] {
        expect_error(server.get(&customer, path).await, StatusCode::FORBIDDEN).await;
    }
    expect_error(
        server
            .post(&customer, "/api/inbox/read_all", &json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let config = sla(&server, &server.login("lea@deskline.test").await).await;
    expect_error(
        server.put(&customer, "/api/sla", &config).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn servers_without_a_test_clock_have_no_clock_endpoint() {
    let server = TestServer::start().await;
    let mut production = server.state.clone();
    production.clock = deskline_server::clock::Clock::system();
    let router = deskline_server::app(production);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = Client::new()
        .put(format!("http://{addr}/api/test/clock"))
        .json(&json!({"now": "2030-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn tickets_stored_before_the_sla_clock_are_re_folded_from_their_log() {
    let server = TestServer::start().await;
    let before = server.store.all_tickets().await.unwrap();
    // What a database from before migration 0002 holds: tickets without their SLA facts.
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.db_path().display()))
        .await
        .unwrap();
    sqlx::query("UPDATE tickets SET data = json_remove(data, '$.sla')")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(server.store.refold_tickets().await.unwrap(), before.len());
    assert_eq!(server.store.all_tickets().await.unwrap(), before);
    assert_eq!(
        server.store.refold_tickets().await.unwrap(),
        0,
        "once is enough"
    );
}
