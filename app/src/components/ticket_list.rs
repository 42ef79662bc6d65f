//! The ticket list of the current view: search box, filter bar, status tabs, bulk actions and a
//! virtualised list that keeps only the rows in sight in the DOM.

use crate::components::bulk_bar::BulkBar;
use crate::components::list_tools::ListTools;
use crate::components::search_box::SearchBox;
use crate::components::status_tabs::StatusTabs;
use crate::components::ticket_row::TicketRows;
use crate::contexts::use_store;
use crate::store::Store;
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Rows drawn above and below the visible ones, so a fast scroll does not show gaps. A keystroke
/// that changes the list rewrites every slot's cells, so few.
const OVERSCAN: usize = 3;
/// Row height until one has been measured (the wide layout's).
const DEFAULT_ROW_PX: f64 = 41.0;

/// The list pane. Its rows are slots that follow the scroll position and show whichever ticket
/// is there; a slot redraws its cells only when its ticket or the ticket's version changes.
#[component]
pub fn TicketList(
    /// Opens the new-ticket form.
    #[prop(into)]
    on_new: Callback<()>,
) -> impl IntoView {
    let store = use_store();
    let listing = store.listing;
    let title = move || store.view_title();
    let summary = move || match listing.with(|l| l.len) {
        1 => "1 ticket".to_owned(),
        n => format!("{n} tickets"),
    };

    // Virtualisation: the scroll position and sizes decide which slice of the list is drawn.
    let scroller = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(800.0_f64);
    let row_px = RwSignal::new(DEFAULT_ROW_PX);
    let head_px = RwSignal::new(0.0_f64);
    // The rows are a fixed set of slots, as many as fit the pane plus the overscan; slot `k` shows
    // the position of the window congruent to `k`, so scrolling by a row moves one slot.
    let capacity =
        Memo::new(move |_| (viewport.get() / row_px.get()).ceil() as usize + 2 * OVERSCAN);
    let window = Memo::new(move |_| {
        let n = listing.with(|l| l.len);
        let h = row_px.get();
        let top = (scroll_top.get() - head_px.get()).max(0.0);
        let first = ((top / h) as usize).saturating_sub(OVERSCAN).min(n);
        (first, (first + capacity.get()).min(n))
    });
    let measure = move || {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        viewport.set(f64::from(el.client_height()));
        scroll_top.set(f64::from(el.scroll_top()));
        if let Ok(Some(row)) = el.query_selector(".ticket-row:not([hidden])") {
            let h = row.get_bounding_client_rect().height();
            if h > 0.0 && (h - row_px.get_untracked()).abs() > 0.1 {
                row_px.set(h);
            }
        }
        if let Ok(Some(head)) = el.query_selector(".list-columns") {
            head_px.set(head.get_bounding_client_rect().height());
        }
    };
    // Sizes change with the window and with the layout (a ticket opening beside the list).
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    Effect::new(move |_| {
        window.track();
        store.selected.track();
        request_animation_frame(measure);
    });
    // A new view or query starts at the top.
    Effect::new(move |previous: Option<()>| {
        store.view.track();
        store.tab.track();
        store.query.track();
        // Only when scrolled: setting it makes the browser lay the page out there and then.
        if previous.is_some()
            && scroll_top.get_untracked() > 0.0
            && let Some(el) = scroller.get_untracked()
        {
            el.set_scroll_top(0);
        }
    });

    let help = RwSignal::new(false);
    keyboard(store, scroller, row_px, head_px, help);

    view! {
        <section class="list-pane" aria-label="Tickets">
            <header class="list-head">
                <h1 data-testid="list-title">{title}</h1>
                <span class="muted" data-testid="list-summary">
                    {summary}
                </span>
                <Export />
                <button
                    class="btn primary small"
                    data-testid="btn-new-ticket"
                    on:click=move |_| on_new.run(())
                >
                    "New ticket"
                </button>
            </header>
            <SearchBox />
            <ListTools />
            <StatusTabs />
            <BulkBar />
            <div
                class="list"
                role="table"
                data-testid="ticket-list"
                data-count=move || listing.with(|l| l.len)
                node_ref=scroller
                on:scroll=move |_| {
                    if let Some(el) = scroller.get_untracked() {
                        scroll_top.set(f64::from(el.scroll_top()));
                    }
                }
            >
                <div class="row list-columns" role="row">
                    <span class="c-mark" role="columnheader">
                        <MarkAll />
                    </span>
                    <span class="c-ref" role="columnheader">"Reference"</span>
                    <span class="c-title" role="columnheader">"Title"</span>
                    <span class="c-req" role="columnheader">"Requester"</span>
                    <span class="c-status" role="columnheader">"Status"</span>
                    <span class="c-prio" role="columnheader">"Priority"</span>
                    <span class="c-assignee" role="columnheader">"Assignee"</span>
                    <span class="c-sla" role="columnheader">"SLA"</span>
                    <span class="c-age" role="columnheader">"Age"</span>
                </div>
                <TicketRows window capacity row_px />
                <Show when=move || listing.with(|l| l.is_empty())>
                    <div class="list-empty">
                        {move || {
                            if store.loaded.get() {
                                "No tickets here."
                            } else {
                                "Loading tickets…"
                            }
                        }}
                    </div>
                </Show>
            </div>
            <Show when=move || help.get()>
                {crate::lazy::shortcuts(Callback::new(move |()| help.set(false)))}
            </Show>
        </section>
    }
}

