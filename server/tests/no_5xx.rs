//! Whatever a client sends, the server answers with a 2xx or a 4xx that says what is wrong: never
//! a 5xx, never a panic. Random JSON (and near-valid pushes) against every endpoint, posted, put
//! and as query strings.

mod common;

use common::TestServer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "start",
            "create",
            "reply",
            "set_status",
            "internal",
            "public",
            "urgent",
            "open",
            "newest",
            "sla_deadline",
            "status:open priority:urgent"
        ])
        .prop_map(|s| json!(s)),
        Just(json!("0198f1c2-0000-7000-8000-000000000001")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "name",
                    "args",
                    "ticket_id",
                    "client_id",
                    "mutations",
                    "created_at",
                    "email",
                    "password",
                    "body",
                    "visibility",
                    "status",
                    "query",
                    "sort",
                    "ids",
                    "x"
                ])
                .prop_map(str::to_owned),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A push whose mutations have the right outline but arbitrary names and arguments, sometimes
/// real ones: replies that reuse message ids, ids past SQLite's integers, several clients.
fn near_valid_push(tickets: Vec<String>) -> impl Strategy<Value = Value> {
    let ticket = prop::sample::select(tickets);
    let message = prop::sample::select(vec![
        "0198f1c2-0000-7000-8000-0000000000e1",
        "0198f1c2-0000-7000-8000-0000000000e2",
    ]);
    let reply = (ticket.clone(), message, any::<bool>()).prop_map(|(ticket, message, public)| {
        json!({"ticket_id": ticket, "message_id": message, "visibility": if public { "public" } else { "internal" }, "body": "hi"})
    });
    let named = (
        prop::sample::select(vec!["reply", "start", "set_priority", "create", "add_tag"]),
        prop_oneof![reply, json_value()],
    );
    let id = prop_oneof![
        0u64..6,
        Just(i64::MAX as u64),
        Just(i64::MAX as u64 + 1),
        Just(u64::MAX)
    ];
    let mutation = (id, prop_oneof![json_value().prop_map(|v| (json!(v), json_value_placeholder())), named.prop_map(|(n, a)| (json!(n), a))])
        .prop_map(|(id, (name, args))| json!({"id": id, "created_at": "2026-11-21T09:00:00Z", "name": name, "args": args}));
    let client = prop::sample::select(vec![
        "0198f1c2-0000-7000-8000-0000000000aa",
        "0198f1c2-0000-7000-8000-0000000000bb",
    ]);
    (client, prop::collection::vec(mutation, 0..4))
        .prop_map(|(client, mutations)| json!({"client_id": client, "mutations": mutations}))
}

fn json_value_placeholder() -> Value {
    json!({"ticket_id": "0198f1c2-0000-7000-8000-000000000001"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_get_a_5xx() {
    let server = TestServer::start().await;
    let client = server.login("ana@deskline.test").await;
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    let tickets: Vec<String> = server
        .store
        .all_tickets()
        .await
        .unwrap()
        .iter()
        .take(8)
        .map(|t| t.id.to_string())
        .collect();
    let bodies = prop_oneof![json_value(), near_valid_push(tickets)];
    // A view of Ana's, so PUT bodies reach the update path and not only its 404.
    let view: Value = client
        .post(server.url("/api/views"))
        .json(&json!({"name": "Mine", "query": "", "sort": "newest"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let view_path = format!("/api/views/{}", view["id"].as_str().unwrap());
    let paths = prop::sample::select(
        [
            view_path.as_str(),
            "/api/views",
            "/api/views/order",
            "/api/views/0198f1c2-0000-7000-8000-000000000001",
            "/api/tickets/lookup",
            "/api/sync/push",
            "/api/login",
            "/api/tickets",
            "/api/sync/pull",
            "/api/me",
            "/api/sla",
            "/api/inbox",
            "/api/inbox/read_all",
            "/api/inbox/1/read",
            "/api/test/clock",
        ]
        .map(str::to_owned)
        .to_vec(),
    );
    let query = "[a-z_]{0,8}=[-0-9a-z.%]{0,12}";
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&(paths, bodies, query), |(path, body, query)| {
            let status = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let post = client
                        .post(server.url(&path))
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    let get = client
                        .get(server.url(&format!("{path}?{query}")))
                        .send()
                        .await
                        .unwrap()
                        .status();
                    let put = client
                        .put(server.url(&path))
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    (post, get, put)
                })
            });
            prop_assert!(
                !status.0.is_server_error(),
                "POST {} {} answered {}",
                path,
                body,
                status.0
            );
            prop_assert!(
                !status.1.is_server_error(),
                "GET {}?{} answered {}",
                path,
                query,
                status.1
            );
            prop_assert!(
                !status.2.is_server_error(),
                "PUT {} {} answered {}",
                path,
                body,
                status.2
            );
            Ok(())
        })
        .unwrap();
    // Still signed in and serving.
    let res = client.get(server.url("/api/me")).send().await.unwrap();
    assert!(res.status().is_success());
}
