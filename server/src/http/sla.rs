//! Service levels: the configuration (read by staff, changed by leaders), the in-app inbox, and the
//! test clock of servers started with `--test-clock`.

use crate::AppState;
use crate::auth::Staff;
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use deskline_shared::Role;
use deskline_shared::api::{ClockRequest, Inbox};
use deskline_shared::sla::SlaConfig;
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sla", get(config).put(save))
        .route("/inbox", get(inbox))
        .route("/inbox/read_all", post(read_all))
        .route("/inbox/{id}/read", post(read))
        .route("/admin/outbox", get(outbox))
        .route("/test/clock", put(set_clock))
}

async fn config(State(state): State<AppState>, _staff: Staff) -> Json<SlaConfig> {
    Json(state.workspace().sla.clone())
}

async fn save(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiJson(mut sla): ApiJson<SlaConfig>,
) -> AppResult<Json<SlaConfig>> {
    if !user.role.is_leader() {
        return Err(AppError::Forbidden(
            "Only team leaders and admins change service levels.".into(),
        ));
    }
    let ws = state.workspace();
    let invalid = |e: deskline_shared::sla::ConfigError| AppError::Invalid {
        message: e.message,
        field: Some(e.field),
    };
    sla.validate(&ws).map_err(invalid)?;
    sla.resolve_zones().map_err(invalid)?;
    state.store.save_sla(&sla).await?;
    let mut next = ws.as_ref().clone();
    next.sla = sla.clone();
    state.set_workspace(next);
    state.sla_wake.notify_one();
    Ok(Json(sla))
}

async fn inbox(State(state): State<AppState>, Staff(user): Staff) -> AppResult<Json<Inbox>> {
    Ok(Json(state.store.inbox(user.id).await?))
}

async fn read(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    if state
        .store
        .inbox_read(user.id, Some(id), state.clock.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!(
            "There is no inbox entry {id} of yours."
        )))
    }
}

async fn read_all(State(state): State<AppState>, Staff(user): Staff) -> AppResult<StatusCode> {
    state
        .store
        .inbox_read(user.id, None, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct OutboxEmail {
    to: String,
    subject: String,
    body: String,
}

/// Email waiting for delivery; no SMTP server is configured yet, so admins read it here.
async fn outbox(
    State(state): State<AppState>,
    Staff(user): Staff,
) -> AppResult<Json<Vec<OutboxEmail>>> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden(
            "Only admins read the email outbox.".into(),
        ));
    }
    let emails = state.store.email_outbox().await?;
    Ok(Json(
        emails
            .into_iter()
            .map(|(to, subject, body)| OutboxEmail { to, subject, body })
            .collect(),
    ))
}

/// Moves a test server's clock and runs the SLA scheduler before answering, so a test sees the
/// consequences at once. Servers without `--test-clock` have no such endpoint.
async fn set_clock(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ClockRequest>,
) -> AppResult<Json<ClockRequest>> {
    if !state.clock.set(req.now) {
        return Err(AppError::NotFound(
            "There is no API endpoint at /api/test/clock.".into(),
        ));
    }
    crate::sla::run_pass(&state).await?;
    Ok(Json(ClockRequest {
        now: state.clock.now(),
    }))
}
