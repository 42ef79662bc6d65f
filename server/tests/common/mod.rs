//! A real server on 127.0.0.1:0 over a temporary SQLite file, and a cookie-keeping client.

#![allow(dead_code)]

use deskline_server::seed::{DEMO_PASSWORD, ensure_workspace};
use deskline_server::store::Store;
use deskline_server::{AppState, app};
use deskline_shared::Preset;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;

pub struct TestServer {
    pub base: String,
    pub store: Store,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::with_preset(Preset::SupportModule, 60).await
    }

    pub async fn with_preset(preset: Preset, tickets: usize) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        ensure_workspace(&store, preset, tickets, chrono::Utc::now())
            .await
            .unwrap();
        let mut state = AppState::new(store.clone(), PathBuf::from(dir.path()))
            .await
            .unwrap();
        // Tests move time with PUT /api/test/clock, which also runs the SLA scheduler.
        state.clock = deskline_server::clock::Clock::test();
        let listener = deskline_server::listen(([127, 0, 0, 1], 0).into()).unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TestServer {
            base: format!("http://{addr}"),
            store,
            state,
            _dir: dir,
        }
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self._dir.path().join("test.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with its own cookie jar, not signed in.
    pub fn anonymous(&self) -> Client {
        Client::builder().cookie_store(true).build().unwrap()
    }

    /// A client signed in as the demo account with this email.
    pub async fn login(&self, email: &str) -> Client {
        let client = self.anonymous();
        let res = client
            .post(self.url("/api/login"))
            .json(&json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login as {email}");
        client
    }

    /// Gives `requester` a customer account and returns a client signed in with it.
    pub async fn customer(&self, requester: &deskline_shared::Requester) -> Client {
        let hash = deskline_server::auth::hash_password("customer-pass").unwrap();
        self.store
            .create_account(
                requester.id,
                "customer@example.test",
                &requester.name,
                deskline_shared::Role::Customer,
                &hash,
            )
            .await
            .unwrap();
        let client = self.anonymous();
        let res = self
            .post(
                &client,
                "/api/login",
                &json!({"email": "customer@example.test", "password": "customer-pass"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        client
    }

    /// `GET path` with `client`'s cookies.
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    /// `PUT path` with a JSON body and `client`'s cookies.
    pub async fn put(&self, client: &Client, path: &str, body: &Value) -> Response {
        client.put(self.url(path)).json(body).send().await.unwrap()
    }

    /// `POST path` with a JSON body and `client`'s cookies.
    pub async fn post(&self, client: &Client, path: &str, body: &Value) -> Response {
        client.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub fn agent_id(&self, email: &str) -> uuid::Uuid {
        self.state
            .workspace()
            .agents
            .iter()
            .find(|a| a.email == email)
            .unwrap()
            .id
    }
}

/// One mutation of a push, as a client sends it.
pub fn mutation(id: u64, name: &str, args: Value) -> Value {
    json!({"id": id, "created_at": "2026-11-21T09:00:00Z", "name": name, "args": args})
}

/// Pushes `mutations` under `client_id` and expects the server to take the request.
pub async fn push(
    server: &TestServer,
    client: &Client,
    client_id: uuid::Uuid,
    mutations: Value,
) -> deskline_shared::api::PushResponse {
    let res = server
        .post(
            client,
            "/api/sync/push",
            &json!({"client_id": client_id, "mutations": mutations}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Asserts an error response: status, `{error:{code,message}}` shape, and returns the body.
pub async fn expect_error(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "no error code in {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.len() > 10, "error message too thin: {body}");
    body
}
