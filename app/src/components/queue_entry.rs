//! One clickable sidebar entry with its live count.

use crate::contexts::use_store;
use crate::store::Filter;
use leptos::prelude::*;

/// Selects `filter` when clicked; shows `count` and, for statuses, a colored dot.
#[component]
pub fn QueueEntry(
    /// The `data-testid`, e.g. `count-all`.
    testid: String,
    /// What the entry is called.
    label: String,
    /// The list filter it selects.
    filter: Filter,
    /// The live count.
    count: Signal<usize>,
    /// A CSS color for a dot before the label.
    #[prop(optional)]
    color: Option<String>,
) -> impl IntoView {
    let store = use_store();
    let active = {
        let filter = filter.clone();
        move || store.filter.with(|f| *f == filter)
    };
    let select = move |_| {
        store.filter.set(filter.clone());
        // On a phone the list is hidden behind an open ticket: picking a queue means "show it".
        store.open(None);
    };
    view! {
        <button
            class="queue-entry"
            class:active=active
            data-testid=testid
            data-count=move || count.get().to_string()
            on:click=select
        >
            {color.map(|c| view! { <span class="dot" style=format!("--c:{c}")></span> })}
            <span class="queue-label">{label}</span>
            <span class="queue-count">{move || count.get()}</span>
        </button>
    }
}
