//! One business calendar in the service-level settings: name, time zone, working periods per
//! weekday and holidays.
//!
//! Like the policy cards, inputs start from the draft and write every edit back; adding or
//! removing a period or a holiday redraws the form, so field paths such as
//! `calendars[0].hours[2]` always match the draft.

use crate::components::icon::CloseIcon;
use crate::components::sla_settings::parsed;
use crate::contexts::use_store;
use crate::format;
use chrono::NaiveDate;
use deskline_shared::sla::{Calendar, DayTime, Holiday, SlaConfig, Weekday, WorkingPeriod};
use leptos::prelude::*;

const TIME_HINT: &str = "A time of day as HH:MM, e.g. 09:00 (24:00 ends the day).";

/// Changes calendar `i` of the draft.
fn edit(draft: RwSignal<SlaConfig>, i: usize, f: impl FnOnce(&mut Calendar)) {
    draft.update(|c| {
        if let Some(cal) = c.calendars.get_mut(i) {
            f(cal);
        }
    });
}

/// A time input of period `j`; `end` picks the end rather than the start.
fn time_input(
    draft: RwSignal<SlaConfig>,
    i: usize,
    j: usize,
    p: &WorkingPeriod,
    end: bool,
) -> impl IntoView + use<> {
    let (value, label, testid) = if end {
        (p.end, "until", "calendar-period-end")
    } else {
        (p.start, "from", "calendar-period-start")
    };
    view! {
        <input
            class="time"
            inputmode="numeric"
            maxlength="5"
            placeholder=if end { "17:00" } else { "09:00" }
            aria-label=format!("{} {label}", p.day.label())
            data-testid=testid
            prop:value=value.to_string()
            on:input=move |ev| {
                let time = DayTime::parse(event_target_value(&ev).trim());
                parsed(&ev, time.is_some(), TIME_HINT);
                if let Some(time) = time {
                    edit(draft, i, |c| {
                        if let Some(p) = c.hours.get_mut(j) {
                            if end {
                                p.end = time;
                            } else {
                                p.start = time;
                            }
                        }
                    });
                }
            }
        />
    }
}

/// A weekday: its periods (or "Closed") and a button adding one.
fn day_row(
    draft: RwSignal<SlaConfig>,
    i: usize,
    calendar: &Calendar,
    day: Weekday,
) -> impl IntoView + use<> {
    let periods: Vec<_> = calendar
        .hours
        .iter()
        .enumerate()
        .filter(|(_, p)| p.day == day)
        .map(|(j, p)| {
            view! {
                <span class="sla-period" data-testid="calendar-period" data-field=format!("calendars[{i}].hours[{j}]")>
                    {time_input(draft, i, j, p, false)}
                    <span class="dash">"–"</span>
                    {time_input(draft, i, j, p, true)}
                    <button
                        class="btn ghost small icon-btn"
                        title="Remove these hours"
                        aria-label="Remove these hours"
                        data-testid="sla-remove-period"
                        on:click=move |_| {
                            edit(draft, i, |c| {
                                if j < c.hours.len() {
                                    c.hours.remove(j);
                                }
                            });
                        }
                    >
                        <CloseIcon />
                    </button>
                </span>
            }
        })
        .collect();
    let closed = periods.is_empty();
    let add = move |_| {
        edit(draft, i, |c| {
            // After the day's last period, with an hour's break; 09:00–17:00 on a closed day.
            let (start, end) = match c.hours.iter().filter(|p| p.day == day).map(|p| p.end).max() {
                None => (DayTime(9 * 60), DayTime(17 * 60)),
                Some(last) => {
                    let start = (last.0 + 60).min(23 * 60);
                    (DayTime(start), DayTime((start + 120).min(24 * 60)))
                }
            };
            // Keep the list in weekday order, so field paths read top to bottom.
            let at = c
                .hours
                .iter()
                .rposition(|p| p.day <= day)
                .map_or(0, |j| j + 1);
            c.hours.insert(at, WorkingPeriod { day, start, end });
        });
    };
    let label = day.label();
    view! {
        <div class="sla-day" data-day=label>
            <span class="sla-day-name">{label}</span>
            <div class="sla-periods">
                {periods}
                {closed.then(|| view! { <span class="muted sla-closed">"Closed"</span> })}
            </div>
            <button
                class="btn ghost small icon-btn add"
                title=format!("Add working hours on {label}")
                aria-label=format!("Add working hours on {label}")
                data-testid="sla-add-period"
                on:click=add
            >
                "+"
            </button>
        </div>
    }
}

