//! The rows of the ticket list: a fixed set of slots that show whichever tickets are in sight.
//!
//! A keystroke in the search box changes every row in sight, so this is the hottest DOM code of
//! the app. The slots are built once and written in place: a slot whose ticket changed gets its
//! texts and attributes rewritten, one whose ticket did not is left alone, and a scroll past a
//! row moves one slot (slot `k` shows the position of the window congruent to `k`). Building rows
//! afresh for each keystroke, and a reactive node per cell, were most of a keystroke's cost at
//! 100,000 tickets; so one effect walks the slots and compares what they show with what they
//! should show, and the clicks are handled once, on the list body.

use crate::contexts::use_store;
use crate::format;
use crate::store::Store;
use chrono::{DateTime, Utc};
use deskline_shared::Ticket;
use deskline_shared::sla::{Indicator, Schedule, SlaEngine};
use leptos::html::Div;
use leptos::prelude::*;
use std::sync::Arc;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// Which ticket a slot shows, in which state: when this changes, the slot is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shown {
    id: Uuid,
    version: u64,
    saving: bool,
}

/// What a slot's cells were last given, so a value equal to the last one is not written again:
/// rows share statuses, priorities and assignees, and each DOM write costs a call out of wasm
/// and, for text, a relayout of its cell.
#[derive(Default)]
struct Written {
    saving: Option<bool>,
    pending_ref: Option<bool>,
    title: String,
    requester: String,
    status: Option<deskline_shared::status::StatusId>,
    assignee: Option<Option<Uuid>>,
    priority: Option<deskline_shared::ticket::Priority>,
}

/// Whether `value` differs from `last`, which then becomes `value`.
fn changed(last: &mut String, value: &str) -> bool {
    if last == value {
        return false;
    }
    last.clear();
    last.push_str(value);
    true
}

/// One slot's elements and what they show now.
struct Slot {
    row: HtmlElement,
    mark: HtmlInputElement,
    reference: HtmlElement,
    saving_marker: HtmlElement,
    title: HtmlElement,
    requester: HtmlElement,
    pill: HtmlElement,
    priority: HtmlElement,
    assignee: HtmlElement,
    sla: HtmlElement,
    age: HtmlElement,
    position: Option<usize>,
    top: f64,
    shown: Option<Shown>,
    /// The ticket, its SLA schedule (for the countdown) and when it was created (for its age).
    ticket: Option<(Ticket, Schedule)>,
    flags: (bool, bool, bool),
    indicator: Option<Option<Indicator>>,
    age_text: String,
    written: Written,
}

fn element(tag: &str, class: &str) -> HtmlElement {
    let el: HtmlElement = document()
        .create_element(tag)
        .expect("an element")
        .unchecked_into();
    if !class.is_empty() {
        el.set_class_name(class);
    }
    el
}

fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Sets the text of an element whose only child is its text.
fn text(el: &HtmlElement, value: &str) {
    match el.first_child() {
        Some(node) => node.set_node_value(Some(value)),
        None => el.set_text_content(Some(value)),
    }
}

impl Slot {
    fn new(body: &Element) -> Slot {
        let row = element("div", "row ticket-row");
        set(&row, "role", "row");
        set(&row, "tabindex", "-1");
        set(&row, "data-testid", "ticket-row");
        row.set_hidden(true);
        let cell = |class: &str| {
            let span = element("span", class);
            let _ = row.append_child(&span);
            span
        };
        let mark_cell = cell("c-mark");
        let mark: HtmlInputElement = element("input", "").unchecked_into();
        mark.set_type("checkbox");
        set(&mark, "data-testid", "row-mark");
        set(&mark, "aria-label", "Select for a bulk action");
        let _ = mark_cell.append_child(&mark);
        let reference = cell("c-ref");
        let _ = reference.append_child(&document().create_text_node(""));
        let saving_marker = element("span", "saving-marker");
        saving_marker.set_text_content(Some("saving…"));
        saving_marker.set_hidden(true);
        let _ = reference.append_child(&saving_marker);
        let title = cell("c-title");
        let requester = cell("c-req");
        let pill = element("span", "pill");
        let _ = cell("c-status").append_child(&pill);
        let priority = cell("c-prio prio");
        let assignee = cell("c-assignee");
        let sla = element("span", "sla-badge sla-none");
        let _ = cell("c-sla").append_child(&sla);
        let age = cell("c-age");
        let _ = body.append_child(&row);
        Slot {
            row,
            mark,
            reference,
            saving_marker,
            title,
            requester,
            pill,
            priority,
            assignee,
            sla,
            age,
            position: None,
            top: f64::NAN,
            shown: None,
            ticket: None,
            flags: (false, false, false),
            indicator: None,
            age_text: String::new(),
            written: Written::default(),
        }
    }

