//! The conversation: public replies, internal notes and one-line system events.

use crate::contexts::use_store;
use crate::format;
use deskline_shared::event::Message;
use deskline_shared::{Channel, Event, EventKind, Requester, Ticket, Trash, Visibility, Workspace};
use leptos::prelude::*;
use uuid::Uuid;

/// Who did something, for a sentence: an agent, the requester, or the system.
fn actor_name(actor: Option<Uuid>, ws: &Workspace, requester: Option<&Requester>) -> String {
    match actor {
        None => "Deskline".to_owned(),
        Some(id) => match (ws.agent(id), requester) {
            (Some(agent), _) => agent.name.clone(),
            (None, Some(r)) if r.id == id => r.name.clone(),
            _ => "Someone".to_owned(),
        },
    }
}

fn team_name(team: Option<Uuid>, ws: &Workspace) -> String {
    team.map_or_else(
        || "no team".to_owned(),
        |id| {
            ws.team(id)
                .map_or_else(|| "a former team".to_owned(), |t| t.name.clone())
        },
    )
}

fn tag_name(tag: Uuid, ws: &Workspace) -> String {
    ws.tag(tag)
        .map_or_else(|| "a deleted tag".to_owned(), |t| t.name.clone())
}

/// One system event as a sentence, e.g. "Ana changed priority from Medium to High".
fn describe(event: &Event, ws: &Workspace, requester: Option<&Requester>) -> String {
    let who = actor_name(event.actor, ws, requester);
    match &event.kind {
        EventKind::Created(created) => match created.channel {
            Channel::Manual => format!("{who} created the ticket"),
            channel => format!("{who} opened the ticket via {}", channel.label()),
        },
        EventKind::ReferenceAssigned { reference } => format!("Reference {reference} assigned"),
        EventKind::StatusChanged { from, to, .. } => format!(
            "{who} changed status from {} to {}",
            ws.status_label(from),
            ws.status_label(to)
        ),
        EventKind::PriorityChanged { from, to } => {
            format!("{who} changed priority from {from} to {to}")
        }
        EventKind::AssigneeChanged { from, to } => match (from, to) {
            (_, Some(to)) if Some(*to) == event.actor => format!("{who} took the ticket"),
            (_, Some(to)) => format!("{who} assigned it to {}", ws.agent_name(*to)),
            (Some(from), None) if Some(*from) == event.actor => {
                format!("{who} released the ticket")
            }
            (Some(from), None) => format!("{who} unassigned {}", ws.agent_name(*from)),
            (None, None) => format!("{who} left it unassigned"),
        },
        EventKind::TeamChanged { to, .. } => {
            format!("{who} moved it to {}", team_name(*to, ws))
        }
        EventKind::TagAdded { tag } => format!("{who} added tag {}", tag_name(*tag, ws)),
        EventKind::TagRemoved { tag } => format!("{who} removed tag {}", tag_name(*tag, ws)),
        EventKind::TitleChanged { to, .. } => format!("{who} renamed it to “{to}”"),
        EventKind::DescriptionChanged { .. } => format!("{who} edited the description"),
        EventKind::FieldSet { field, value } => {
            let label = ws.field(field).map_or(field.as_str(), |f| f.label.as_str());
            match value {
                Some(value) => format!("{who} set {label} to {}", format::field_value(value)),
                None => format!("{who} cleared {label}"),
            }
        }
        EventKind::ArchiveChanged { archived: true } => format!("{who} archived the ticket"),
        EventKind::ArchiveChanged { archived: false } => {
            format!("{who} took it out of the archive")
        }
        // The day and time as seen when it was snoozed ("until Mon 09:00"), beside that moment.
        EventKind::SnoozeChanged { until: Some(until) } => format!(
            "{who} snoozed it until {}",
            format::deadline(*until, event.at)
        ),
        EventKind::SnoozeChanged { until: None } => format!("{who} woke it up"),
        EventKind::TrashChanged {
            to: Some(Trash::Spam),
            ..
        } => format!("{who} marked it as spam"),
        EventKind::TrashChanged {
            to: Some(Trash::Deleted),
            ..
        } => format!("{who} deleted it"),
        EventKind::TrashChanged {
            from: Some(Trash::Spam),
            to: None,
        } => format!("{who} restored it from spam"),
        EventKind::TrashChanged { .. } => format!("{who} restored it"),
        EventKind::MessageAdded(_) => format!("{who} wrote a message"),
    }
}

fn message_view(message: &Message, at: chrono::DateTime<chrono::Utc>, pending: bool) -> AnyView {
    let internal = message.visibility == Visibility::Internal;
    view! {
        <article
            class="msg"
            class:internal=internal
            class:from-customer=!message.from_staff
            class:pending=pending
            data-testid="timeline-message"
            data-visibility=if internal { "internal" } else { "public" }
        >
            <header class="msg-head">
                <span class="avatar" aria-hidden="true">
                    {format::initial(&message.author_name)}
                </span>
                <strong class="msg-author">{message.author_name.clone()}</strong>
                {internal.then(|| view! { <span class="badge internal-badge">"Internal note"</span> })}
                <time class="msg-time" title=format::exact(at)>
                    {if pending { "sending…".to_owned() } else { format::when(at) }}
                </time>
            </header>
            <div class="msg-body" data-testid="message-body">
                {message.body.clone()}
            </div>
        </article>
    }
    .into_any()
}

fn entry_view(
    event: &Event,
    ws: &Workspace,
    requester: Option<&Requester>,
    pending: bool,
) -> AnyView {
    match &event.kind {
        EventKind::MessageAdded(message) => message_view(message, event.at, pending),
        _ => view! {
            <div class="event" class:pending=pending data-testid="timeline-event">
                <span class="event-dot" aria-hidden="true"></span>
                <span class="event-text">{describe(event, ws, requester)}</span>
                <time class="event-time" title=format::exact(event.at)>
                    {format::when(event.at)}
                </time>
            </div>
        }
        .into_any(),
    }
}

/// The server's timeline of the ticket followed by the events of the user's pending mutations.
#[component]
pub fn Timeline(
    /// The ticket id.
    id: Uuid,
    /// The ticket as projected (for the requester's name).
    ticket: Memo<Option<Ticket>>,
) -> impl IntoView {
    let store = use_store();
    let confirmed = Memo::new(move |_| {
        store.timeline.with(|t| {
            t.as_ref()
                .filter(|t| t.ticket == id)
                .map(|t| t.events.clone())
        })
    });
    let pending = Memo::new(move |_| store.pending_events(id));
    let requester =
        Memo::new(move |_| ticket.with(|t| t.as_ref().and_then(|t| t.requester.clone())));
    let render = move |events: &[Event], is_pending: bool| {
        requester.with(|requester| {
            store.with_workspace(|ws| {
                events
                    .iter()
                    .map(|e| entry_view(e, ws, requester.as_ref(), is_pending))
                    .collect_view()
            })
        })
    };
    view! {
        <section class="timeline" data-testid="timeline" aria-label="Conversation">
            {move || match confirmed.get() {
                None => view! { <p class="muted timeline-loading">"Loading conversation…"</p> }.into_any(),
                Some(events) => render(&events, false).into_any(),
            }}
            {move || pending.with(|events| render(events, true))}
        </section>
    }
}
