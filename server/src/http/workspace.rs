//! The workspace configuration.

use crate::AppState;
use crate::auth::Staff;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use deskline_shared::Workspace;

pub fn router() -> Router<AppState> {
    Router::new().route("/workspace", get(workspace))
}

async fn workspace(State(state): State<AppState>, _staff: Staff) -> Json<Workspace> {
    Json(state.workspace().as_ref().clone())
}
