//! The sync protocol: push mutations, pull changes, and the pokes that say when to pull.

use crate::AppState;
use crate::auth::Staff;
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, ApiQuery};
use crate::store::sync::{MAX_PULL, RawPull};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use deskline_shared::api::{Outcome, PushRequest, PushResponse};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// The default largest push body: a full batch of the largest mutations (`PUSH_BATCH` creates or
/// replies of 20,000 characters, each at most six bytes in JSON) fits, so an honest client's push
/// is not refused for its size (it would split the batch and try again).
pub const MAX_PUSH_BYTES: usize = 16 * 1024 * 1024;

pub fn router(max_push_bytes: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/sync/push",
            post(push).layer(DefaultBodyLimit::max(max_push_bytes)),
        )
        .route("/sync/pull", get(pull))
        .route("/sync/poke", get(poke))
}

async fn push(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiJson(req): ApiJson<PushRequest>,
) -> AppResult<Json<PushResponse>> {
    let response = state
        .store
        .push(
            &user.actor(),
            state.workspace(),
            req.client_id,
            req.mutations,
            &state.clock,
        )
        .await;
    // A push is decided in one transaction (shared with the pushes the writer thread batched with
    // it), so one answered with an error committed none of its mutations: it was refused before
    // anything was written (422 ids, 403 someone else's client id, 409 `mutation_gap`), or its
    // transaction was rolled back. A batch that fails is committed again push by push, though,
    // so the pushes beside it may have committed; each of those announces its own head, and
    // reading the head back here is only a safety net against a commit going unannounced.
    let head = match &response {
        Ok(response) => response
            .results
            .iter()
            .filter_map(|r| match r.outcome {
                Outcome::Applied { seq } => Some(seq),
                _ => None,
            })
            .max(),
        Err(_) => state.store.head().await.ok(),
    };
    if let Some(head) = head {
        state.announce(head);
    }
    let response = response?;
    // New facts for the SLA clocks: the scheduler recomputes the changed tickets' due times.
    state.sla_wake.notify_one();
    Ok(Json(response))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    cookie: Option<u64>,
    /// The cookie this run of pages began from (see `Store::pull`).
    since: Option<u64>,
    client_id: Option<Uuid>,
    limit: Option<u32>,
    /// The token the page that gave `cookie` came with (`PullResponse::check`).
    check: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> AppResult<Json<RawPull>> {
    let ws = state.workspace();
    let limit = q.limit.unwrap_or(500).min(MAX_PULL);
    Ok(Json(
        state
            .store
            .pull(
                &user.actor(),
                ws,
                q.client_id,
                q.cookie.unwrap_or(0),
                q.check,
                q.since,
                limit,
                state.clock.now(),
            )
            .await?,
    ))
}

/// How long one poke may take to reach a client before its socket is given up.
const POKE_SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /api/sync/poke`: a WebSocket that sends `{"seq": N}` on connect and after every commit
/// that creates a change. It carries nothing else; clients pull when it moves past their cookie.
async fn poke(
    State(state): State<AppState>,
    Staff(_user): Staff,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let upgrade = upgrade.map_err(|_| {
        AppError::bad_request(
            "This endpoint speaks WebSocket only: open it with a WebSocket client (Upgrade: websocket).",
        )
    })?;
    // Subscribe before reading the head, so no commit falls between the two.
    let heads = state.heads();
    let closing = state.closing();
    let head = state.store.head().await?;
    state.announce(head);
    Ok(upgrade.on_upgrade(move |socket| pokes(socket, head, heads, closing)))
}

/// Serves one poke socket until the client leaves, a send stalls, or the server shuts down.
async fn pokes(
    mut socket: WebSocket,
    head: u64,
    mut heads: watch::Receiver<u64>,
    mut closing: watch::Receiver<bool>,
) {
    let mut sent = None;
    let mut latest = head;
    loop {
        if sent.is_none_or(|sent| latest > sent) {
            let text = serde_json::json!({ "seq": latest }).to_string();
            match tokio::time::timeout(POKE_SEND_TIMEOUT, socket.send(Message::text(text))).await {
                Ok(Ok(())) => sent = Some(latest),
                // Gone, or too slow to read: drop the socket; the client reconnects and pulls.
                Ok(Err(_)) | Err(_) => return,
            }
        }
        tokio::select! {
            changed = heads.changed() => {
                if changed.is_err() {
                    break;
                }
                latest = latest.max(*heads.borrow_and_update());
            }
            message = socket.recv() => match message {
                // The close handshake is answered inside `recv`; the stream ends once it is done.
                None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = closing.wait_for(|closing| *closing) => break,
        }
    }
    // Shutting down: say so, then wait briefly for the client's close frame.
    let frame = CloseFrame {
        code: close_code::AWAY,
        reason: "The server is shutting down.".into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}
