//! Bulk actions on the ticked tickets: status, priority, assignee, team, tags, archive. Each
//! becomes one mutation per ticket through `deskline_shared::apply`; the ones it refuses are
//! listed by ticket with the reason, and the others go out as usual.

use crate::contexts::use_store;
use crate::store::Store;
use deskline_shared::{Mutation, Priority, StatusId};
use leptos::prelude::*;
use uuid::Uuid;

/// What the last bulk action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// What was done, e.g. "Priority: Urgent".
    action: String,
    /// Tickets changed.
    done: usize,
    /// Tickets refused, by display reference, with the reason.
    refused: Vec<(String, String)>,
}

/// Runs `make` on every ticked ticket and records what happened.
fn run(
    store: Store,
    outcome: RwSignal<Option<Outcome>>,
    action: String,
    make: impl Fn(Uuid) -> Mutation,
) {
    let ids: Vec<Uuid> = store.marked.with_untracked(|m| {
        // The list's order, so the report reads like the list.
        store.listing.with_untracked(|l| {
            store
                .projection
                .with_untracked(|p| l.ids(&p.index).filter(|id| m.contains(id)).collect())
        })
    });
    let total = ids.len();
    let refused = store.submit_all(ids.into_iter().map(make).collect());
    // Refused tickets stay ticked so the agent can deal with them.
    let kept: std::collections::HashSet<Uuid> = refused.iter().map(|(id, _)| *id).collect();
    let refused: Vec<(String, String)> = store.projection.with_untracked(|p| {
        refused
            .into_iter()
            .map(|(id, why)| {
                let name = p
                    .get(&id)
                    .map_or_else(|| id.to_string(), |t| t.display_reference().to_owned());
                (name, why.to_string())
            })
            .collect()
    });
    store.marked.set(kept);
    outcome.set(Some(Outcome {
        action,
        done: total - refused.len(),
        refused,
    }));
}

/// A select that runs an action when an option is picked, then shows its title again.
fn action_select(
    testid: &'static str,
    title: &'static str,
    options: Vec<(String, String)>,
    pick: impl Fn(String, String) + 'static,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, label)| view! { <option value=value>{label}</option> })
        .collect_view();
    view! {
        <span class="select-wrap">
            <select
                data-testid=testid
                aria-label=title
                on:change=move |ev| {
                    let select: web_sys::HtmlSelectElement = event_target(&ev);
                    let value = select.value();
                    let label = select
                        .selected_options()
                        .item(0)
                        .and_then(|o| o.text_content())
                        .unwrap_or_default();
                    select.set_selected_index(0);
                    if !value.is_empty() {
                        pick(value, label);
                    }
                }
            >
                <option value="" selected>
                    {title}
                </option>
                {options}
            </select>
        </span>
    }
}

/// "Add tag…" (`add`) or "Remove tag…" on the ticked tickets.
fn tag_select(
    store: Store,
    outcome: RwSignal<Option<Outcome>>,
    tags: Vec<(String, String)>,
    add: bool,
) -> impl IntoView {
    let (testid, title, done) = if add {
        ("bulk-add-tag", "Add tag…", "Tag added")
    } else {
        ("bulk-remove-tag", "Remove tag…", "Tag removed")
    };
    action_select(testid, title, tags, move |value, label| {
        let Ok(tag) = value.parse::<Uuid>() else {
            return;
        };
        run(store, outcome, format!("{done}: {label}"), |ticket_id| {
            if add {
                Mutation::AddTag { ticket_id, tag }
            } else {
                Mutation::RemoveTag { ticket_id, tag }
            }
        })
    })
}

