//! Status tabs above the list, each with the number of tickets of the view and query in it.

use crate::contexts::use_store;
use deskline_shared::StatusId;
use leptos::prelude::*;

/// "All" plus one tab per workspace status.
#[component]
pub fn StatusTabs() -> impl IntoView {
    let store = use_store();
    let statuses = store.with_workspace(|ws| ws.statuses_in_order());
    let tab = move |status: Option<StatusId>, label: String| {
        let key = status
            .as_ref()
            .map_or_else(|| "all".to_owned(), |s| s.to_string());
        let active = {
            let status = status.clone();
            move || store.tab.with(|t| *t == status)
        };
        let count = {
            let status = status.clone();
            move || {
                store.listing.with(|l| match &status {
                    Some(s) => l.tabs.status(s),
                    None => l.all,
                })
            }
        };
        view! {
            <button
                class="status-tab"
                role="tab"
                class:active=active.clone()
                aria-selected=move || if active() { "true" } else { "false" }
                data-testid=format!("tab-{key}")
                on:click=move |_| store.tab.set(status.clone())
            >
                {label}
                <span class="tab-count">{count}</span>
            </button>
        }
    };
    let tabs = statuses
        .into_iter()
        .map(|s| tab(Some(s.id), s.label))
        .collect_view();
    view! {
        <div class="status-tabs" role="tablist" aria-label="Statuses">
            {tab(None, "All".to_owned())}
            {tabs}
        </div>
    }
}
