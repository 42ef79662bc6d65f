//! The open ticket: what it is about, its properties, the conversation and the composer.

use crate::components::composer::Composer;
use crate::components::icon::BackIcon;
use crate::components::properties::Properties;
use crate::components::sla_badge::SlaBadge;
use crate::components::sla_banner::SlaBanner;
use crate::components::tag_editor::TagEditor;
use crate::components::timeline::Timeline;
use crate::contexts::use_store;
use crate::format;
use leptos::html::Div;
use leptos::prelude::*;
use uuid::Uuid;

/// Everything about one ticket. All user text is rendered as text nodes, never as HTML.
#[component]
pub fn TicketView(
    /// The ticket.
    id: Uuid,
) -> impl IntoView {
    let store = use_store();
    let ticket = Memo::new(move |_| store.ticket(id));
    let exists = Memo::new(move |_| ticket.with(Option::is_some));
    let saving = Memo::new(move |_| store.is_saving(id));
    let report = Memo::new(move |_| {
        let now = store.now.get();
        ticket.with(|t| {
            let t = t.as_ref()?;
            store.sla.with(|engine| engine.report(t, now))
        })
    });
    let indicator = Memo::new(move |_| report.with(|r| r.as_ref().and_then(|r| r.indicator)));
    let read = move |f: fn(&deskline_shared::Ticket) -> String| {
        move || ticket.with(|t| t.as_ref().map(f).unwrap_or_default())
    };
    let close = move |_| store.open(None);
    // When the user sends a message, bring it into view: it lands at the end of the timeline.
    let scroller = NodeRef::<Div>::new();
    let unsent_messages = Memo::new(move |_| {
        store.projection.with(|p| {
            p.pending_events.get(&id).map_or(0, |events| {
                events.iter().filter(|e| e.kind.message().is_some()).count()
            })
        })
    });
    Effect::new(move |previous: Option<usize>| {
        let count = unsent_messages.get();
        if previous.is_some_and(|previous| count > previous)
            && let Some(el) = scroller.get_untracked()
        {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
        count
    });
    let meta = move || {
        ticket.with(|t| {
            let Some(t) = t else { return String::new() };
            let mut parts = Vec::new();
            if let Some(r) = &t.requester {
                match &r.email {
                    Some(email) => parts.push(format!("{} <{email}>", r.name)),
                    None => parts.push(r.name.clone()),
                }
            }
            parts.push(t.channel.label().to_owned());
            parts.push(t.ticket_type.clone());
            parts.push(format!("opened {}", format::when(t.created_at)));
            parts.join(" · ")
        })
    };
    let back = move || {
        view! {
            <button class="btn ghost small back" data-testid="btn-back" title="Back to the list" on:click=close>
                <BackIcon />
                <span>"Back"</span>
            </button>
        }
    };

    view! {
        <article class="ticket-view" data-testid="ticket-view" data-id=id.to_string()>
            <Show
                when=move || exists.get()
                fallback=move || {
                    view! {
                        <div class="tv-head">{back()}</div>
                        <div class="pane-empty">
                            <p>"This ticket is no longer in your queues."</p>
                        </div>
                    }
                }
            >
                <header class="tv-head">
                    <div class="tv-ref-line">
                        {back()}
                        <span
                            class="tv-ref"
                            class:pending-ref=move || ticket.with(|t| t.as_ref().is_some_and(|t| t.reference.is_none()))
                            data-testid="ticket-reference"
                        >
                            {read(|t| t.display_reference().to_owned())}
                        </span>
                        <Show when=move || saving.get()>
                            <span class="saving-marker">"saving…"</span>
                        </Show>
                        <SlaBadge indicator />
                    </div>
                    <h2 class="tv-title" data-testid="ticket-title">
                        {read(|t| t.title.clone())}
                    </h2>
                    <p class="tv-meta">{meta}</p>
                </header>
                <div class="tv-scroll" node_ref=scroller>
                    <SlaBanner report />
                    <Properties id ticket />
                    <TagEditor id ticket />
                    <Show when=move || ticket.with(|t| t.as_ref().is_some_and(|t| !t.description.trim().is_empty()))>
                        <section class="tv-description" aria-label="Description">
                            {read(|t| t.description.clone())}
                        </section>
                    </Show>
                    <Timeline id ticket />
                </div>
                <Composer id />
            </Show>
        </article>
    }
}
