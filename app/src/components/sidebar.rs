//! Views, statuses and teams with live counts.

use crate::components::queue_entry::QueueEntry;
use crate::components::saved_views::SavedViews;
use crate::contexts::use_store;
use crate::store::View;
use leptos::prelude::*;

/// The sidebar. Counts come from the queue index over the projected tickets, so they move the
/// moment the user changes something.
#[component]
pub fn Sidebar() -> impl IntoView {
    let store = use_store();
    let counts = store.counts;
    // Only the viewer's teams: teams whose tickets they can never see would be rows of zeros.
    let (statuses, teams, labels) = store.with_actor_and_workspace(|actor, ws| {
        let teams: Vec<_> = deskline_shared::queue::teams_in_view(actor, ws)
            .cloned()
            .collect();
        let labels: Vec<String> = View::BUILT_IN.iter().map(|v| v.label(ws)).collect();
        (ws.statuses_in_order(), teams, labels)
    });

    let view_entries = View::BUILT_IN
        .into_iter()
        .zip(labels)
        .map(|(view, label)| {
            let counted = view.clone();
            let count = Signal::derive(move || counts.with(|c| c.of(&counted)));
            view! { <QueueEntry testid=format!("count-{}", view.key()) label view count /> }
        })
        .collect_view();
    let status_entries = statuses
        .into_iter()
        .map(|status| {
            let id = status.id.clone();
            let count = Signal::derive(move || counts.with(|c| Some(c.all.status(&id))));
            view! {
                <QueueEntry
                    testid=format!("count-status-{}", status.id)
                    label=status.label
                    view=View::All
                    tab=status.id
                    count
                    color=status.color
                />
            }
        })
        .collect_view();
    let team_entry = |team: Option<deskline_shared::Team>| {
        let id = team.as_ref().map(|t| t.id);
        let label = team.map_or_else(|| "No team".to_owned(), |t| t.name);
        let view = View::Team(id);
        let count = Signal::derive(move || counts.with(|c| Some(c.open.team(id))));
        view! { <QueueEntry testid=format!("count-{}", view.key()) label view count /> }
    };
    let team_entries = teams
        .into_iter()
        .map(|t| team_entry(Some(t)))
        .collect_view();

    view! {
        <nav class="sidebar" data-testid="sidebar" aria-label="Queues">
            <div class="nav-group">
                <div class="nav-title">"Views"</div>
                {view_entries}
            </div>
            <SavedViews />
            <div class="nav-group">
                <div class="nav-title">"Statuses"</div>
                {status_entries}
            </div>
            <div class="nav-group">
                <div class="nav-title">"Teams"</div>
                {team_entries}
                {team_entry(None)}
            </div>
        </nav>
    }
}
