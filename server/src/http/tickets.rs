//! Tickets the signed-in user may see, and finding any ticket by its reference.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::http::{ApiPath, ApiQuery};
use crate::store::PageCursor;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use deskline_shared::api::{ReferenceLookup, TicketDetail, TicketPage};
use deskline_shared::queue::can_see;
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list))
        .route("/tickets/lookup", get(lookup))
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

/// Longest text a lookup accepts; references are 17 characters or fewer for years to come.
const MAX_REFERENCE_CHARS: usize = 40;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupQuery {
    reference: Option<String>,
}

/// Finds a ticket by its exact reference across the whole workspace. Staff learn that a ticket in
/// a team they cannot see exists, with its status and team so they know whom to ask, and nothing
/// else about it. Customers hear only of their own requests: anything else reads as missing.
async fn lookup(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> AppResult<Json<ReferenceLookup>> {
    let text = q.reference.as_deref().unwrap_or_default().trim();
    if text.is_empty() {
        return Err(AppError::BadRequest {
            message: "Give the reference of the ticket to look up, e.g. ?reference=TKT-0001."
                .into(),
            field: Some("reference".into()),
        });
    }
    let length = text.chars().count();
    if length > MAX_REFERENCE_CHARS {
        return Err(AppError::BadRequest {
            message: format!(
                "A reference is at most {MAX_REFERENCE_CHARS} characters; this one has {length}."
            ),
            field: Some("reference".into()),
        });
    }
    let missing = || AppError::NotFound(format!("No ticket has the reference \"{text}\"."));
    let reference = canonical_reference(text);
    let ticket = state
        .store
        .ticket_by_reference(&reference)
        .await?
        .ok_or_else(missing)?;
    let actor = user.actor();
    let ws = state.workspace();
    let visible = can_see(&actor, &ticket, &ws);
    if !visible && !actor.role.is_staff() {
        return Err(missing());
    }
    Ok(Json(ReferenceLookup {
        id: visible.then_some(ticket.id),
        reference: ticket.reference.clone().unwrap_or(reference),
        status_label: ws.status_label(&ticket.status).to_owned(),
        status: ticket.status,
        team: ticket.team,
        team_name: ticket.team.and_then(|t| ws.team(t)).map(|t| t.name.clone()),
        visible,
    }))
}

/// References are stored as issued (`TKT-0001`); people type the prefix in any case.
fn canonical_reference(text: &str) -> String {
    match text.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("TKT-") => format!("TKT-{}", &text[4..]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_reference;

    #[test]
    fn only_the_prefix_changes_case() {
        assert_eq!(canonical_reference("tkt-0042"), "TKT-0042");
        assert_eq!(canonical_reference("Tkt-00ab"), "TKT-00ab");
        assert_eq!(
            canonical_reference("20251007092633646"),
            "20251007092633646"
        );
        // A multi-byte character across the prefix's end is left alone rather than split.
        assert_eq!(canonical_reference("tkté1"), "tkté1");
        assert_eq!(canonical_reference("tk"), "tk");
    }
}
