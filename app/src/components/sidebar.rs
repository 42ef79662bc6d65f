//! Queues, statuses and teams with live counts.

use crate::components::queue_entry::QueueEntry;
use crate::contexts::use_store;
use crate::store::Filter;
use leptos::prelude::*;

/// The sidebar. Counts come from `deskline_shared::queue::Counts` over the projected tickets, so
/// they move the moment the user changes something.
#[component]
pub fn Sidebar() -> impl IntoView {
    let store = use_store();
    let counts = store.counts;
    // Only the viewer's teams: teams whose tickets they can never see would be rows of zeros.
    let (mut statuses, teams) = store.with_actor_and_workspace(|actor, ws| {
        let teams: Vec<_> = deskline_shared::queue::teams_in_view(actor, ws)
            .cloned()
            .collect();
        (ws.statuses.clone(), teams)
    });
    statuses.sort_by_key(|s| s.position);

    let status_entries = statuses
        .into_iter()
        .map(|status| {
            let id = status.id.clone();
            let count = Signal::derive(move || counts.with(|c| c.all.status(&id)));
            view! {
                <QueueEntry
                    testid=format!("count-status-{}", status.id)
                    label=status.label
                    filter=Filter::Status(status.id)
                    count
                    color=status.color
                />
            }
        })
        .collect_view();
    let team_entries = teams
        .into_iter()
        .map(|team| {
            let id = team.id;
            let count = Signal::derive(move || counts.with(|c| c.open.team(Some(id))));
            view! {
                <QueueEntry
                    testid=format!("count-team-{id}")
                    label=team.name
                    filter=Filter::Team(Some(id))
                    count
                />
            }
        })
        .collect_view();

    view! {
        <nav class="sidebar" data-testid="sidebar" aria-label="Queues">
            <div class="nav-group">
                <div class="nav-title">"Queues"</div>
                <QueueEntry
                    testid="count-all".to_owned()
                    label="All open".to_owned()
                    filter=Filter::AllOpen
                    count=Signal::derive(move || counts.with(|c| c.open.total))
                />
                <QueueEntry
                    testid="count-mine".to_owned()
                    label="My tickets".to_owned()
                    filter=Filter::Mine
                    count=Signal::derive(move || counts.with(|c| c.open.mine))
                />
                <QueueEntry
                    testid="count-unassigned".to_owned()
                    label="Unassigned".to_owned()
                    filter=Filter::Unassigned
                    count=Signal::derive(move || counts.with(|c| c.open.unassigned))
                />
            </div>
            <div class="nav-group">
                <div class="nav-title">"Statuses"</div>
                {status_entries}
            </div>
            <div class="nav-group">
                <div class="nav-title">"Teams"</div>
                {team_entries}
                <QueueEntry
                    testid="count-team-none".to_owned()
                    label="No team".to_owned()
                    filter=Filter::Team(None)
                    count=Signal::derive(move || counts.with(|c| c.open.team(None)))
                />
            </div>
        </nav>
    }
}