/// The bulk actions while tickets are selected, and the report of the last one.
#[component]
pub fn BulkBar() -> impl IntoView {
    let store = use_store();
    let outcome = RwSignal::new(None::<Outcome>);
    let count = Memo::new(move |_| store.marked.with(|m| m.len()));
    let report = move || {
        outcome.get().map(|o| {
            let refused = o
                .refused
                .into_iter()
                .map(|(reference, why)| {
                    view! {
                        <li>
                            <strong>{reference}</strong>
                            ": "
                            {why}
                        </li>
                    }
                })
                .collect_view();
            let summary = match o.done {
                1 => format!("{} — 1 ticket changed.", o.action),
                n => format!("{} — {n} tickets changed.", o.action),
            };
            view! {
                <div class="bulk-report" data-testid="bulk-report" role="status">
                    <p>
                        {summary}
                        <button class="btn small ghost" on:click=move |_| outcome.set(None)>
                            "Dismiss"
                        </button>
                    </p>
                    <ul class="bulk-refused" data-testid="bulk-refused">
                        {refused}
                    </ul>
                </div>
            }
        })
    };
    view! {
        <Show when=move || { count.get() > 0 }>{move || crate::lazy::bulk_actions(outcome)}</Show>
        {report}
    }
}

/// The bar of actions over the selected tickets (a split point of its own: see `lazy.rs`).
#[component]
pub fn BulkActions(
    /// Where the outcome of an action is reported.
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let store = use_store();
    let count = Memo::new(move |_| store.marked.with(|m| m.len()));
    let (statuses, agents, teams, tags) = store.with_workspace(|ws| {
        let statuses: Vec<_> = ws
            .statuses_in_order()
            .into_iter()
            .map(|s| (s.id.to_string(), s.label))
            .collect();
        let mut agents = vec![("none".to_owned(), "Nobody".to_owned())];
        agents.extend(ws.agents.iter().map(|a| (a.id.to_string(), a.name.clone())));
        let mut teams = vec![("none".to_owned(), "No team".to_owned())];
        teams.extend(ws.teams.iter().map(|t| (t.id.to_string(), t.name.clone())));
        let tags: Vec<_> = ws
            .tags
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect();
        (statuses, agents, teams, tags)
    });
    let priorities: Vec<_> = Priority::ALL
        .iter()
        .map(|p| (p.name().to_owned(), p.label().to_owned()))
        .collect();
    let id_or_none = |value: &str| value.parse::<Uuid>().ok();

    view! {
        <div class="bulk-bar" data-testid="bulk-bar" role="toolbar" aria-label="Bulk actions">
            <span class="bulk-count" data-testid="bulk-count">
                {move || format!("{} selected", count.get())}
            </span>
            {action_select(
                "bulk-status",
                "Status…",
                statuses.clone(),
                move |value, label| {
                    run(
                        store,
                        outcome,
                        format!("Status: {label}"),
                        |ticket_id| Mutation::SetStatus {
                            ticket_id,
                            status: StatusId::new(value.clone()),
                        },
                    )
                },
            )}
            {action_select(
                "bulk-priority",
                "Priority…",
                priorities.clone(),
                move |value, label| {
                    let Some(priority) = Priority::ALL.into_iter().find(|p| p.name() == value)
                    else {
                        return;
                    };
                    run(
                        store,
                        outcome,
                        format!("Priority: {label}"),
                        |ticket_id| Mutation::SetPriority { ticket_id, priority },
                    )
                },
            )}
            {action_select(
                "bulk-assign",
                "Assign…",
                agents.clone(),
                move |value, label| {
                    let agent = id_or_none(&value);
                    run(
                        store,
                        outcome,
                        format!("Assignee: {label}"),
                        |ticket_id| Mutation::Assign { ticket_id, agent },
                    )
                },
            )}
            {action_select(
                "bulk-team",
                "Team…",
                teams.clone(),
                move |value, label| {
                    let team = id_or_none(&value);
                    run(
                        store,
                        outcome,
                        format!("Team: {label}"),
                        |ticket_id| Mutation::SetTeam { ticket_id, team },
                    )
                },
            )}
            {tag_select(store, outcome, tags.clone(), true)}
            {tag_select(store, outcome, tags.clone(), false)}
            <button
                class="btn small"
                data-testid="bulk-archive"
                on:click=move |_| {
                    run(
                        store,
                        outcome,
                        "Archived".to_owned(),
                        |ticket_id| Mutation::Archive { ticket_id, archived: true },
                    )
                }
            >
                "Archive"
            </button>
            <button
                class="btn small ghost"
                data-testid="bulk-clear"
                on:click=move |_| store.marked.update(|m| m.clear())
            >
                "Unselect all"
            </button>
        </div>
    }
}
