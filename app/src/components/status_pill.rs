//! A status as a colored pill.

use crate::contexts::use_store;
use deskline_shared::StatusId;
use leptos::prelude::*;

/// The status label on a tint of the workspace's color for it.
#[component]
pub fn StatusPill(
    /// The status.
    status: StatusId,
) -> impl IntoView {
    let store = use_store();
    let (label, color) = store.with_workspace(|ws| {
        ws.status(&status).map_or_else(
            || (status.to_string(), "#94a3b8".to_owned()),
            |s| (s.label.clone(), s.color.clone()),
        )
    });
    view! {
        <span class="pill" style=format!("--c:{color}") data-status=status.0>
            {label}
        </span>
    }
}
