//! One policy in the service-level settings: name, conditions, calendar, targets and pauses.
//!
//! Inputs show the draft (as properties, so a redraw overwrites typed text) and write every edit
//! back into it; the page redraws the cards from the draft whenever its shape changes (a policy
//! added, moved or removed, a target turned on or off), so positions and field paths such as
//! `policies[1].warning_percent` stay right.

use crate::components::check_list::CheckList;
use crate::components::icon::{ChevronIcon, CloseIcon};
use crate::components::sla_settings::parsed;
use crate::contexts::use_store;
use deskline_shared::sla::{Metric, Policy, SlaConfig, Target};
use deskline_shared::{Channel, Priority, StatusCategory};
use leptos::prelude::*;
use uuid::Uuid;

/// The categories a policy may pause on; solved and closed always stop the clocks.
const PAUSABLE: [StatusCategory; 4] = [
    StatusCategory::New,
    StatusCategory::Open,
    StatusCategory::Pending,
    StatusCategory::OnHold,
];

/// Changes policy `i` of the draft.
fn edit(draft: RwSignal<SlaConfig>, i: usize, f: impl FnOnce(&mut Policy)) {
    draft.update(|c| {
        if let Some(p) = c.policies.get_mut(i) {
            f(p);
        }
    });
}

/// Changes one target of policy `i`.
fn edit_target(
    draft: RwSignal<SlaConfig>,
    i: usize,
    metric: Metric,
    f: impl FnOnce(&mut Option<Target>),
) {
    edit(draft, i, |p| {
        f(match metric {
            Metric::FirstResponse => &mut p.first_response,
            Metric::NextResponse => &mut p.next_response,
            Metric::Resolution => &mut p.resolution,
        });
    });
}

/// Adds `value` to `list`, or takes it out.
fn toggle<T: PartialEq>(list: &mut Vec<T>, value: T, on: bool) {
    match (on, list.iter().position(|v| *v == value)) {
        (true, None) => list.push(value),
        (false, Some(at)) => {
            list.remove(at);
        }
        _ => {}
    }
}

/// Names of the ids in `ids`, from `(id, name)` pairs.
fn names(ids: &[Uuid], all: &[(Uuid, String)]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .filter_map(|id| all.iter().find(|(a, _)| a == id).map(|(_, n)| n.as_str()))
        .collect();
    names.join(", ")
}

