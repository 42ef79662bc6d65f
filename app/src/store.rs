//! The workspace's state: confirmed tickets from the server, the user's pending mutations, and the
//! memos the UI reads (the projection, the list rows, the sidebar counts).
//!
//! Confirmed state is written only by pulls and ticket details. The user's changes never touch it:
//! they are queued as mutations and replayed on top (see [`projection`]), so dropping a rejected
//! mutation is all it takes to roll the view back.

mod inbox;
mod outbox;
mod projection;
mod queue;
mod sort;
mod sync;

use crate::contexts::Session;
use chrono::{DateTime, TimeDelta, Utc};
use deskline_shared::api::{Inbox, Me, PushMutation, SavedView};
use deskline_shared::filter::{Filter, FilterContext};
use deskline_shared::index::Bits;
use deskline_shared::query::{self, QueryError};
use deskline_shared::sla::{SlaConfig, SlaEngine};
use deskline_shared::{Actor, Context, Event, Mutation, Rejection, StatusId, Workspace, apply};
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

pub use projection::{Projection, Rules};
pub use queue::{Listing, SidebarCounts, View};
pub use sort::Sort;

/// Most tickets open as tabs at once.
pub const MAX_TABS: usize = 10;

/// A mutation the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Per-client wire id, renumbered only after a `mutation_gap`.
    pub id: u64,
    /// When the user made the change; the replay decides it at this time.
    pub created_at: DateTime<Utc>,
    /// The change.
    pub mutation: Mutation,
    /// The server applied it; it stays until a pull brings its effect into confirmed state.
    pub acknowledged: bool,
}

impl Pending {
    fn to_wire(&self) -> PushMutation {
        PushMutation {
            id: self.id,
            created_at: self.created_at,
            mutation: self.mutation.clone(),
        }
    }
}

/// A dismissible message about something that went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Local id, for dismissing.
    pub id: u64,
    /// The sentence to show.
    pub text: String,
}

/// The open ticket's timeline as the server last sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The ticket.
    pub ticket: Uuid,
    /// The ticket's version when the timeline was read; a newer pulled version triggers a refresh.
    pub version: u64,
    /// Events, oldest first.
    pub events: Vec<Event>,
}

/// Numbering of this client's mutations.
#[derive(Debug, Clone, Copy)]
struct Ids {
    client_id: Uuid,
    next_mutation_id: u64,
}

