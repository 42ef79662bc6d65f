//! The open ticket's service level: the policy that applies and where each metric stands.

use crate::contexts::use_store;
use crate::format;
use chrono::{DateTime, Utc};
use deskline_shared::sla::{Metric, SlaReport, SlaState, Target};
use leptos::prelude::*;

/// One line of the banner: what changes only when a metric changes state or deadline.
type Line = (Metric, Target, SlaState, Option<DateTime<Utc>>);

/// Policy name, then per metric: label, target, deadline (local time; "—" while paused or once
/// achieved) and state. Nothing when no policy covers the ticket.
#[component]
pub fn SlaBanner(
    /// The ticket's report at the app's clock (`SlaEngine::report`).
    report: Memo<Option<SlaReport>>,
) -> impl IntoView {
    let store = use_store();
    // The report changes every second while a clock runs (elapsed time); the banner only when a
    // state or deadline does.
    let shown = Memo::new(move |_| {
        report.with(|r| {
            r.as_ref().map(|r| {
                let lines: Vec<Line> = r
                    .metrics
                    .iter()
                    .map(|m| (m.metric, m.target, m.state, m.deadline))
                    .collect();
                (r.policy_name.clone(), lines)
            })
        })
    });
    move || {
        let (policy, lines) = shown.get()?;
        let now = store.now.get_untracked();
        let lines = lines
            .into_iter()
            .map(|(metric, target, state, deadline)| {
                view! {
                    <div
                        class=format!("sla-metric sla-{}", state.name())
                        data-testid="sla-metric"
                        data-metric=metric.name()
                        data-state=state.name()
                    >
                        <span class="sla-metric-label">{metric.label()}</span>
                        <span class="sla-target">{format::target(target)}</span>
                        <span class="sla-deadline" title="Deadline">
                            {deadline.map_or_else(|| "—".to_owned(), |d| format::deadline(d, now))}
                        </span>
                        <span class="sla-state">{state.label()}</span>
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <section class="sla-banner" data-testid="sla-banner" aria-label="Service level">
                <div class="sla-banner-head">
                    <span class="prop-label">"SLA"</span>
                    <span class="sla-policy" data-testid="sla-policy-name">
                        {policy}
                    </span>
                </div>
                <div class="sla-metrics">{lines}</div>
            </section>
        })
    }
}
