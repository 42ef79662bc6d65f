//! The service-level settings for team leaders and admins: policies in order and the business
//! calendars they count in, edited as a draft and saved in one `PUT /api/sla`.

use crate::api::{self, ApiError};
use crate::components::calendar_editor::CalendarEditor;
use crate::components::icon::BackIcon;
use crate::components::policy_editor::PolicyEditor;
use crate::components::storage_settings::StorageSettings;
use crate::contexts::{Session, use_session, use_store};
use deskline_shared::StatusCategory;
use deskline_shared::sla::{
    Calendar, Conditions, DEFAULT_WARNING_PERCENT, DayTime, Policy, SlaConfig, Target, Weekday,
    WorkingPeriod, Zone,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// Offered as suggestions; any IANA name the server knows is accepted.
const TIME_ZONES: [&str; 36] = [
    "UTC",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Dublin",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
];

/// Marks the input an edit came from as invalid (with `hint` as its tooltip), or as fine again.
/// Save refuses while any input is marked, since the draft still holds its last good value.
pub fn parsed(ev: &leptos::ev::Event, ok: bool, hint: &str) {
    let el = event_target::<web_sys::Element>(ev);
    if ok {
        let _ = el.remove_attribute("aria-invalid");
        let _ = el.remove_attribute("title");
    } else {
        let _ = el.set_attribute("aria-invalid", "true");
        let _ = el.set_attribute("title", hint);
    }
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Focuses `el`, or the first input or select inside it.
fn focus(el: &web_sys::Element) {
    let target = if matches!(el.tag_name().as_str(), "INPUT" | "SELECT") {
        Some(el.clone())
    } else {
        el.query_selector("input, select").ok().flatten()
    };
    if let Some(target) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = target.focus();
    }
}

/// Takes `attribute` off every element that has it.
fn unmark(attribute: &str) {
    let Some(doc) = document() else { return };
    while let Ok(Some(el)) = doc.query_selector(&format!(".sla-settings [{attribute}]")) {
        let _ = el.remove_attribute(attribute);
    }
}

/// Takes the error mark Save put on a field.
fn clear_marks() {
    unmark("data-error");
}

/// Marks the input a `field` path such as `policies[1].warning_percent` names (or, for a path
/// without its own input, the nearest part of the form that has one), opens it if it is folded
/// away, and brings it into view.
fn mark(field: &str) {
    let Some(doc) = document() else { return };
    let mut path = field;
    loop {
        let selector = format!("[data-field=\"{path}\"]");
        if let Ok(Some(el)) = doc.query_selector(&selector) {
            let _ = el.set_attribute("data-error", "");
            if let Ok(Some(details)) = el.closest("details") {
                let _ = details.set_attribute("open", "");
            }
            el.scroll_into_view();
            focus(&el);
            return;
        }
        match path.rfind(['.', '[']) {
            Some(cut) if cut > 0 => path = &path[..cut],
            _ => return,
        }
    }
}

/// The first input whose text does not parse, with its hint.
fn unparsed_input() -> Option<String> {
    let el = document()?
        .query_selector(".sla-settings [aria-invalid='true']")
        .ok()??;
    focus(&el);
    let hint = el.get_attribute("title").unwrap_or_default();
    Some(
        format!("Fix the highlighted field first. {hint}")
            .trim_end()
            .to_owned(),
    )
}

fn new_policy(config: &SlaConfig) -> Policy {
    let calendar = config.calendars.first().map(|c| c.id);
    let target = |hours: u32| {
        Some(Target {
            minutes: hours * 60,
            business: calendar.is_some(),
        })
    };
    Policy {
        id: Uuid::now_v7(),
        name: format!("Policy {}", config.policies.len() + 1),
        conditions: Conditions::default(),
        calendar,
        first_response: target(4),
        next_response: None,
        resolution: target(24),
        warning_percent: DEFAULT_WARNING_PERCENT,
        pause_on: vec![StatusCategory::Pending, StatusCategory::OnHold],
    }
}

fn new_calendar(config: &SlaConfig) -> Calendar {
    let time_zone = config
        .calendars
        .first()
        .map_or_else(|| "UTC".to_owned(), |c| c.time_zone.clone());
    Calendar {
        id: Uuid::now_v7(),
        name: format!("Calendar {}", config.calendars.len() + 1),
        time_zone,
        hours: Weekday::ALL[..5]
            .iter()
            .map(|&day| WorkingPeriod {
                day,
                start: DayTime(9 * 60),
                end: DayTime(17 * 60),
            })
            .collect(),
        holidays: Vec::new(),
        // The server fills the offsets from the time zone when it saves.
        zone: Zone::default(),
    }
}

/// What decides which cards and rows the form draws: a change here redraws the form from the
/// draft; any other edit only changes the draft.
type Shape = (Vec<(Uuid, [bool; 3])>, Vec<(Uuid, usize, usize)>);

fn shape(c: &SlaConfig) -> Shape {
    (
        c.policies
            .iter()
            .map(|p| {
                let on = [p.first_response, p.next_response, p.resolution].map(|t| t.is_some());
                (p.id, on)
            })
            .collect(),
        c.calendars
            .iter()
            .map(|c| (c.id, c.hours.len(), c.holidays.len()))
            .collect(),
    )
}

/// The settings page. Save sends the draft; the server checks it with the shared validation and
/// names the field at fault, which is then marked and brought into view. (Running the same
/// validation here would show the mistake a round trip sooner, at the cost of download size.)
#[component]
pub fn SlaSettings() -> impl IntoView {
    let store = use_store();
    let session = use_session();
    let saved_config = RwSignal::new(store.sla.with_untracked(|e| e.config().clone()));
    let draft = RwSignal::new(saved_config.get_untracked());
    // Bumped to build the form afresh (after a reset or a save), dropping half-typed text.
    let generation = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let just_saved = RwSignal::new(false);
    let dirty = Memo::new(move |_| saved_config.with(|s| draft.with(|d| s != d)));

    let replace = move |config: SlaConfig| {
        saved_config.set(config.clone());
        draft.set(config);
        generation.update(|g| *g += 1);
    };
    // The workspace was read at sign-in; someone may have changed the service levels since.
    spawn_local(async move {
        let Ok(config) = api::sla().await else { return };
        if store.now.is_disposed() {
            return;
        }
        if store.sla.with_untracked(|e| *e.config() != config) {
            store.set_sla(config.clone());
        }
        let untouched = draft
            .try_with_untracked(|d| saved_config.with_untracked(|s| d == s))
            .unwrap_or(false);
        if untouched && saved_config.with_untracked(|s| *s != config) {
            replace(config);
        }
    });

    let fail = move |message: String, field: Option<String>| {
        error.set(Some(message));
        if let Some(field) = field {
            // After the error box is drawn, so the field scrolls to where it stays.
            request_animation_frame(move || mark(&field));
        }
    };
    let save = move |_| {
        if saving.get_untracked() {
            return;
        }
        clear_marks();
        just_saved.set(false);
        if let Some(message) = unparsed_input() {
            error.set(Some(message));
            return;
        }
        let config = draft.get_untracked();
        error.set(None);
        saving.set(true);
        spawn_local(async move {
            let answer = api::save_sla(&config).await;
            if store.now.is_disposed() {
                return;
            }
            saving.set(false);
            match answer {
                Ok(config) => {
                    store.set_sla(config.clone());
                    replace(config);
                    just_saved.set(true);
                }
                Err(ApiError::Unauthorized(_)) => session.set(Session::SignedOut),
                Err(ApiError::Server { message, field, .. }) => fail(message, field),
                Err(error) => fail(error.to_string(), None),
            }
        });
    };
    let reset = move |_| {
        clear_marks();
        error.set(None);
        just_saved.set(false);
        replace(saved_config.get_untracked());
    };
    let status = move || {
        if saving.get() {
            "Saving…"
        } else if dirty.get() {
            "Unsaved changes"
        } else if just_saved.get() {
            "Saved"
        } else {
            ""
        }
    };

    let shape = Memo::new(move |_| draft.with(shape));
    let add_policy = move |_| draft.update(|c| c.policies.push(new_policy(c)));
    let add_calendar = move |_| draft.update(|c| c.calendars.push(new_calendar(c)));
    let form = move || {
        generation.track();
        // Read, not just tracked: a memo nobody reads never computes, so it would never change.
        shape.with(|_| ());
        // A redraw reuses the elements in place and sets every value from the draft, so no mark
        // from before may stay on an element that now shows something else.
        clear_marks();
        unmark("aria-invalid");
        draft.with_untracked(|c| {
            let calendar_ids: Vec<Uuid> = c.calendars.iter().map(|c| c.id).collect();
            let last = c.policies.len().saturating_sub(1);
            let policies = c
                .policies
                .iter()
                .enumerate()
                .map(|(index, policy)| {
                    view! {
                        <PolicyEditor
                            draft
                            index
                            policy=policy.clone()
                            calendars=calendar_ids.clone()
                            last=index == last
                        />
                    }
                })
                .collect_view();
            let calendars = c
                .calendars
                .iter()
                .enumerate()
                .map(|(index, calendar)| {
                    view! { <CalendarEditor draft index calendar=calendar.clone() /> }
                })
                .collect_view();
            let no_policies = c.policies.is_empty();
            view! {
                <section class="settings-section" data-field="policies">
                    <div class="section-head">
                        <h2>"Policies"</h2>
                        <p class="muted">
                            "Checked from the top: the first policy whose conditions match a ticket applies."
                        </p>
                    </div>
                    {policies}
                    {no_policies.then(|| view! {
                        <p class="muted empty">"No policies: tickets have no service levels."</p>
                    })}
                    <button class="btn small" data-testid="sla-add-policy" on:click=add_policy>
                        "Add policy"
                    </button>
                </section>
                <section class="settings-section" data-field="calendars">
                    <div class="section-head">
                        <h2>"Calendars"</h2>
                        <p class="muted">
                            "Business-time targets count only the working hours of the policy's calendar."
                        </p>
                    </div>
                    {calendars}
                    <button class="btn small" data-testid="sla-add-calendar" on:click=add_calendar>
                        "Add calendar"
                    </button>
                </section>
            }
        })
    };

    view! {
        <div class="settings sla-settings" data-testid="sla-settings">
            <div class="settings-bar">
                <button
                    class="btn ghost small settings-back"
                    data-testid="settings-back"
                    title="Back to the tickets"
                    on:click=move |_| store.settings_open.set(false)
                >
                    <BackIcon />
                    <span>"Tickets"</span>
                </button>
                <h1>"Service levels"</h1>
                <span class="settings-status" data-testid="sla-status" role="status">
                    {status}
                </span>
                <button
                    class="btn small"
                    data-testid="sla-reset"
                    title="Undo the changes since the last save"
                    prop:disabled=move || !dirty.get() || saving.get()
                    on:click=reset
                >
                    "Reset"
                </button>
                <button
                    class="btn primary small"
                    data-testid="sla-save"
                    prop:disabled=move || saving.get()
                    on:click=save
                >
                    "Save"
                </button>
            </div>
            <div class="settings-scroll">
                {move || {
                    error
                        .get()
                        .map(|message| {
                            view! {
                                <div class="form-error" role="alert" data-testid="sla-error">
                                    {message}
                                </div>
                            }
                        })
                }}
                {form}
                <StorageSettings />
            </div>
            <datalist id="sla-time-zones">
                {TIME_ZONES.map(|tz| view! { <option value=tz></option> })}
            </datalist>
        </div>
    }
}