    /// Moves the slot to list position `position` (`None`: unused), `top` pixels down.
    fn place(&mut self, position: Option<usize>, top: f64) {
        if position != self.position {
            match position {
                Some(at) => set(&self.row, "aria-rowindex", &(at + 2).to_string()),
                None => {
                    let _ = self.row.remove_attribute("aria-rowindex");
                }
            }
            self.row.set_hidden(position.is_none());
            self.position = position;
        }
        if position.is_some() && top != self.top {
            set(
                &self.row,
                "style",
                &format!("transform:translateY({top}px)"),
            );
            self.top = top;
        }
    }

    /// Writes `ticket` into the slot (`None`: nothing to show).
    fn show(
        &mut self,
        shown: Option<Shown>,
        ticket: Option<&Ticket>,
        store: &Store,
        engine: &SlaEngine,
    ) {
        if shown == self.shown {
            return;
        }
        self.shown = shown;
        self.indicator = None;
        self.age_text.clear();
        let (Some(shown), Some(t)) = (shown, ticket) else {
            let _ = self.row.remove_attribute("data-id");
            self.set_saving(false);
            self.set_pending_ref(false);
            self.ticket = None;
            return;
        };
        set(&self.row, "data-id", &shown.id.to_string());
        set(
            &self.row,
            "data-reference",
            t.reference.as_deref().unwrap_or_default(),
        );
        self.set_saving(shown.saving);
        self.set_pending_ref(t.reference.is_none());
        if let Some(node) = self.reference.first_child() {
            node.set_node_value(Some(t.display_reference()));
        }
        if changed(&mut self.written.title, &t.title) {
            text(&self.title, &t.title);
            set(&self.title, "title", &t.title);
        }
        let requester = t.requester.as_ref().map_or("", |r| r.name.as_str());
        if changed(&mut self.written.requester, requester) {
            text(&self.requester, requester);
        }
        let status_changed = self.written.status.as_ref() != Some(&t.status);
        let assignee_changed = self.written.assignee != Some(t.assignee);
        if status_changed || assignee_changed {
            store.with_workspace(|ws| {
                if status_changed {
                    match ws.status(&t.status) {
                        Some(s) => {
                            set(&self.pill, "style", &format!("--c:{}", s.color));
                            text(&self.pill, &s.label);
                        }
                        None => {
                            set(&self.pill, "style", "--c:#94a3b8");
                            text(&self.pill, &t.status.to_string());
                        }
                    }
                    set(&self.pill, "data-status", &t.status.0);
                }
                if assignee_changed {
                    let assignee = t.assignee.map(|a| ws.agent_name(a));
                    text(&self.assignee, assignee.unwrap_or("Unassigned"));
                    let _ = self
                        .assignee
                        .class_list()
                        .toggle_with_force("unassigned", assignee.is_none());
                }
            });
            self.written.status = Some(t.status.clone());
            self.written.assignee = Some(t.assignee);
        }
        if self.written.priority != Some(t.priority) {
            self.priority
                .set_class_name(&format!("c-prio prio prio-{}", t.priority.name()));
            text(&self.priority, t.priority.label());
            self.written.priority = Some(t.priority);
        }
        self.ticket = Some((t.clone(), engine.schedule(t)));
    }

    /// Marks the row as holding changes not yet saved, or not.
    fn set_saving(&mut self, saving: bool) {
        if self.written.saving != Some(saving) {
            let _ = self.row.class_list().toggle_with_force("saving", saving);
            self.saving_marker.set_hidden(!saving);
            self.written.saving = Some(saving);
        }
    }

    /// Marks the reference as not assigned yet (a ticket created offline), or not.
    fn set_pending_ref(&mut self, pending: bool) {
        if self.written.pending_ref != Some(pending) {
            let _ = self
                .reference
                .class_list()
                .toggle_with_force("pending-ref", pending);
            self.written.pending_ref = Some(pending);
        }
    }

    /// The row's tick box and highlight: ticked, opened, under the keyboard's cursor.
    fn flag(&mut self, flags: (bool, bool, bool)) {
        if flags == self.flags {
            return;
        }
        let (marked, selected, cursor) = flags;
        let classes = self.row.class_list();
        let _ = classes.toggle_with_force("marked", marked);
        let _ = classes.toggle_with_force("selected", selected);
        let _ = classes.toggle_with_force("cursor", cursor);
        self.mark.set_checked(marked);
        self.flags = flags;
    }

    /// The SLA countdown and the age at `now`, written only when their text changes.
    fn tick(&mut self, engine: &SlaEngine, now: DateTime<Utc>) {
        let Some((ticket, schedule)) = &self.ticket else {
            return;
        };
        let indicator = engine.indicator_scheduled(schedule, ticket, now);
        if self.indicator.as_ref() != Some(&indicator) {
            let sla = &self.sla;
            match &indicator {
                Some(i) => {
                    sla.set_class_name(&format!("sla-badge sla-{}", i.state.name()));
                    set(sla, "data-testid", "sla-badge");
                    set(sla, "data-state", i.state.name());
                    set(sla, "title", i.state.label());
                    text(sla, &format::sla_badge(i));
                }
                None => {
                    sla.set_class_name("sla-badge sla-none");
                    let _ = sla.remove_attribute("data-testid");
                    let _ = sla.remove_attribute("data-state");
                    set(sla, "title", "No SLA");
                    text(sla, "—");
                }
            }
            self.indicator = Some(indicator);
        }
        let age = format::age(ticket.created_at, now);
        if age != self.age_text {
            text(&self.age, &age);
            self.age_text = age;
        }
    }
}

