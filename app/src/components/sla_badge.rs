//! A ticket's SLA at a glance: a coloured dot and the time to the next deadline.

use crate::format;
use deskline_shared::sla::{Indicator, SlaState};
use leptos::prelude::*;

/// Green on track, amber warning, red breached (with a negative time), grey paused ("Paused ·
/// 1h 20m left"); a muted dash when no policy applies or nothing is owed.
///
/// One element whose text and attributes follow the indicator, so the countdown ticking every
/// second never rebuilds the DOM.
#[component]
pub fn SlaBadge(
    /// The ticket's indicator at the app's clock.
    indicator: Memo<Option<Indicator>>,
) -> impl IntoView {
    let state = Memo::new(move |_| indicator.with(|i| i.map(|i| i.state)));
    let class = move || match state.get() {
        Some(state) => format!("sla-badge sla-{}", state.name()),
        None => "sla-badge sla-none".to_owned(),
    };
    let text =
        move || indicator.with(|i| i.as_ref().map_or_else(|| "—".to_owned(), format::sla_badge));
    view! {
        <span
            class=class
            data-testid=move || state.get().map(|_| "sla-badge")
            data-state=move || state.get().map(SlaState::name)
            title=move || state.get().map_or("No SLA", SlaState::label)
        >
            {text}
        </span>
    }
}
