//! Above the ticket list: the SLA filter chips and the sort selector.

use crate::contexts::use_store;
use crate::store::Sort;
use deskline_shared::sla::SlaFilter;
use leptos::prelude::*;

/// "All" plus one chip per `SlaFilter`, and the list order (remembered across reloads). The
/// filters themselves are `deskline_shared::sla::SlaFilter::matches`, applied in the store.
#[component]
pub fn ListTools() -> impl IntoView {
    let store = use_store();
    let chip = move |filter: Option<SlaFilter>| {
        let (name, label) = filter.map_or(("all", "All"), |f| (f.name(), f.label()));
        let active = move || store.sla_filter.get() == filter;
        view! {
            <button
                class=format!("sla-chip sla-chip-{name}")
                class:active=active
                aria-pressed=move || if active() { "true" } else { "false" }
                data-testid=format!("sla-filter-{name}")
                on:click=move |_| store.sla_filter.set(filter)
            >
                {label}
            </button>
        }
    };
    let options = Sort::ALL
        .into_iter()
        .map(|sort| {
            view! {
                <option value=sort.name() prop:selected=move || store.sort.get() == sort>
                    {sort.label()}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="list-tools">
            <div class="sla-chips" role="group" aria-label="Filter by SLA">
                {chip(None)}
                {SlaFilter::ALL.into_iter().map(|f| chip(Some(f))).collect_view()}
            </div>
            <label class="sort">
                <span class="tools-label">"Sort"</span>
                <span class="select-wrap">
                    <select
                        data-testid="sort-select"
                        on:change=move |ev| {
                            if let Some(sort) = Sort::from_name(&event_target_value(&ev)) {
                                store.set_sort(sort);
                            }
                        }
                    >
                        {options}
                    </select>
                </span>
            </label>
        </div>
    }
}