/// The id of the ticket whose row holds `target`.
fn row_id(target: Option<web_sys::EventTarget>) -> Option<(Uuid, Element)> {
    let el: Element = target?.dyn_into().ok()?;
    let row = el.closest(".ticket-row").ok()??;
    let id = Uuid::parse_str(&row.get_attribute("data-id")?).ok()?;
    Some((id, el))
}

/// The list body: as tall as every row would be, holding `capacity` slots placed at the
/// positions of `window`, `row_px` apart.
#[component]
pub fn TicketRows(
    /// The first and one past the last list position in sight (with the overscan).
    window: Memo<(usize, usize)>,
    /// How many slots there are.
    capacity: Memo<usize>,
    /// The height of one row, in pixels.
    row_px: RwSignal<f64>,
) -> impl IntoView {
    let store = use_store();
    let body = NodeRef::<Div>::new();
    let slots = StoredValue::new_local(Vec::<Slot>::new());
    // The engine the slots' schedules were computed with.
    let engine_of_slots = StoredValue::new_local(None::<Arc<SlaEngine>>);

    Effect::new(move |_| {
        let Some(body) = body.get() else { return };
        let (first, end) = window.get();
        let cap = capacity.get();
        let h = row_px.get();
        let engine = store.sla.get();
        let now = store.now.get_untracked();
        let selected = store.selected.get();
        let cursor = store.cursor.get();
        // New service levels: every schedule is computed again.
        let fresh_engine =
            engine_of_slots.with_value(|e| !e.as_ref().is_some_and(|e| Arc::ptr_eq(e, &engine)));
        engine_of_slots.set_value(Some(engine.clone()));
        store.marked.with(|marked| {
            store.with_listed(|listing, p| {
                // The tickets in sight, read once from the top of the list.
                let ids = listing.slice(&p.index, first, end);
                slots.update_value(|slots| {
                    while slots.len() < cap {
                        slots.push(Slot::new(&body));
                    }
                    for (k, slot) in slots.iter_mut().enumerate() {
                        let position = (k < cap)
                            .then(|| first + (k + cap - first % cap) % cap)
                            .filter(|&at| at < end);
                        let ticket = position.and_then(|at| p.get(ids.get(at - first)?));
                        let shown = ticket.map(|t| Shown {
                            id: t.id,
                            version: t.version,
                            saving: p.saving.contains(&t.id),
                        });
                        if fresh_engine {
                            slot.shown = None;
                        }
                        slot.place(position, position.map_or(0.0, |at| at as f64 * h));
                        slot.show(shown, ticket, &store, &engine);
                        let id = shown.map(|s| s.id);
                        slot.flag((
                            id.is_some_and(|id| marked.contains(&id)),
                            id.is_some() && selected == id,
                            id.is_some() && cursor == id,
                        ));
                        slot.tick(&engine, now);
                    }
                });
            });
        });
    });
    // The clock: countdowns and ages, nothing else.
    Effect::new(move |_| {
        let now = store.now.get();
        store.sla.with_untracked(|engine| {
            slots.update_value(|slots| {
                for slot in slots.iter_mut() {
                    slot.tick(engine, now);
                }
            });
        });
    });

    let body_height = move || {
        format!(
            "height:{}px",
            store.listing.with(|l| l.len) as f64 * row_px.get()
        )
    };
    view! {
        <div
            class="list-body"
            style=body_height
            node_ref=body
            on:click=move |ev| {
                let Some((id, target)) = row_id(ev.target()) else { return };
                // The tick box is not a click on the row.
                if target.closest(".c-mark").ok().flatten().is_some() {
                    return;
                }
                store.cursor.set(Some(id));
                store.open(Some(id));
            }
            on:mouseover=move |ev| {
                // The exact creation time, as the age cell's tooltip, when the pointer gets there
                // (formatting it for every row drawn cost each keystroke a call per row).
                let Some((id, target)) = row_id(ev.target()) else { return };
                let Ok(Some(cell)) = target.closest(".c-age") else { return };
                if let Some(created) = store.projection.with_untracked(|p| p.get(&id).map(|t| t.created_at)) {
                    set(&cell, "title", &format::exact(created));
                }
            }
            on:change=move |ev| {
                let Some((id, target)) = row_id(ev.target()) else { return };
                let Some(input) = target.dyn_ref::<HtmlInputElement>() else { return };
                let on = input.checked();
                store.marked.update(|m| {
                    if on {
                        m.insert(id);
                    } else {
                        m.remove(&id);
                    }
                });
            }
        />
    }
}