/// The workspace's state; cheap to copy, everything inside is a signal or a stored value.
#[derive(Clone, Copy)]
pub struct Store {
    session: RwSignal<Session>,
    me: StoredValue<Me>,
    actor: StoredValue<Actor>,
    workspace: StoredValue<Workspace>,
    pending: RwSignal<Vec<Pending>>,
    ids: StoredValue<Ids>,
    wake: StoredValue<Option<UnboundedSender<()>>>,
    alive: StoredValue<Arc<AtomicBool>>,
    next_notice: StoredValue<u64>,
    /// Server clock minus browser clock, in milliseconds, as of the last pull.
    skew_ms: StoredValue<i64>,
    /// Numbers inbox reads, so only the latest answer is shown.
    inbox_seq: StoredValue<u64>,
    /// Confirmed state with pending mutations replayed on top, and the queue index over it.
    /// Updated in place; read it with `with`.
    pub projection: RwSignal<Projection>,
    /// The list: the view, tab and query answered by the index, in the chosen order.
    pub listing: Memo<Listing>,
    /// Sidebar counts.
    pub counts: Memo<SidebarCounts>,
    /// The open ticket's timeline.
    pub timeline: RwSignal<Option<Timeline>>,
    /// The open ticket.
    pub selected: RwSignal<Option<Uuid>>,
    /// The sidebar entry in use.
    pub view: RwSignal<View>,
    /// The status tab in use (`None`: all).
    pub tab: RwSignal<Option<StatusId>>,
    /// The search box's text.
    pub query_text: RwSignal<String>,
    /// The last query that could be read; the list shows its result while the text has an error.
    pub query: RwSignal<Filter>,
    /// What is wrong with the search box's text, if anything.
    pub query_error: RwSignal<Option<QueryError>>,
    /// The user's saved views, in sidebar order.
    pub saved_views: RwSignal<Vec<SavedView>>,
    /// Tickets open as tabs, in tab order (at most [`MAX_TABS`]).
    pub open_tabs: RwSignal<Vec<Uuid>>,
    /// A ticket the user opened while every tab was taken: they are asked to close one.
    pub tab_request: RwSignal<Option<Uuid>>,
    /// Tickets ticked for a bulk action.
    pub marked: RwSignal<HashSet<Uuid>>,
    /// The row the keyboard is on.
    pub cursor: RwSignal<Option<Uuid>>,
    /// Messages for the user.
    pub notices: RwSignal<Vec<Notice>>,
    /// The last request failed for lack of network.
    pub offline: RwSignal<bool>,
    /// The first full pull has finished.
    pub loaded: RwSignal<bool>,
    /// The app's one clock: browser time corrected by the server's (see [`Store::clock_now`]).
    /// Ticks every second; ages and SLA countdowns are computed from it.
    pub now: RwSignal<DateTime<Utc>>,
    /// The SLA engine of the workspace's service levels, compiled once per configuration and
    /// replaced when a leader saves new ones.
    pub sla: RwSignal<Arc<SlaEngine>>,
    /// The list order, remembered across reloads.
    pub sort: RwSignal<Sort>,
    /// The signed-in user's notifications.
    pub inbox: RwSignal<Inbox>,
    /// The service-level settings are shown instead of the queues.
    pub settings_open: RwSignal<bool>,
}

