//! The ticket's properties as controls: each change is exactly one mutation.

use crate::contexts::use_store;
use deskline_shared::{Mutation, Priority, StatusId, Ticket};
use leptos::prelude::*;
use uuid::Uuid;
use web_sys::HtmlSelectElement;

/// Puts a select back on the ticket's value after a change that was refused locally (the
/// ticket did not change, so nothing reactive would redraw it).
fn restore(ev: &leptos::ev::Event, value: &str) {
    event_target::<HtmlSelectElement>(ev).set_value(value);
}

fn uuid_or_none(value: &str) -> Option<Uuid> {
    Uuid::parse_str(value).ok()
}

fn text_of(id: Option<Uuid>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

/// Status, priority, assignee and team selects, and the Start / Release buttons.
#[component]
pub fn Properties(
    /// The ticket id.
    id: Uuid,
    /// The ticket as projected.
    ticket: Memo<Option<Ticket>>,
) -> impl IntoView {
    let store = use_store();
    let (statuses, agents, teams, status_colors) = store.with_workspace(|ws| {
        let mut agents: Vec<_> = ws
            .agents
            .iter()
            .filter(|a| a.active && a.role.is_staff())
            .map(|a| (a.id, a.name.clone()))
            .collect();
        agents.sort_by_key(|a| a.1.to_lowercase());
        let teams: Vec<_> = ws.teams.iter().map(|t| (t.id, t.name.clone())).collect();
        let colors: Vec<_> = ws
            .statuses
            .iter()
            .map(|s| (s.id.clone(), s.color.clone()))
            .collect();
        (ws.statuses_in_order(), agents, teams, colors)
    });

    let status = move || ticket.with(|t| t.as_ref().map(|t| t.status.clone()));
    let priority = move || ticket.with(|t| t.as_ref().map(|t| t.priority));
    let assignee = move || ticket.with(|t| t.as_ref().and_then(|t| t.assignee));
    let team = move || ticket.with(|t| t.as_ref().and_then(|t| t.team));
    // Started = Start would change nothing: the shared rules decide, not a copy of them here.
    let started = move || {
        store
            .preview(&Mutation::Start { ticket_id: id })
            .is_ok_and(|events| events.is_empty())
    };
    let status_color = move || {
        let current = status();
        status_colors
            .iter()
            .find(|(id, _)| Some(id) == current.as_ref())
            .map_or_else(|| "#94a3b8".to_owned(), |(_, c)| c.clone())
    };

    let status_options = statuses
        .into_iter()
        .map(|s| {
            let value = s.id.clone();
            view! {
                <option
                    value=s.id.to_string()
                    prop:selected=move || status().as_ref() == Some(&value)
                >
                    {s.label}
                </option>
            }
        })
        .collect_view();
    let priority_options = Priority::ALL
        .into_iter()
        .map(|p| {
            view! {
                <option value=p.name() prop:selected=move || priority() == Some(p)>
                    {p.label()}
                </option>
            }
        })
        .collect_view();
    let agent_options = agents
        .iter()
        .map(|(agent, name)| {
            let agent = *agent;
            view! {
                <option value=agent.to_string() prop:selected=move || assignee() == Some(agent)>
                    {name.clone()}
                </option>
            }
        })
        .collect_view();
    // Someone who left stays visible on the tickets they held, but cannot be picked.
    let former = move || {
        let current = assignee()?;
        if agents.iter().any(|(id, _)| *id == current) {
            return None;
        }
        let name = store.with_workspace(|ws| ws.agent_name(current).to_owned());
        Some(view! {
            <option value=current.to_string() selected disabled>
                {format!("{name} (inactive)")}
            </option>
        })
    };
    let team_options = teams
        .into_iter()
        .map(|(team_id, name)| {
            view! {
                <option value=team_id.to_string() prop:selected=move || team() == Some(team_id)>
                    {name}
                </option>
            }
        })
        .collect_view();

    view! {
        <section class="props" aria-label="Properties">
            <label class="prop">
                <span class="prop-label">"Status"</span>
                <span class="select-wrap with-dot" style=move || format!("--c:{}", status_color())>
                    <select
                        data-testid="ticket-status"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            let mutation = Mutation::SetStatus {
                                ticket_id: id,
                                status: StatusId::new(value),
                            };
                            if !store.submit(mutation) {
                                restore(&ev, status().as_ref().map_or("", StatusId::as_str));
                            }
                        }
                    >
                        {status_options}
                    </select>
                </span>
            </label>
            <label class="prop">
                <span class="prop-label">"Priority"</span>
                <span class="select-wrap">
                    <select
                        data-testid="ticket-priority"
                        on:change=move |ev| {
                            let Some(value) = Priority::from_name(&event_target_value(&ev)) else {
                                return;
                            };
                            let mutation = Mutation::SetPriority {
                                ticket_id: id,
                                priority: value,
                            };
                            if !store.submit(mutation) {
                                restore(&ev, priority().map_or("", Priority::name));
                            }
                        }
                    >
                        {priority_options}
                    </select>
                </span>
            </label>
            <label class="prop">
                <span class="prop-label">"Assignee"</span>
                <span class="select-wrap">
                    <select
                        data-testid="ticket-assignee"
                        on:change=move |ev| {
                            let agent = uuid_or_none(&event_target_value(&ev));
                            let mutation = Mutation::Assign { ticket_id: id, agent };
                            if !store.submit(mutation) {
                                restore(&ev, &text_of(assignee()));
                            }
                        }
                    >
                        <option value="" prop:selected=move || assignee().is_none()>
                            "Unassigned"
                        </option>
                        {former}
                        {agent_options}
                    </select>
                </span>
            </label>
            <label class="prop">
                <span class="prop-label">"Team"</span>
                <span class="select-wrap">
                    <select
                        data-testid="ticket-team"
                        on:change=move |ev| {
                            let team_id = uuid_or_none(&event_target_value(&ev));
                            let mutation = Mutation::SetTeam {
                                ticket_id: id,
                                team: team_id,
                            };
                            if !store.submit(mutation) {
                                restore(&ev, &text_of(team()));
                            }
                        }
                    >
                        <option value="" prop:selected=move || team().is_none()>
                            "No team"
                        </option>
                        {team_options}
                    </select>
                </span>
            </label>
            <div class="prop prop-actions">
                <span class="prop-label">"Ownership"</span>
                <div class="btn-row">
                    <button
                        class=move || if started() { "btn small" } else { "btn primary small" }
                        data-testid="btn-start"
                        prop:disabled=started
                        title=move || {
                            if started() {
                                "You are working on it"
                            } else {
                                "Assign it to yourself and start working on it"
                            }
                        }
                        on:click=move |_| {
                            store.submit(Mutation::Start { ticket_id: id });
                        }
                    >
                        "Start"
                    </button>
                    <button
                        class="btn small"
                        data-testid="btn-release"
                        prop:disabled=move || assignee().is_none()
                        title="Give it back to the queue"
                        on:click=move |_| {
                            store.submit(Mutation::Release { ticket_id: id });
                        }
                    >
                        "Release"
                    </button>
                </div>
            </div>
        </section>
    }
}