/// Exports the list as it is (view, tab, query, order) as CSV or XLSX.
#[component]
fn Export() -> impl IntoView {
    let store = use_store();
    let menu = NodeRef::<leptos::html::Details>::new();
    let busy = RwSignal::new(false);
    let export = move |xlsx: bool| {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
        let title = store.view_title();
        let stem = deskline_shared::export::file_stem(&title);
        let rows: Vec<_> = store.with_listed(|listing, p| {
            store.with_workspace(|ws| {
                listing
                    .ids(&p.index)
                    .filter_map(|id| p.get(&id))
                    .map(|t| deskline_shared::export::row(t, ws))
                    .collect()
            })
        });
        if !xlsx {
            if let Err(error) = crate::export::csv(&rows, &stem) {
                store.notify(format!("The export failed: {error}"));
            }
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::export::xlsx(rows, title, &stem).await;
            let _ = busy.try_set(false);
            if let Err(error) = result {
                store.notify(format!("The export failed: {error}"));
            }
        });
    };
    view! {
        <details class="filter-menu export" node_ref=menu data-testid="export">
            <summary aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { "Exporting…" } else { "Export" }}
            </summary>
            <div class="filter-options export-options">
                <button class="btn small ghost" data-testid="export-csv" on:click=move |_| export(false)>
                    "CSV"
                </button>
                <button class="btn small ghost" data-testid="export-xlsx" on:click=move |_| export(true)>
                    "Excel (XLSX)"
                </button>
            </div>
        </details>
    }
}

/// Ticks or unticks every ticket of the list.
#[component]
fn MarkAll() -> impl IntoView {
    let store = use_store();
    let all = Memo::new(move |_| {
        store.with_listed(|l, p| {
            store
                .marked
                .with(|m| !l.is_empty() && l.ids(&p.index).all(|id| m.contains(&id)))
        })
    });
    view! {
        <input
            type="checkbox"
            data-testid="mark-all"
            aria-label="Select every ticket in the list"
            prop:checked=all
            on:change=move |ev| {
                if event_target_checked(&ev) {
                    let ids: Vec<_> = store.listing.with_untracked(|l| {
                        store.projection.with_untracked(|p| l.ids(&p.index).collect())
                    });
                    store.marked.update(|m| m.extend(ids));
                } else {
                    store.marked.update(|m| m.clear());
                }
            }
        />
    }
}

/// Whether a key press belongs to a control (a text field, a button, a tab, a link) rather than
/// to the list.
fn for_a_control(ev: &web_sys::KeyboardEvent) -> bool {
    if ev.default_prevented() {
        return true;
    }
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    el.is_content_editable()
        || el
            .closest("input, textarea, select, button, a, summary, [role=tab], [role=dialog]")
            .ok()
            .flatten()
            .is_some()
}

/// The list's shortcuts: j/k move, enter opens, x ticks, / searches, ? shows the sheet.
fn keyboard(
    store: Store,
    scroller: NodeRef<Div>,
    row_px: RwSignal<f64>,
    head_px: RwSignal<f64>,
    help: RwSignal<bool>,
) {
    let handle = window_event_listener(ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        if key == "Escape" {
            help.set(false);
            return;
        }
        if for_a_control(&ev) || store.settings_open.get_untracked() {
            return;
        }
        match key.as_str() {
            "j" | "ArrowDown" => move_cursor(store, 1, scroller, row_px, head_px),
            "k" | "ArrowUp" => move_cursor(store, -1, scroller, row_px, head_px),
            "Enter" | "o" => {
                let Some(id) = store.cursor.get_untracked() else {
                    return;
                };
                store.open(Some(id));
            }
            "x" => {
                let Some(id) = store.cursor.get_untracked() else {
                    return;
                };
                store.marked.update(|m| {
                    if !m.remove(&id) {
                        m.insert(id);
                    }
                });
            }
            "/" => {
                if let Some(input) = document()
                    .get_element_by_id("search-box")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = input.focus();
                }
            }
            "?" => help.update(|h| *h = !*h),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

/// Moves the keyboard's row by `step` and scrolls it into sight.
fn move_cursor(
    store: Store,
    step: isize,
    scroller: NodeRef<Div>,
    row_px: RwSignal<f64>,
    head_px: RwSignal<f64>,
) {
    let (at, id) = store.listing.with_untracked(|l| {
        store.projection.with_untracked(|p| {
            let n = l.len;
            if n == 0 {
                return (0, None);
            }
            let here = store
                .cursor
                .get_untracked()
                .and_then(|c| l.position(&p.index, c));
            let at = match here {
                Some(i) => (i as isize + step).clamp(0, n as isize - 1) as usize,
                None => 0,
            };
            (at, l.slice(&p.index, at, at + 1).first().copied())
        })
    });
    let Some(id) = id else { return };
    store.cursor.set(Some(id));
    if let Some(el) = scroller.get_untracked() {
        let h = row_px.get_untracked();
        let top = head_px.get_untracked() + at as f64 * h;
        let view_top = f64::from(el.scroll_top()) + head_px.get_untracked();
        let view_bottom = f64::from(el.scroll_top() + el.client_height());
        if top < view_top {
            el.set_scroll_top((top - head_px.get_untracked()) as i32);
        } else if top + h > view_bottom {
            el.set_scroll_top((top + h - f64::from(el.client_height())).ceil() as i32);
        }
    }
}