impl Store {
    /// Creates the state for a signed-in user and starts syncing with the server.
    pub fn start(session: RwSignal<Session>, me: Me, workspace: Workspace) -> Store {
        let actor = Actor {
            id: me.id,
            name: me.name.clone(),
            role: me.role,
        };
        let client_id = outbox::client_id(me.id);
        let saved = outbox::load(me.id, client_id);
        let next_mutation_id = saved
            .iter()
            .map(|m| m.id + 1)
            .fold(outbox::next_mutation_id(), u64::max);
        let pending: Vec<Pending> = saved
            .into_iter()
            .map(|m| Pending {
                id: m.id,
                created_at: m.created_at,
                mutation: m.mutation,
                acknowledged: false,
            })
            .collect();

        let me_id = me.id;
        let sla = RwSignal::new(Arc::new(SlaEngine::new(&workspace.sla, Utc::now())));
        let now = RwSignal::new(Utc::now());
        // Filters that depend on the time (snoozes ending, time unassigned, SLA states) are
        // answered again once a minute rather than on every tick.
        let minute = Memo::new(move |_| now.get().timestamp().div_euclid(60));
        let zone = StoredValue::new(queue::zone(&workspace));
        let (saved_view, saved_query) = queue::load();
        let (query_filter, query_error) = match query::parse(&saved_query, &workspace) {
            Ok(filter) => (filter, None),
            Err(error) => (Filter::default(), Some(error)),
        };
        let me = StoredValue::new(me);
        let actor = StoredValue::new(actor);
        let workspace = StoredValue::new(workspace);
        let pending = RwSignal::new(pending);
        let projection = RwSignal::new(Projection::default());
        let view = RwSignal::new(saved_view);
        let tab = RwSignal::new(None::<StatusId>);
        let query = RwSignal::new(query_filter);
        let sort = RwSignal::new(sort::load());

        // The index, the tickets the viewer may see, and a filter context at `now`.
        let with_visible =
            move |now: i64, f: &mut dyn FnMut(&Projection, &Bits, &Actor, &FilterContext)| {
                projection.with(|p| {
                    workspace.with_value(|ws| {
                        actor.with_value(|actor| {
                            zone.with_value(|zone| {
                                let ctx = FilterContext {
                                    workspace: ws,
                                    me: me_id,
                                    now,
                                    zone,
                                };
                                f(p, &p.index.visible(actor, ws), actor, &ctx);
                            })
                        })
                    })
                });
            };
        let listing = Memo::new(move |_| {
            let now = minute.get() * 60;
            let view = view.get();
            let tab = tab.get();
            let sort = sort.get();
            let mut listing = Listing::default();
            query.with(|query| {
                with_visible(now, &mut |p, visible, actor, ctx| {
                    let view_filter = view.filter(actor, ctx.workspace);
                    let ask = queue::Ask {
                        view: &view_filter,
                        query,
                        tab: tab.as_ref(),
                        sort,
                    };
                    listing = queue::listing(&p.index, visible, &ask, ctx);
                });
            });
            listing
        });
        let counts = Memo::new(move |_| {
            let now = minute.get() * 60;
            let mut counts = SidebarCounts::default();
            with_visible(now, &mut |p, visible, actor, ctx| {
                counts = queue::sidebar_counts(&p.index, visible, actor, ctx);
            });
            counts
        });

        let store = Store {
            session,
            me,
            actor,
            workspace,
            pending,
            ids: StoredValue::new(Ids {
                client_id,
                next_mutation_id,
            }),
            wake: StoredValue::new(None),
            alive: StoredValue::new(Arc::new(AtomicBool::new(true))),
            next_notice: StoredValue::new(0),
            skew_ms: StoredValue::new(0),
            inbox_seq: StoredValue::new(0),
            projection,
            listing,
            counts,
            timeline: RwSignal::new(None),
            selected: RwSignal::new(None),
            view,
            tab,
            query_text: RwSignal::new(saved_query),
            query,
            query_error: RwSignal::new(query_error),
            saved_views: RwSignal::new(Vec::new()),
            open_tabs: RwSignal::new(queue::load_tabs(me_id)),
            tab_request: RwSignal::new(None),
            marked: RwSignal::new(HashSet::new()),
            cursor: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            offline: RwSignal::new(false),
            loaded: RwSignal::new(false),
            now,
            sla,
            sort,
            inbox: RwSignal::new(Inbox {
                entries: Vec::new(),
                unread: 0,
            }),
            settings_open: RwSignal::new(false),
        };
        // Mutations saved by the last visit show at once, before the first pull.
        store.reproject();
        store.load_saved_views();
        sync::start(store);
        store
    }

    /// Brings the projection and its index up to date with the pending mutations and whatever
    /// the last pull changed.
    fn reproject(&self) {
        let changed = self.pending.with_untracked(|pending| {
            self.sla.with_untracked(|engine| {
                self.with_actor_and_workspace(|actor, workspace| {
                    let rules = Rules {
                        actor,
                        workspace,
                        engine,
                    };
                    self.projection
                        .try_update_untracked(|p| p.replay(pending, &rules))
                })
            })
        });
        // Readers rerun only when what they see changed.
        if changed == Some(true) {
            self.projection.notify();
        }
    }

    /// Reads the listed tickets' ids with the projection that holds them; tracked.
    pub fn with_listed<R>(&self, f: impl FnOnce(&[Uuid], &Projection) -> R) -> R {
        self.listing
            .with(|l| self.projection.with(|p| f(&l.ids, p)))
    }

    /// Changes the pending mutations and what the user sees with them.
    fn update_pending(&self, f: impl FnOnce(&mut Vec<Pending>)) {
        self.pending.update(f);
        self.reproject();
    }

    /// Changes confirmed state (a pull, a ticket's detail) and what the user sees with it.
    fn update_confirmed(&self, f: impl FnOnce(&mut Projection)) {
        self.projection.update_untracked(f);
        self.reproject();
    }

