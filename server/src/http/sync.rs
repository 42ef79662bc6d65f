//! The sync protocol: push mutations, pull changes.

use crate::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::http::{ApiJson, ApiQuery};
use crate::store::sync::MAX_PULL;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use deskline_shared::api::{PullResponse, PushRequest, PushResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync/push", post(push))
        .route("/sync/pull", get(pull))
}

async fn push(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiJson(req): ApiJson<PushRequest>,
) -> AppResult<Json<PushResponse>> {
    let ws = state.workspace();
    let response = state
        .store
        .push(
            &user.actor(),
            &ws,
            req.client_id,
            &req.mutations,
            &state.clock,
        )
        .await?;
    // New facts for the SLA clocks: the scheduler recomputes the changed tickets' due times.
    state.sla_wake.notify_one();
    Ok(Json(response))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    cookie: Option<u64>,
    client_id: Option<Uuid>,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> AppResult<Json<PullResponse>> {
    let ws = state.workspace();
    let limit = q.limit.unwrap_or(500).min(MAX_PULL);
    Ok(Json(
        state
            .store
            .pull(
                &user.actor(),
                &ws,
                q.client_id,
                q.cookie.unwrap_or(0),
                limit,
                state.clock.now(),
            )
            .await?,
    ))
}
