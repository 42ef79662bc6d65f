//! The "New ticket" form.

use crate::contexts::use_store;
use deskline_shared::{Channel, Mutation, Priority};
use leptos::prelude::*;
use uuid::Uuid;

/// A small dialog that queues a `Create` and opens the new ticket, which shows
/// "(reference pending)" until the server numbers it.
#[component]
pub fn NewTicket(
    /// Closes the dialog.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let store = use_store();
    let (types, teams) = store.with_workspace(|ws| {
        (
            ws.ticket_types.clone(),
            ws.teams
                .iter()
                .map(|t| (t.id, t.name.clone()))
                .collect::<Vec<_>>(),
        )
    });
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let ticket_type = RwSignal::new(types.first().cloned().unwrap_or_default());
    let priority = RwSignal::new(Priority::Medium);
    let team = RwSignal::new(None::<Uuid>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ticket_id = Uuid::now_v7();
        let mutation = Mutation::Create {
            ticket_id,
            title: title.get_untracked(),
            description: description.get_untracked(),
            ticket_type: ticket_type.get_untracked(),
            channel: Channel::Manual,
            priority: priority.get_untracked(),
            team: team.get_untracked(),
            requester: None,
        };
        if store.submit(mutation) {
            store.open(Some(ticket_id));
            on_close.run(());
        }
    };
    let type_options = types
        .into_iter()
        .map(|t| view! { <option value=t.clone()>{t.clone()}</option> })
        .collect_view();
    let priority_options = Priority::ALL
        .into_iter()
        .map(|p| {
            view! {
                <option value=p.name() selected=p == Priority::Medium>
                    {p.label()}
                </option>
            }
        })
        .collect_view();
    let team_options = teams
        .into_iter()
        .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
        .collect_view();

    view! {
        <div
            class="overlay"
            on:click=move |_| on_close.run(())
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <form
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="new-ticket-title"
                data-testid="new-ticket"
                on:click=|ev| ev.stop_propagation()
                on:submit=submit
                novalidate
            >
                <h2 id="new-ticket-title">"New ticket"</h2>
                <label class="field">
                    <span>"Title"</span>
                    <input
                        data-testid="new-title"
                        autofocus
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>"Description"</span>
                    <textarea
                        data-testid="new-description"
                        rows="4"
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <div class="field-row">
                    <label class="field">
                        <span>"Type"</span>
                        <select
                            data-testid="new-type"
                            on:change=move |ev| ticket_type.set(event_target_value(&ev))
                        >
                            {type_options}
                        </select>
                    </label>
                    <label class="field">
                        <span>"Priority"</span>
                        <select
                            data-testid="new-priority"
                            on:change=move |ev| {
                                if let Some(p) = Priority::from_name(&event_target_value(&ev)) {
                                    priority.set(p);
                                }
                            }
                        >
                            {priority_options}
                        </select>
                    </label>
                    <label class="field">
                        <span>"Team"</span>
                        <select
                            data-testid="new-team"
                            on:change=move |ev| team.set(Uuid::parse_str(&event_target_value(&ev)).ok())
                        >
                            <option value="">"No team"</option>
                            {team_options}
                        </select>
                    </label>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn primary" data-testid="new-submit">
                        "Create ticket"
                    </button>
                </div>
            </form>
        </div>
    }
}
