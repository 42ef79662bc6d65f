//! One clickable sidebar entry with its live count.

use crate::contexts::use_store;
use crate::store::View;
use deskline_shared::StatusId;
use leptos::prelude::*;

/// Below this width (the `min-width: 1100px` rule of style.css) an open ticket replaces the list.
const SPLIT_VIEW_MIN_WIDTH: f64 = 1100.0;

fn list_hidden_by_ticket() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < SPLIT_VIEW_MIN_WIDTH)
}

/// Shows `view` (on status tab `tab`) when clicked; shows `count` and, for statuses, a colored
/// dot.
#[component]
pub fn QueueEntry(
    /// The `data-testid`, e.g. `count-all`.
    testid: String,
    /// What the entry is called.
    label: String,
    /// The view it shows.
    view: View,
    /// The status tab it opens the view on.
    #[prop(optional)]
    tab: Option<StatusId>,
    /// The live count (`None`: no count, e.g. a saved view).
    count: Signal<Option<usize>>,
    /// A CSS color for a dot before the label.
    #[prop(optional)]
    color: Option<String>,
) -> impl IntoView {
    let store = use_store();
    let active = {
        let view = view.clone();
        let tab = tab.clone();
        move || store.view.with(|v| *v == view) && store.tab.with(|t| *t == tab)
    };
    let select = move |_| {
        store.set_view(view.clone());
        store.tab.set(tab.clone());
        // Where the open ticket hides the list, picking a queue means "show me that queue".
        if list_hidden_by_ticket() {
            store.open(None);
        }
    };
    view! {
        <button
            class="queue-entry"
            class:active=active
            data-testid=testid
            data-count=move || count.get().map(|n| n.to_string())
            on:click=select
        >
            {color.map(|c| view! { <span class="dot" style=format!("--c:{c}")></span> })}
            <span class="queue-label">{label}</span>
            <span class="queue-count">{move || count.get()}</span>
        </button>
    }
}
