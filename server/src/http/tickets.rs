//! Tickets the signed-in user may see.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::http::{ApiPath, ApiQuery};
use crate::store::PageCursor;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use deskline_shared::api::{TicketDetail, TicketPage};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list))
        .route("/tickets/{id}", get(detail))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    after: Option<String>,
    limit: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<TicketPage>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::BadRequest {
            message: format!("limit must be between 1 and 500; got {limit}."),
            field: Some("limit".into()),
        });
    }
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<PageCursor>().map_err(|()| AppError::BadRequest {
            message: format!("\"{text}\" is not a page cursor; pass the `next` value of the previous page."),
            field: Some("after".into()),
        })?),
    };
    let ws = state.workspace();
    let (tickets, next, total) = state
        .store
        .ticket_page(&user.actor(), &ws, after, limit)
        .await?;
    Ok(Json(TicketPage {
        tickets,
        next: next.map(|c| c.to_string()),
        total,
    }))
}

async fn detail(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<TicketDetail>> {
    let actor = user.actor();
    let ws = state.workspace();
    let ticket = state
        .store
        .ticket_for(&actor, &ws, id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound("There is no ticket with that id that you can see.".into())
        })?;
    let timeline = state.store.timeline(&actor, id).await?;
    Ok(Json(TicketDetail { ticket, timeline }))
}