    /// Reads a typed query. A query that cannot be read leaves the last good one in force and
    /// says where the problem is.
    pub fn set_query_text(&self, text: String) {
        let parsed = self.with_workspace(|ws| query::parse(&text, ws));
        match parsed {
            Ok(filter) => {
                if self.query.with_untracked(|q| *q != filter) {
                    self.query.set(filter);
                }
                self.query_error.set(None);
            }
            Err(error) => self.query_error.set(Some(error)),
        }
        self.view.with_untracked(|view| queue::save(view, &text));
        self.query_text.set(text);
    }

    /// Replaces the query (the filter bar changed it) and writes it into the search box.
    pub fn set_query(&self, filter: Filter) {
        let text = self.with_workspace(|ws| query::print(&filter, ws));
        self.query.set(filter);
        self.query_error.set(None);
        self.view.with_untracked(|view| queue::save(view, &text));
        self.query_text.set(text);
    }

    /// Changes the query with `f` (a filter bar control).
    pub fn edit_query(&self, f: impl FnOnce(&mut Filter)) {
        let mut filter = self.query.get_untracked();
        f(&mut filter);
        // An empty tag group would match nothing; the last tag unticked means "any tags".
        filter.tags.retain(|group| !group.is_empty());
        self.set_query(filter);
    }

    /// The heading of the view in use; tracked.
    pub fn view_title(&self) -> String {
        match self.view.get() {
            View::Saved(id) => self.saved_views.with(|views| {
                views
                    .iter()
                    .find(|v| v.id == id)
                    .map_or_else(|| "Saved view".to_owned(), |v| v.name.clone())
            }),
            view => self.with_workspace(|ws| view.label(ws)),
        }
    }

    /// Shows a saved view: its query in the search box and its order.
    pub fn open_saved_view(&self, saved: &SavedView) {
        self.set_view(View::Saved(saved.id));
        self.set_query_text(saved.query.clone());
        self.set_sort(saved.sort);
    }

    /// Reads the saved views from the server.
    pub fn load_saved_views(&self) {
        let store = *self;
        leptos::task::spawn_local(async move {
            match crate::api::views().await {
                Ok(views) => {
                    let _ = store.saved_views.try_set(views);
                }
                Err(error) => store.notify(format!("Saved views could not be loaded: {error}")),
            }
        });
    }

    /// Shows another view, on its first tab. The search box's query stays (it is the agent's),
    /// except a saved view's, which leaves with its view.
    pub fn set_view(&self, view: View) {
        let leaving_saved =
            matches!(self.view.get_untracked(), View::Saved(_)) && !matches!(view, View::Saved(_));
        self.tab.set(None);
        self.view.set(view);
        if leaving_saved {
            self.set_query_text(String::new());
        } else {
            let view = self.view.get_untracked();
            self.query_text
                .with_untracked(|text| queue::save(&view, text));
        }
    }

    /// The ticket as the user sees it now; tracked.
    pub fn ticket(&self, id: Uuid) -> Option<deskline_shared::Ticket> {
        self.projection.with(|p| p.get(&id).cloned())
    }

    /// Whether `id` has changes the server has not confirmed; tracked.
    pub fn is_saving(&self, id: Uuid) -> bool {
        self.projection.with(|p| p.saving.contains(&id))
    }

    /// The signed-in user.
    pub fn me(&self) -> Me {
        self.me.get_value()
    }

    /// Reads the signed-in actor and the workspace configuration together.
    pub fn with_actor_and_workspace<R>(&self, f: impl FnOnce(&Actor, &Workspace) -> R) -> R {
        self.actor
            .with_value(|actor| self.workspace.with_value(|ws| f(actor, ws)))
    }

    /// Reads the workspace configuration.
    pub fn with_workspace<R>(&self, f: impl FnOnce(&Workspace) -> R) -> R {
        self.workspace.with_value(f)
    }

