//! Saved views: each member of staff keeps their own named queries and sorts, in their own order.
//! Nobody sees, changes or even learns of another person's views.

use crate::AppState;
use crate::auth::Staff;
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use deskline_shared::Workspace;
use deskline_shared::api::{SaveView, SavedView, ViewOrder};
use uuid::Uuid;

/// Longest view name, in characters, once trimmed.
const MAX_NAME_CHARS: usize = 60;
/// Longest query, in characters.
const MAX_QUERY_CHARS: usize = 2000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/views", get(list).post(create))
        .route("/views/order", put(order))
        .route("/views/{id}", put(update).delete(remove))
}

async fn list(
    State(state): State<AppState>,
    Staff(user): Staff,
) -> AppResult<Json<Vec<SavedView>>> {
    Ok(Json(state.store.views(user.id).await?))
}

async fn create(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiJson(view): ApiJson<SaveView>,
) -> AppResult<(StatusCode, Json<SavedView>)> {
    let view = checked(view, &state.workspace())?;
    let saved = state
        .store
        .create_view(user.id, &view, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn update(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(view): ApiJson<SaveView>,
) -> AppResult<Json<SavedView>> {
    let view = checked(view, &state.workspace())?;
    Ok(Json(state.store.update_view(user.id, id, &view).await?))
}

async fn remove(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    state.store.delete_view(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn order(
    State(state): State<AppState>,
    Staff(user): Staff,
    ApiJson(order): ApiJson<ViewOrder>,
) -> AppResult<Json<Vec<SavedView>>> {
    Ok(Json(state.store.order_views(user.id, &order.ids).await?))
}

/// The view as it will be stored (name and query trimmed), once every rule that needs no database
/// holds. The query is parsed as typed, so the column in a parse error is the one the user sees.
fn checked(view: SaveView, ws: &Workspace) -> AppResult<SaveView> {
    let name = view.name.trim();
    let length = name.chars().count();
    if length == 0 {
        return Err(AppError::invalid("name", "Give the view a name."));
    }
    if length > MAX_NAME_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("A view's name is at most {MAX_NAME_CHARS} characters; this one has {length}."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "A view's name is one line of text, without tabs or control characters.",
        ));
    }
    let length = view.query.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(AppError::invalid(
            "query",
            format!(
                "A view's query is at most {MAX_QUERY_CHARS} characters; this one has {length}."
            ),
        ));
    }
    deskline_shared::query::parse(&view.query, ws)
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    Ok(SaveView {
        name: name.to_owned(),
        query: view.query.trim().to_owned(),
        sort: view.sort,
    })
}