/// One holiday: date, every year or once, name.
fn holiday_row(
    draft: RwSignal<SlaConfig>,
    i: usize,
    k: usize,
    h: &Holiday,
) -> impl IntoView + use<> {
    let edit_holiday = move |f: &dyn Fn(&mut Holiday)| {
        edit(draft, i, |c| {
            if let Some(h) = c.holidays.get_mut(k) {
                f(h);
            }
        });
    };
    view! {
        <div class="sla-holiday" data-testid="calendar-holiday" data-field=format!("calendars[{i}].holidays[{k}]")>
            <input
                type="date"
                aria-label="Date"
                data-testid="holiday-date"
                prop:value=format::date(h.date)
                on:input=move |ev| {
                    let date = event_target_value(&ev).trim().parse::<NaiveDate>().ok();
                    parsed(&ev, date.is_some(), "A date.");
                    if let Some(date) = date {
                        edit_holiday(&|h| h.date = date);
                    }
                }
            />
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="holiday-yearly"
                    prop:checked=h.yearly
                    on:change=move |ev| {
                        let yearly = event_target_checked(&ev);
                        edit_holiday(&|h| h.yearly = yearly);
                    }
                />
                <span>"Every year"</span>
            </label>
            <input
                class="holiday-name"
                aria-label="Holiday name"
                placeholder="Name, e.g. New Year"
                data-testid="holiday-name"
                prop:value=h.name.clone()
                on:input=move |ev| {
                    let name = event_target_value(&ev);
                    edit_holiday(&|h| h.name.clone_from(&name));
                }
            />
            <button
                class="btn ghost small icon-btn"
                title="Remove holiday"
                aria-label="Remove holiday"
                data-testid="holiday-remove"
                on:click=move |_| {
                    edit(draft, i, |c| {
                        if k < c.holidays.len() {
                            c.holidays.remove(k);
                        }
                    });
                }
            >
                <CloseIcon />
            </button>
        </div>
    }
}

/// One calendar as a card (`data-testid="sla-calendar"`), drawn from its drafted state.
#[component]
pub fn CalendarEditor(
    /// The configuration being edited.
    draft: RwSignal<SlaConfig>,
    /// The calendar's position.
    index: usize,
    /// The calendar as drafted when the card was drawn.
    calendar: Calendar,
) -> impl IntoView {
    let store = use_store();
    let i = index;
    let at = |rest: &str| format!("calendars[{i}]{rest}");
    let days = Weekday::ALL
        .into_iter()
        .map(|day| day_row(draft, i, &calendar, day))
        .collect_view();
    let holidays = calendar
        .holidays
        .iter()
        .enumerate()
        .map(|(k, h)| holiday_row(draft, i, k, h))
        .collect_view();
    let add_holiday = move |_| {
        let date = store.now.get_untracked().date_naive();
        edit(draft, i, |c| {
            c.holidays.push(Holiday {
                date,
                yearly: false,
                name: String::new(),
            });
        });
    };
    view! {
        <article class="sla-card" data-testid="sla-calendar" data-field=at("")>
            <header class="sla-card-head">
                <input
                    class="sla-name"
                    aria-label="Calendar name"
                    placeholder="Calendar name"
                    data-testid="calendar-name"
                    data-field=at(".name")
                    prop:value=calendar.name.clone()
                    on:input=move |ev| {
                        let name = event_target_value(&ev);
                        edit(draft, i, |c| c.name = name);
                    }
                />
                <div class="sla-card-actions">
                    <button
                        class="btn ghost small icon-btn danger"
                        title="Delete calendar"
                        aria-label="Delete calendar"
                        data-testid="calendar-delete"
                        on:click=move |_| {
                            draft.update(|c| {
                                if i < c.calendars.len() {
                                    c.calendars.remove(i);
                                }
                            });
                        }
                    >
                        <CloseIcon />
                    </button>
                </div>
            </header>
            <label class="field sla-zone">
                <span>"Time zone"</span>
                <input
                    list="sla-time-zones"
                    placeholder="Europe/Berlin"
                    autocomplete="off"
                    spellcheck="false"
                    data-testid="calendar-time-zone"
                    data-field=at(".time_zone")
                    prop:value=calendar.time_zone.clone()
                    on:input=move |ev| {
                        let zone = event_target_value(&ev);
                        edit(draft, i, |c| c.time_zone = zone);
                    }
                />
            </label>
            <div class="sla-hours" data-field=at(".hours")>
                <span class="sla-label">"Working hours"</span>
                {days}
            </div>
            <div class="sla-holidays" data-field=at(".holidays")>
                <span class="sla-label">"Holidays"</span>
                {holidays}
                <button class="btn small" data-testid="sla-add-holiday" on:click=add_holiday>
                    "Add holiday"
                </button>
            </div>
        </article>
    }
}
