//! The filter bar above the list: a menu per common filter, the SLA chips, "show completed",
//! "clear" and the sort. Every control edits the query, which is printed back into the search
//! box, so the bar and the query language are two views of one filter.

use crate::contexts::use_store;
use crate::store::{Sort, Store};
use deskline_shared::filter::{Filter, Who};
use deskline_shared::sla::SlaFilter;
use deskline_shared::{Channel, Priority};
use leptos::prelude::*;

/// Adds `value` to `list`, or takes it out if it is there.
fn toggle<T: PartialEq>(list: &mut Vec<T>, value: T) {
    match list.iter().position(|v| *v == value) {
        Some(at) => {
            list.remove(at);
        }
        None => list.push(value),
    }
}

/// A drop-down of checkboxes over one list field of the query.
fn menu<T: Clone + PartialEq + Send + Sync + 'static>(
    store: Store,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, T)>,
    read: fn(&Filter) -> &[T],
    field: fn(&mut Filter) -> &mut Vec<T>,
) -> impl IntoView {
    let chosen = move || store.query.with(|q| read(q).len());
    let boxes = options
        .into_iter()
        .map(|(text, value)| {
            let checked = {
                let value = value.clone();
                move || store.query.with(|q| read(q).contains(&value))
            };
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=checked
                        on:change=move |_| store.edit_query(|q| toggle(field(q), value.clone()))
                    />
                    <span>{text}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="filter-menu" data-testid=format!("filter-{name}")>
            <summary class:active=move || { chosen() > 0 }>
                {label}
                {move || match chosen() {
                    0 => String::new(),
                    n => format!(" ({n})"),
                }}
            </summary>
            <div class="filter-options">{boxes}</div>
        </details>
    }
}

/// The filter bar.
#[component]
pub fn ListTools() -> impl IntoView {
    let store = use_store();
    let (statuses, agents, teams, tags, types) = store.with_workspace(|ws| {
        let statuses: Vec<_> = ws
            .statuses_in_order()
            .into_iter()
            .map(|s| (s.label, s.id))
            .collect();
        let mut agents = vec![
            ("Me".to_owned(), Who::Me),
            ("Nobody".to_owned(), Who::Nobody),
        ];
        agents.extend(ws.agents.iter().map(|a| (a.name.clone(), Who::Agent(a.id))));
        let mut teams: Vec<_> = ws
            .teams
            .iter()
            .map(|t| (t.name.clone(), Some(t.id)))
            .collect();
        teams.push(("No team".to_owned(), None));
        let tags: Vec<_> = ws.tags.iter().map(|t| (t.name.clone(), t.id)).collect();
        let types: Vec<_> = ws
            .ticket_types
            .iter()
            .map(|t| (t.clone(), t.clone()))
            .collect();
        (statuses, agents, teams, tags, types)
    });
    let priorities = Priority::ALL.map(|p| (p.label().to_owned(), p)).to_vec();
    let channels = Channel::ALL.map(|c| (c.label().to_owned(), c)).to_vec();
    let offers_assignee = move || store.view.with(|v| v.offers_assignee());
    let offers_team = move || store.view.with(|v| v.offers_team());
    // Tags picked here are alternatives ("billing or refund"): the first group of the query.
    fn any_tag(q: &mut Filter) -> &mut Vec<uuid::Uuid> {
        if q.tags.is_empty() {
            q.tags.push(Vec::new());
        }
        &mut q.tags[0]
    }

    let chip = move |filter: SlaFilter| {
        let active = move || store.query.with(|q| q.sla.contains(&filter));
        view! {
            <button
                class=format!("sla-chip sla-chip-{}", filter.name())
                class:active=active
                aria-pressed=move || if active() { "true" } else { "false" }
                data-testid=format!("sla-filter-{}", filter.name())
                on:click=move |_| store.edit_query(|q| toggle(&mut q.sla, filter))
            >
                {filter.label()}
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
    let filtered = move || store.query.with(|q| *q != Filter::default());
    view! {
        <div class="list-tools" data-testid="filter-bar">
            <div class="filter-menus">
                {menu(store, "status", "Status", statuses, |q| &q.statuses, |q| &mut q.statuses)}
                {menu(store, "priority", "Priority", priorities, |q| &q.priorities, |q| &mut q.priorities)}
                <Show when=offers_assignee>
                    {menu(store, "assignee", "Assignee", agents.clone(), |q| &q.assignees, |q| &mut q.assignees)}
                </Show>
                <Show when=offers_team>
                    {menu(store, "team", "Team", teams.clone(), |q| &q.teams, |q| &mut q.teams)}
                </Show>
                {menu(store, "tag", "Tags", tags, |q| q.tags.first().map_or(&[], Vec::as_slice), any_tag)}
                {menu(store, "type", "Type", types, |q| &q.types, |q| &mut q.types)}
                {menu(store, "channel", "Channel", channels, |q| &q.channels, |q| &mut q.channels)}
                <label class="check show-completed">
                    <input
                        type="checkbox"
                        data-testid="show-completed"
                        prop:checked=move || store.query.with(|q| q.show_completed)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            store.edit_query(|q| q.show_completed = on);
                        }
                    />
                    <span>"Show completed"</span>
                </label>
                <button
                    class="btn small ghost"
                    data-testid="filter-clear"
                    disabled=move || !filtered()
                    on:click=move |_| store.set_query(Filter::default())
                >
                    "Clear"
                </button>
            </div>
            <div class="sla-chips" role="group" aria-label="Filter by SLA">
                {SlaFilter::ALL.into_iter().map(chip).collect_view()}
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