    /// Browser time corrected by the skew measured at the last pull: the server's "now", which
    /// SLA deadlines are counted against (a test server's clock may be far from the browser's).
    pub fn clock_now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.skew_ms.get_value())
    }

    /// Records the server's time, as read at `received` by the browser's clock.
    fn set_server_time(&self, server: DateTime<Utc>, received: DateTime<Utc>) {
        self.skew_ms
            .set_value((server - received).num_milliseconds());
        self.tick();
    }

    /// Moves the shared clock on.
    fn tick(&self) {
        self.now.set(self.clock_now());
    }

    /// Installs new service levels (saved by a leader, or read fresh from the server): the
    /// workspace keeps them and the SLA engine is compiled again.
    pub fn set_sla(&self, config: SlaConfig) {
        let engine = SlaEngine::new(&config, self.clock_now());
        self.workspace.update_value(|ws| ws.sla = config);
        self.projection.update(|p| p.reschedule(&engine));
        self.sla.set(Arc::new(engine));
    }

    /// Chooses the list order and remembers it.
    pub fn set_sort(&self, order: Sort) {
        sort::save(order);
        self.sort.set(order);
    }

    /// Decides `mutation` locally and, unless it is refused, queues it for the server.
    ///
    /// Returns whether it was queued; a refusal is shown as a notice.
    pub fn submit(&self, mutation: Mutation) -> bool {
        match self.submit_all(vec![mutation]).pop() {
            Some((_, rejection)) => {
                self.notify(rejection.to_string());
                false
            }
            None => true,
        }
    }

    /// Decides each mutation locally and queues those that pass, in one go (a bulk action).
    /// Each should concern a different ticket: all are decided against what the user sees now.
    ///
    /// Returns the refused ones, by ticket, with the reason; ones that would change nothing are
    /// neither queued nor refused.
    pub fn submit_all(&self, mutations: Vec<Mutation>) -> Vec<(Uuid, Rejection)> {
        let now = self.clock_now();
        let mut refused = Vec::new();
        let mut accepted = Vec::new();
        self.projection.with_untracked(|p| {
            for mutation in mutations {
                match self.decide(p, &mutation, now) {
                    // Nothing to do (already so): nothing to send.
                    Ok(events) if events.is_empty() => {}
                    Ok(_) => accepted.push(mutation),
                    Err(rejection) => refused.push((mutation.ticket_id(), rejection)),
                }
            }
        });
        if accepted.is_empty() {
            return refused;
        }
        let mut first = 0;
        self.ids.update_value(|ids| {
            first = ids.next_mutation_id;
            ids.next_mutation_id += accepted.len() as u64;
            outbox::set_next_mutation_id(ids.next_mutation_id);
        });
        self.update_pending(|pending| {
            pending.extend(
                accepted
                    .into_iter()
                    .zip(first..)
                    .map(|(mutation, id)| Pending {
                        id,
                        created_at: now,
                        mutation,
                        acknowledged: false,
                    }),
            );
        });
        self.save_outbox();
        self.wake();
        refused
    }

    /// What `mutation` would do to what the user sees now, without queuing it; tracked, so a
    /// control can follow it (e.g. Start is disabled when it would change nothing).
    pub fn preview(&self, mutation: &Mutation) -> Result<Vec<Event>, Rejection> {
        self.projection
            .with(|p| self.decide(p, mutation, self.clock_now()))
    }

    /// Runs the shared rules on the projected ticket.
    fn decide(
        &self,
        projection: &Projection,
        mutation: &Mutation,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, Rejection> {
        let ticket = projection.get(&mutation.ticket_id());
        self.workspace.with_value(|workspace| {
            self.actor.with_value(|actor| {
                let ctx = Context {
                    actor,
                    workspace,
                    now,
                };
                apply(ticket, mutation, &ctx)
            })
        })
    }

    /// How many mutations wait for the server.
    pub fn pending_count(&self) -> usize {
        self.pending.with(Vec::len)
    }

    /// Whether some mutation waits to be sent.
    fn has_unsent(&self) -> bool {
        self.pending
            .with_untracked(|pending| pending.iter().any(|p| !p.acknowledged))
    }

    /// Events of pending mutations on `ticket`, for the timeline.
    pub fn pending_events(&self, ticket: Uuid) -> Vec<Event> {
        self.projection
            .with(|p| p.pending_events.get(&ticket).cloned().unwrap_or_default())
    }

    /// Shows a notice, unless the same sentence is already on screen.
    pub fn notify(&self, text: String) {
        let mut id = 0;
        self.next_notice.update_value(|n| {
            *n += 1;
            id = *n;
        });
        self.notices.update(|notices| {
            if notices.iter().any(|n| n.text == text) {
                return;
            }
            notices.push(Notice { id, text });
            // Keep the stack short: old news is not useful.
            if notices.len() > 4 {
                notices.remove(0);
            }
        });
    }

    /// Hides a notice.
    pub fn dismiss(&self, id: u64) {
        self.notices
            .update(|notices| notices.retain(|n| n.id != id));
    }

    /// Opens a ticket in the ticket view, in a tab of its own (`None` hides the ticket view; the
    /// tabs stay). With every tab taken, the ticket waits in [`Store::tab_request`] until the
    /// user closes one.
    pub fn open(&self, ticket: Option<Uuid>) {
        if let Some(id) = ticket
            && !self.open_tabs.with_untracked(|tabs| tabs.contains(&id))
        {
            if self.open_tabs.with_untracked(Vec::len) >= MAX_TABS {
                self.tab_request.set(Some(id));
                return;
            }
            self.open_tabs.update(|tabs| tabs.push(id));
            self.save_tabs();
        }
        // Re-opening the open ticket must not rebuild its view (and lose a draft reply).
        if self.selected.get_untracked() != ticket {
            self.selected.set(ticket);
        }
    }

    /// Closes a ticket's tab; closing the one in view shows its neighbour.
    pub fn close_tab(&self, id: Uuid) {
        let mut next = None;
        self.open_tabs.update(|tabs| {
            if let Some(at) = tabs.iter().position(|t| *t == id) {
                tabs.remove(at);
                next = tabs.get(at).or_else(|| tabs.last()).copied();
            }
        });
        self.save_tabs();
        if self.selected.get_untracked() == Some(id) {
            self.selected.set(next);
        }
    }

    /// Moves the tab at `from` to position `to`.
    pub fn move_tab(&self, from: usize, to: usize) {
        self.open_tabs.update(|tabs| {
            if from < tabs.len() && to < tabs.len() && from != to {
                let id = tabs.remove(from);
                tabs.insert(to, id);
            }
        });
        self.save_tabs();
    }

    fn save_tabs(&self) {
        let user = self.me.with_value(|me| me.id);
        self.open_tabs
            .with_untracked(|tabs| queue::save_tabs(user, tabs));
    }

    /// Writes the unsent mutations to localStorage so a reload does not lose them.
    fn save_outbox(&self) {
        let user = self.me.with_value(|me| me.id);
        let client_id = self.ids.with_value(|ids| ids.client_id);
        let unsent = self.pending.with_untracked(|pending| {
            pending
                .iter()
                .filter(|p| !p.acknowledged)
                .map(Pending::to_wire)
                .collect()
        });
        outbox::save(user, client_id, unsent);
    }

    /// Tells the sync loop there is something to push.
    fn wake(&self) {
        self.wake.with_value(|wake| {
            if let Some(wake) = wake {
                let _ = wake.unbounded_send(());
            }
        });
    }

    /// The flag the background tasks check after every await, since the store's signals are
    /// disposed when the user signs out.
    fn alive(&self) -> Arc<AtomicBool> {
        self.alive.get_value()
    }

    fn signed_out(&self) {
        self.session.set(Session::SignedOut);
    }
}

fn is_alive(alive: &AtomicBool) -> bool {
    alive.load(Ordering::Relaxed)
}