/// What the conditions cover, in one line: "Urgent, High · Billing", or "Every ticket".
fn summary(p: &Policy, teams: &[(Uuid, String)], tags: &[(Uuid, String)]) -> String {
    let c = &p.conditions;
    let mut parts: Vec<String> = Vec::new();
    if !c.priorities.is_empty() {
        let labels: Vec<&str> = c.priorities.iter().map(|p| p.label()).collect();
        parts.push(labels.join(", "));
    }
    if !c.channels.is_empty() {
        let labels: Vec<&str> = c.channels.iter().map(|c| c.label()).collect();
        parts.push(labels.join(", "));
    }
    if !c.teams.is_empty() {
        parts.push(names(&c.teams, teams));
    }
    if !c.ticket_types.is_empty() {
        parts.push(c.ticket_types.join(", "));
    }
    if !c.tags.is_empty() {
        parts.push(format!("tagged {}", names(&c.tags, tags)));
    }
    if parts.is_empty() {
        "Every ticket".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// One target: on/off, amount, minutes or hours, business hours or around the clock.
fn target_row(
    draft: RwSignal<SlaConfig>,
    i: usize,
    metric: Metric,
    target: Option<Target>,
) -> impl IntoView {
    let off = target.is_none();
    // Minutes or hours is how the leader writes it, not part of the configuration.
    let in_hours = target.is_none_or(|t| t.minutes % 60 == 0);
    let hours = StoredValue::new(in_hours);
    let amount = target.map_or_else(String::new, |t| {
        (t.minutes / if in_hours { 60 } else { 1 }).to_string()
    });
    let business = target.is_some_and(|t| t.business);
    let field = format!("policies[{i}].{}", metric.name());
    view! {
        <div class="sla-target-row" data-field=field.clone()>
            <label class="check sla-target-name">
                <input
                    type="checkbox"
                    prop:checked=!off
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let business = draft
                            .with_untracked(|c| c.policies.get(i).is_some_and(|p| p.calendar.is_some()));
                        edit_target(draft, i, metric, |t| *t = on.then_some(Target { minutes: 60, business }));
                    }
                />
                <span>{metric.label()}</span>
            </label>
            <input
                type="number"
                min="1"
                inputmode="numeric"
                class="num"
                prop:value=amount
                disabled=off
                aria-label=format!("{} target", metric.label())
                data-testid=format!("policy-{}", metric.name())
                data-field=format!("{field}.minutes")
                on:input=move |ev| {
                    let n = event_target_value(&ev).trim().parse::<u32>().ok();
                    parsed(&ev, n.is_some(), "A whole number.");
                    if let Some(n) = n {
                        let minutes = if hours.get_value() { n.saturating_mul(60) } else { n };
                        edit_target(draft, i, metric, |t| {
                            if let Some(t) = t {
                                t.minutes = minutes;
                            }
                        });
                    }
                }
            />
            <span class="select-wrap">
                <select
                    aria-label="Unit"
                    disabled=off
                    on:change=move |ev| {
                        let to_hours = event_target_value(&ev) == "h";
                        if to_hours == hours.get_value() {
                            return;
                        }
                        hours.set_value(to_hours);
                        // The number stays; the unit changes what it means.
                        edit_target(draft, i, metric, |t| {
                            if let Some(t) = t {
                                t.minutes = if to_hours { t.minutes.saturating_mul(60) } else { t.minutes / 60 };
                            }
                        });
                    }
                >
                    <option value="m" prop:selected=!in_hours>
                        "minutes"
                    </option>
                    <option value="h" prop:selected=in_hours>
                        "hours"
                    </option>
                </select>
            </span>
            <span class="select-wrap">
                <select
                    aria-label="Counted in"
                    disabled=off
                    data-field=format!("{field}.business")
                    on:change=move |ev| {
                        let business = event_target_value(&ev) == "business";
                        edit_target(draft, i, metric, |t| {
                            if let Some(t) = t {
                                t.business = business;
                            }
                        });
                    }
                >
                    <option value="business" prop:selected=business>
                        "business hours"
                    </option>
                    <option value="clock" prop:selected=!business>
                        "around the clock"
                    </option>
                </select>
            </span>
        </div>
    }
}

/// One policy as a card (`data-testid="sla-policy"`), drawn from its drafted state.
#[component]
pub fn PolicyEditor(
    /// The configuration being edited.
    draft: RwSignal<SlaConfig>,
    /// The policy's position (first match wins).
    index: usize,
    /// The policy as drafted when the card was drawn.
    policy: Policy,
    /// The drafted calendars' ids, for the calendar select.
    calendars: Vec<Uuid>,
    /// It is the last policy.
    last: bool,
) -> impl IntoView {
    let store = use_store();
    let i = index;
    let at = |rest: &str| format!("policies[{i}]{rest}");
    let (teams, tags, types) = store.with_workspace(|ws| {
        (
            ws.teams
                .iter()
                .map(|t| (t.id, t.name.clone()))
                .collect::<Vec<_>>(),
            ws.tags
                .iter()
                .map(|t| (t.id, t.name.clone()))
                .collect::<Vec<_>>(),
            ws.ticket_types.clone(),
        )
    });
    let c = &policy.conditions;
    let priorities = Priority::ALL
        .iter()
        .map(|p| (p.label().to_owned(), c.priorities.contains(p)))
        .collect();
    let channels = Channel::ALL
        .iter()
        .map(|ch| (ch.label().to_owned(), c.channels.contains(ch)))
        .collect();
    let team_checks = teams
        .iter()
        .map(|(id, name)| (name.clone(), c.teams.contains(id)))
        .collect();
    let type_checks = types
        .iter()
        .map(|t| (t.clone(), c.ticket_types.contains(t)))
        .collect();
    let tag_checks = tags
        .iter()
        .map(|(id, name)| (name.clone(), c.tags.contains(id)))
        .collect();
    let pause_checks = PAUSABLE
        .iter()
        .map(|cat| (cat.label().to_owned(), policy.pause_on.contains(cat)))
        .collect();
    let team_ids: Vec<Uuid> = teams.iter().map(|t| t.0).collect();
    let tag_ids: Vec<Uuid> = tags.iter().map(|t| t.0).collect();
    let conditions_text = move || {
        draft.with(|c| {
            c.policies
                .get(i)
                .map_or_else(String::new, |p| summary(p, &teams, &tags))
        })
    };
    let shift = move |down: bool| {
        draft.update(|c| {
            let j = if down { i + 1 } else { i.wrapping_sub(1) };
            if j < c.policies.len() {
                c.policies.swap(i, j);
            }
        });
    };
    let calendar_options = calendars
        .into_iter()
        .enumerate()
        .map(|(j, id)| {
            // Names follow the calendar cards as they are typed.
            let name = move || {
                draft.with(|c| {
                    c.calendars.get(j).map_or_else(String::new, |c| {
                        if c.name.trim().is_empty() {
                            "(unnamed calendar)".to_owned()
                        } else {
                            c.name.clone()
                        }
                    })
                })
            };
            view! {
                <option value=id.to_string() prop:selected=policy.calendar == Some(id)>
                    {name}
                </option>
            }
        })
        .collect_view();

    view! {
        <article class="sla-card" data-testid="sla-policy" data-field=at("")>
            <header class="sla-card-head">
                <span class="sla-order" title="Checked in this order">
                    {i + 1}
                </span>
                <input
                    class="sla-name"
                    aria-label="Policy name"
                    placeholder="Policy name"
                    data-testid="policy-name"
                    data-field=at(".name")
                    prop:value=policy.name.clone()
                    on:input=move |ev| {
                        let name = event_target_value(&ev);
                        edit(draft, i, |p| p.name = name);
                    }
                />
                <div class="sla-card-actions">
                    <button
                        class="btn ghost small icon-btn"
                        title="Move up: checked earlier"
                        aria-label="Move up"
                        data-testid="policy-up"
                        disabled=i == 0
                        on:click=move |_| shift(false)
                    >
                        <ChevronIcon up=true />
                    </button>
                    <button
                        class="btn ghost small icon-btn"
                        title="Move down: checked later"
                        aria-label="Move down"
                        data-testid="policy-down"
                        disabled=last
                        on:click=move |_| shift(true)
                    >
                        <ChevronIcon up=false />
                    </button>
                    <button
                        class="btn ghost small icon-btn danger"
                        title="Delete policy"
                        aria-label="Delete policy"
                        data-testid="policy-delete"
                        on:click=move |_| {
                            draft.update(|c| {
                                if i < c.policies.len() {
                                    c.policies.remove(i);
                                }
                            });
                        }
                    >
                        <CloseIcon />
                    </button>
                </div>
            </header>
            <details class="sla-conditions" data-field=at(".conditions")>
                <summary>
                    <span class="sla-label">"Applies to"</span>
                    <span class="sla-summary">{conditions_text}</span>
                </summary>
                <div class="checks-grid">
                    <CheckList
                        legend="Priority"
                        field=at(".conditions.priorities")
                        options=priorities
                        toggle=Callback::new(move |(k, on): (usize, bool)| {
                            edit(draft, i, |p| toggle(&mut p.conditions.priorities, Priority::ALL[k], on));
                        })
                    />
                    <CheckList
                        legend="Channel"
                        field=at(".conditions.channels")
                        options=channels
                        toggle=Callback::new(move |(k, on): (usize, bool)| {
                            edit(draft, i, |p| toggle(&mut p.conditions.channels, Channel::ALL[k], on));
                        })
                    />
                    <CheckList
                        legend="Team"
                        field=at(".conditions.teams")
                        options=team_checks
                        toggle=Callback::new(move |(k, on): (usize, bool)| {
                            edit(draft, i, |p| toggle(&mut p.conditions.teams, team_ids[k], on));
                        })
                    />
                    <CheckList
                        legend="Ticket type"
                        field=at(".conditions.ticket_types")
                        options=type_checks
                        toggle=Callback::new(move |(k, on): (usize, bool)| {
                            edit(draft, i, |p| toggle(&mut p.conditions.ticket_types, types[k].clone(), on));
                        })
                    />
                    <CheckList
                        legend="Tag"
                        field=at(".conditions.tags")
                        options=tag_checks
                        toggle=Callback::new(move |(k, on): (usize, bool)| {
                            edit(draft, i, |p| toggle(&mut p.conditions.tags, tag_ids[k], on));
                        })
                    />
                </div>
            </details>
            <div class="sla-row">
                <label class="field">
                    <span>"Calendar"</span>
                    <select
                        data-testid="policy-calendar"
                        data-field=at(".calendar")
                        on:change=move |ev| {
                            let calendar = Uuid::parse_str(&event_target_value(&ev)).ok();
                            edit(draft, i, |p| p.calendar = calendar);
                        }
                    >
                        <option value="" prop:selected=policy.calendar.is_none()>
                            "None (around the clock only)"
                        </option>
                        {calendar_options}
                    </select>
                </label>
                <label class="field">
                    <span>"Warn at"</span>
                    <span class="with-suffix">
                        <input
                            type="number"
                            min="1"
                            max="99"
                            inputmode="numeric"
                            class="num"
                            data-testid="policy-warning"
                            data-field=at(".warning_percent")
                            prop:value=policy.warning_percent.to_string()
                            on:input=move |ev| {
                                let percent = event_target_value(&ev).trim().parse::<u8>().ok();
                                parsed(&ev, percent.is_some(), "A whole number from 1 to 99.");
                                if let Some(percent) = percent {
                                    edit(draft, i, |p| p.warning_percent = percent);
                                }
                            }
                        />
                        <span class="muted">"% of the target"</span>
                    </span>
                </label>
            </div>
            <div class="sla-targets">
                <span class="sla-label">"Targets"</span>
                {target_row(draft, i, Metric::FirstResponse, policy.first_response)}
                {target_row(draft, i, Metric::NextResponse, policy.next_response)}
                {target_row(draft, i, Metric::Resolution, policy.resolution)}
            </div>
            <CheckList
                legend="Pause the clocks while the ticket is"
                field=at(".pause_on")
                options=pause_checks
                toggle=Callback::new(move |(k, on): (usize, bool)| {
                    edit(draft, i, |p| toggle(&mut p.pause_on, PAUSABLE[k], on));
                })
            />
        </article>
    }
}
