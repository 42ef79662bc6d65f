//! The workspace's state: confirmed tickets from the server, the user's pending mutations, and the
//! memos the UI reads (the projection, the list rows, the sidebar counts).
//!
//! Confirmed state is written only by pulls and ticket details. The user's changes never touch it:
//! they are queued as mutations and replayed on top (see [`projection`]), so dropping a rejected
//! mutation is all it takes to roll the view back.

pub mod cache;
mod inbox;
mod leader;
mod local;
mod projection;
mod queue;
mod signals;
mod sort;
mod sync;

use crate::contexts::Session;
use chrono::{DateTime, TimeDelta, Utc};
use deskline_shared::api::PullResponse;
use deskline_shared::api::{Inbox, Me, SavedView};
use deskline_shared::filter::{Filter, FilterContext};
use deskline_shared::index::Bits;
use deskline_shared::query::{self, QueryError};
use deskline_shared::sla::{SlaConfig, SlaEngine};
use deskline_shared::sync::{Outbox, Refused};
use deskline_shared::{
    Actor, Context, Event, Mutation, Rejection, StatusId, Visibility, Workspace, apply,
};
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender};
use leptos::prelude::*;
use signals::TabMessage;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

pub use cache::{Cache, Snapshot};
pub use deskline_shared::sync::Pending;
pub use projection::{Projection, Rules};
pub use queue::{Listing, SidebarCounts, View};
pub use sort::Sort;

/// Leaves a named mark on the page's performance timeline, for `cargo xtask bench`: `deskline-signed-in`,
/// `deskline-local-read` (the local copy is read), `deskline-indexed` (the store has replayed and
/// indexed it), `deskline-synced` (the first pull has reached the server's head and is in the
/// local copy) and `deskline-list-painted` (the list first painted with tickets).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Most tickets open as tabs at once.
pub const MAX_TABS: usize = 10;

/// A dismissible message about something that went wrong, with what the user can do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Local id, for dismissing.
    pub id: u64,
    /// The sentence to show.
    pub text: String,
    /// Choices besides dismissing; choosing one also dismisses the notice.
    pub choices: Vec<Choice>,
}

/// One thing a notice offers to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The button's label.
    pub label: String,
    /// What it does.
    pub action: ChoiceAction,
}

/// What a notice's choice does.
#[derive(Debug, Clone, PartialEq)]
pub enum ChoiceAction {
    /// Opens a ticket.
    Open(Uuid),
    /// Opens a ticket with its composer on an internal note, ready to type.
    Note(Uuid),
    /// Queues a mutation (e.g. a note asking a colleague to release a ticket).
    Queue(Mutation),
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

/// Tickets whose free text one part of a load's text indexing takes ([`Store::index_text`]):
/// about 15 ms of work on a slow machine.
const TEXT_PART: usize = 2_000;

/// The workspace's state; cheap to copy, everything inside is a signal or a stored value.
#[derive(Clone, Copy)]
pub struct Store {
    session: RwSignal<Session>,
    me: StoredValue<Me>,
    actor: StoredValue<Actor>,
    workspace: StoredValue<Workspace>,
    /// The outbox as last stored (shared with the user's other tabs through IndexedDB).
    outbox: RwSignal<Outbox>,
    /// Changes made in this tab that are not in the stored outbox yet (they get their ids
    /// there); shown at once all the same.
    unsaved: RwSignal<Vec<Pending>>,
    /// Counts this tab's writes of the outbox, so a read of the stored outbox that overlapped
    /// one is known to be older than what the tab shows (see [`Store::stored_outbox`]).
    outbox_writes: StoredValue<u64>,
    /// A flush of `unsaved` runs.
    flushing: StoredValue<bool>,
    /// The local copy; `None` when the browser offers none.
    cache: StoredValue<Option<Cache>>,
    /// The pull cookie: how far confirmed state is current (from the local copy at start).
    cookie: StoredValue<u64>,
    /// The token of the change the cookie names, sent with it (see `PullResponse::check`).
    check: StoredValue<Option<u32>>,
    /// Where the unfinished run of pull pages began, if one is under way.
    since: StoredValue<Option<u64>>,
    /// Pushing one mutation at a time to find where the server's numbering has a hole (after a
    /// `mutation_gap` answer to a batch; see `sync::push`).
    probing: StoredValue<bool>,
    /// How many mutations a push carries; smaller after a 413 (see `sync::push`).
    batch: StoredValue<usize>,
    /// The last moment the server could not be reached.
    last_offline: StoredValue<Option<DateTime<Utc>>>,
    /// The first pull of this visit has finished.
    synced: StoredValue<bool>,
    /// The channel to the user's other tabs.
    tabs: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
    wake: StoredValue<Option<UnboundedSender<()>>>,
    /// The sync loop's end of `wake`, until this tab leads and the loop takes it.
    wake_rx: StoredValue<Option<UnboundedReceiver<()>>, LocalStorage>,
    /// This tab pushes, pulls and hears the pokes (see [`leader`]).
    leading: StoredValue<bool>,
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
    /// A ticket whose composer should turn to an internal note and take the focus (a notice's
    /// choice); the composer clears it once done.
    pub note_request: RwSignal<Option<Uuid>>,
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
    /// How far the first load has come, from 0 to 1 (`None` until its first page is in).
    pub progress: RwSignal<Option<f64>>,
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
    /// `cache` and `snapshot` are the local copy and what it held: its tickets show at once, and
    /// its outbox is sent when the network allows.
    pub fn start(
        session: RwSignal<Session>,
        me: Me,
        workspace: Workspace,
        cache: Option<Cache>,
        snapshot: Snapshot,
    ) -> Store {
        let actor = Actor {
            id: me.id,
            name: me.name.clone(),
            role: me.role,
        };
        let outbox = snapshot
            .outbox
            .unwrap_or_else(|| Outbox::new(Uuid::now_v7()));
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
        let mut confirmed = Projection::default();
        confirmed.replace(snapshot.tickets);
        let projection = RwSignal::new(confirmed);
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
            // Words need the text index, which a load builds after its first list.
            if query.with(|q| !q.text.is_empty()) {
                projection.update_untracked(Projection::index_text);
            }
            query.with(|query| {
                with_visible(now, &mut |p, visible, actor, ctx| {
                    let view_filter = view.filter(actor, ctx.workspace);
                    let ask = queue::Ask {
                        view: &view_filter,
                        query,
                        tab: tab.as_ref(),
                        sort,
                    };
                    listing = queue::listing(&p.index, p.generation, visible, &ask, ctx);
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
            outbox: RwSignal::new(outbox),
            unsaved: RwSignal::new(Vec::new()),
            outbox_writes: StoredValue::new(0),
            flushing: StoredValue::new(false),
            cache: StoredValue::new(cache),
            cookie: StoredValue::new(snapshot.cookie),
            check: StoredValue::new(snapshot.check),
            since: StoredValue::new(snapshot.since),
            probing: StoredValue::new(false),
            batch: StoredValue::new(deskline_shared::sync::PUSH_BATCH),
            tabs: StoredValue::new_local(signals::channel(me_id)),
            synced: StoredValue::new(false),
            last_offline: StoredValue::new(None),
            wake: StoredValue::new(None),
            wake_rx: StoredValue::new_local(None),
            leading: StoredValue::new(false),
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
            note_request: RwSignal::new(None),
            marked: RwSignal::new(HashSet::new()),
            cursor: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            offline: RwSignal::new(false),
            loaded: RwSignal::new(snapshot.cookie > 0),
            progress: RwSignal::new(None),
            now,
            sla,
            sort,
            inbox: RwSignal::new(Inbox {
                entries: Vec::new(),
                unread: 0,
            }),
            settings_open: RwSignal::new(false),
        };
        // The local copy and the mutations saved by the last visit show at once, before any pull.
        store.reproject();
        mark("deskline-indexed");
        store.load_saved_views();
        sync::start(store);
        let channel = store.tabs.get_value();
        match (&channel, store.cache.with_value(Option::is_some)) {
            // Followers need both the channel and the local copy to follow the leader.
            (Some(channel), true) => {
                signals::listen_to_tabs(store, channel, store.alive());
                set_sync_role("follower");
                leader::seek(me_id, move || store.lead());
                // The leader says whether the server can be reached.
                store.tell(&TabMessage::Hello);
            }
            _ => store.lead(),
        }
        store
    }

    /// This tab leads from now on: it catches up with what the last leader stored, then pushes,
    /// pulls and listens for pokes.
    fn lead(&self) {
        let alive = self.alive();
        if !is_alive(&alive) || self.leading.try_get_value() != Some(false) {
            return;
        }
        self.leading.set_value(true);
        set_sync_role("leader");
        let store = *self;
        leptos::task::spawn_local(async move {
            store.catch_up().await;
            if is_alive(&alive) {
                sync::lead(store);
                signals::listen_to_server(store, alive);
            }
        });
    }

    /// Whether this tab leads.
    fn leading(&self) -> bool {
        self.leading.try_get_value().unwrap_or(false)
    }

    /// Reads the local copy again when the last leader stored pages this tab did not hear of.
    async fn catch_up(&self) {
        let Some(cache) = self.cache.try_get_value().flatten() else {
            return;
        };
        let Ok((cookie, since)) = cache.position().await else {
            return;
        };
        if self.cookie.try_get_value() != Some(cookie) || self.since.try_get_value() != Some(since)
        {
            self.reload_local().await;
        }
    }

    /// Shows the local copy as it is stored now: confirmed tickets, the cookie and the outbox.
    async fn reload_local(&self) {
        let Some(cache) = self.cache.try_get_value().flatten() else {
            return;
        };
        let Ok(snapshot) = cache.load().await else {
            return;
        };
        let Some(()) = self
            .projection
            .try_update_untracked(|p| p.replace(snapshot.tickets))
        else {
            return;
        };
        if let Some(outbox) = snapshot.outbox {
            self.outbox.update_untracked(|o| *o = outbox);
        }
        self.cookie.set_value(snapshot.cookie);
        self.check.set_value(snapshot.check);
        self.since.set_value(snapshot.since);
        if snapshot.cookie > 0 && snapshot.since.is_none() && !self.loaded.get_untracked() {
            self.loaded.set(true);
        }
        self.outbox_changed();
    }

    /// Whether other tabs follow this one (a pull page is up to a megabyte of JSON, not worth
    /// writing for nobody).
    async fn followed(&self) -> bool {
        let user = self.me.with_value(|me| me.id);
        leader::has_followers(user).await
    }

    /// Tells the user's other tabs `message`.
    fn tell(&self, message: &TabMessage) {
        if let Some(Some(channel)) = self.tabs.try_get_value() {
            signals::tell(&channel, message);
        }
    }

    /// Another tab said something.
    async fn heard(&self, message: TabMessage) {
        match message {
            TabMessage::Outbox => self.reload_outbox().await,
            TabMessage::Hello if self.leading() => {
                let online = !self.offline.get_untracked();
                self.tell(&TabMessage::Online { online });
            }
            TabMessage::Online { online }
                if !self.leading() && self.offline.get_untracked() == online =>
            {
                self.offline.set(!online);
            }
            TabMessage::Pulled {
                from,
                run,
                reset,
                page,
            } if !self.leading() => sync::follow(*self, from, run, reset, page).await,
            TabMessage::Refused { refused, waited } => {
                match crate::lazy::decode_refused(refused).await {
                    Ok(Some(refused)) => self.show_refused(refused, waited),
                    // Unreadable here (a tab of another build sent it).
                    Ok(None) => {}
                    // Not lost in silence: the user learns that something was refused.
                    Err(_) => self.notify(
                        "The server refused a change, and this tab could not load the part of \
                         Deskline that says which one: reload the page once the server \
                         can be reached."
                            .to_owned(),
                    ),
                }
            }
            // Meant for the other role.
            _ => {}
        }
    }

    /// Records whether the server could be reached. The time of the last moment offline tells a
    /// refusal that waited offline from one made online.
    fn set_online(&self, online: bool) {
        let was_offline = self.offline.get_untracked();
        if !online || was_offline {
            self.last_offline.set_value(Some(self.clock_now()));
        }
        if was_offline == online {
            self.offline.set(!online);
            if self.leading() {
                self.tell(&TabMessage::Online { online });
            }
        }
    }

    /// The server answers again (its poke socket opened): sync at once, and fetch what could not
    /// be fetched offline.
    fn reconnected(&self) {
        self.wake();
        if self.offline.try_get_untracked() == Some(true)
            || self.saved_views.try_with_untracked(Vec::is_empty) == Some(true)
        {
            self.load_saved_views();
        }
    }

    /// The server committed change `seq`: pull if it is news to us.
    fn poked(&self, seq: u64) {
        if self
            .cookie
            .try_get_value()
            .is_some_and(|cookie| seq > cookie)
        {
            self.wake();
        }
    }

    /// Another tab changed the shared outbox: read it again and show it.
    async fn reload_outbox(&self) {
        let Some(outbox) = self.stored_outbox().await else {
            return;
        };
        if self.outbox.try_with_untracked(|o| *o != outbox) == Some(true) {
            let _ = self.outbox.try_update_untracked(|o| *o = outbox);
            self.outbox_changed();
            // A change made in another tab is this tab's to push when that tab is gone.
            self.wake();
        }
    }

    /// The outbox as stored now, read without a write transaction. A read that overlapped one of
    /// this tab's own writes may predate it, so it is read again: what it returns is never older
    /// than what this tab shows.
    async fn stored_outbox(&self) -> Option<Outbox> {
        let cache = self.cache.try_get_value().flatten()?;
        loop {
            let writes = self.outbox_writes.try_get_value()?;
            let outbox = cache.outbox().await.ok().flatten()?;
            if self.outbox_writes.try_get_value()? == writes {
                return Some(outbox);
            }
        }
    }

    /// Brings the projection and its index up to date with the pending mutations and whatever
    /// the last pull changed.
    fn reproject(&self) {
        let pending: Vec<Pending> = self.outbox.with_untracked(|outbox| {
            self.unsaved
                .with_untracked(|unsaved| outbox.pending().iter().chain(unsaved).cloned().collect())
        });
        let changed = {
            self.sla.with_untracked(|engine| {
                self.with_actor_and_workspace(|actor, workspace| {
                    let rules = Rules {
                        actor,
                        workspace,
                        engine,
                    };
                    self.projection
                        .try_update_untracked(|p| p.replay(&pending, &rules))
                })
            })
        };
        // Readers rerun only when what they see changed.
        if changed == Some(true) {
            self.projection.notify();
        }
    }

    /// Indexes the tickets' free text if the load left it for later (after the first list), a
    /// part at a time with the page free to answer the user in between: all at once was half a
    /// second at 50,000 tickets here. A query with words finishes it at once.
    pub fn index_text(self) {
        match self
            .projection
            .try_update_untracked(|p| p.index_text_part(TEXT_PART))
            .flatten()
        {
            Some(true) => mark("deskline-text-indexed"),
            Some(false) => set_timeout(move || self.index_text(), std::time::Duration::ZERO),
            None => {}
        }
    }

    /// Reads the listed tickets' ids with the projection that holds them; tracked.
    pub fn with_listed<R>(&self, f: impl FnOnce(&Listing, &Projection) -> R) -> R {
        self.listing.with(|l| self.projection.with(|p| f(l, p)))
    }

    /// Shows a changed outbox: its readers rerun and the projection replays it.
    fn outbox_changed(&self) {
        if self.outbox.try_update(|_| ()).is_some() {
            self.reproject();
        }
    }

    /// Changes the outbox: in the local copy when there is one (a read-modify-write that sees the
    /// other tabs' changes, on disk before this returns), else in memory. `change` may run twice:
    /// when the local copy fails, the change is made in memory instead.
    async fn change_outbox<R>(&self, change: impl Fn(&mut Outbox) -> R) -> R {
        self.change_outbox_and_tell(change, true).await
    }

    /// Changes the outbox like [`Store::change_outbox`] without telling the other tabs (the
    /// caller tells them more).
    async fn change_outbox_quietly<R>(&self, change: impl Fn(&mut Outbox) -> R) -> R {
        self.change_outbox_and_tell(change, false).await
    }

    async fn change_outbox_and_tell<R>(&self, change: impl Fn(&mut Outbox) -> R, tell: bool) -> R {
        if let Some(cache) = self.cache.try_get_value().flatten() {
            match cache.update_outbox(Uuid::now_v7(), &change).await {
                Ok((outbox, answer)) => {
                    let _ = self.outbox_writes.try_update_value(|n| *n += 1);
                    let changed = self.outbox.with_untracked(|o| *o != outbox);
                    let _ = self.outbox.try_update_untracked(|o| *o = outbox);
                    if changed && tell {
                        self.tell(&TabMessage::Outbox);
                    }
                    return answer;
                }
                Err(error) => {
                    // Changes last only as long as this tab from now on; say so once. The stored
                    // outbox is the other tabs' to send: this tab numbers its own from now on,
                    // under a client id of its own, so no id is ever used twice.
                    self.notify(format!(
                        "{error} Changes made in this tab now last only while it stays open."
                    ));
                    let _ = self.cache.try_set_value(None);
                    let _ = self
                        .outbox
                        .try_update_untracked(|o| *o = Outbox::new(Uuid::now_v7()));
                    // Nobody else will send them: this tab syncs on its own from now on.
                    self.lead();
                }
            }
        }
        self.outbox
            .try_update_untracked(|o| change(o))
            .unwrap_or_else(|| change(&mut Outbox::new(Uuid::nil())))
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
                // Offline, the header says so; the views come with the next start online.
                Err(crate::api::ApiError::Network(_)) => {}
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
        // Shown at once; numbered when the flush below puts them in the stored outbox.
        self.unsaved.update(|unsaved| {
            unsaved.extend(accepted.into_iter().map(|mutation| Pending {
                id: 0,
                created_at: now,
                mutation,
                acknowledged: false,
            }));
        });
        self.reproject();
        let store = *self;
        leptos::task::spawn_local(async move { store.flush().await });
        self.wake();
        refused
    }

    /// Moves this tab's new changes into the stored outbox, oldest first, then wakes the sync.
    /// One flush runs at a time; it takes whatever was added while it waited.
    async fn flush(self) {
        if self.flushing.try_get_value().unwrap_or(true) {
            return;
        }
        self.flushing.set_value(true);
        loop {
            let Some(batch) = self.unsaved.try_get_untracked() else {
                return;
            };
            if batch.is_empty() {
                break;
            }
            self.change_outbox(|outbox| {
                outbox.enqueue(batch.iter().map(|p| (p.mutation.clone(), p.created_at)));
            })
            .await;
            let _ = self.unsaved.try_update_untracked(|unsaved| {
                unsaved.drain(..batch.len().min(unsaved.len()));
            });
            self.outbox_changed();
        }
        let _ = self.flushing.try_set_value(false);
        self.wake();
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
        self.outbox.with(|o| o.pending().len()) + self.unsaved.with(Vec::len)
    }

    /// How many changes the server has not processed yet (acknowledged ones are safe).
    pub fn unsent_count(&self) -> usize {
        self.outbox
            .with_untracked(|o| o.pending().iter().filter(|p| !p.acknowledged).count())
            + self.unsaved.with_untracked(Vec::len)
    }

    /// Whether a change made in this tab is still on its way into the stored outbox.
    pub(crate) fn has_unstored(&self) -> bool {
        self.flushing.try_get_value().unwrap_or(false)
            || self
                .unsaved
                .try_with_untracked(|u| !u.is_empty())
                .unwrap_or(false)
    }

    /// Whether some mutation waits to be sent.
    fn has_unsent(&self) -> bool {
        self.outbox.with_untracked(Outbox::has_unsent)
            || self.unsaved.with_untracked(|u| !u.is_empty())
    }

    /// Events of pending mutations on `ticket`, for the timeline.
    pub fn pending_events(&self, ticket: Uuid) -> Vec<Event> {
        self.projection
            .with(|p| p.pending_events.get(&ticket).cloned().unwrap_or_default())
    }

    /// Shows a notice, unless the same sentence is already on screen.
    pub fn notify(&self, text: String) {
        self.notify_with(text, Vec::new());
    }

    /// Shows a notice with choices.
    pub fn notify_with(&self, text: String, choices: Vec<Choice>) {
        let mut id = 0;
        self.next_notice.update_value(|n| {
            *n += 1;
            id = *n;
        });
        self.notices.update(|notices| {
            if notices.iter().any(|n| n.text == text) {
                return;
            }
            notices.push(Notice { id, text, choices });
            // Keep the stack short: old news is not useful.
            if notices.len() > 4 {
                notices.remove(0);
            }
        });
    }

    /// Runs a notice's choice and hides the notice.
    pub fn choose(&self, notice: u64, action: &ChoiceAction) {
        match action {
            ChoiceAction::Open(ticket) => self.open(Some(*ticket)),
            ChoiceAction::Note(ticket) => {
                self.note_request.set(Some(*ticket));
                self.open(Some(*ticket));
            }
            ChoiceAction::Queue(mutation) => {
                self.submit(mutation.clone());
            }
        }
        self.dismiss(notice);
    }

    /// Tells the user the server refused one of their changes (its optimistic effect is gone
    /// already), in words that say what happened and with what can be done now.
    fn refused(&self, refused: Refused) {
        // A change refused the moment it was made needs no story; one that waited offline is
        // told as what happened meanwhile.
        let waited = self
            .last_offline
            .get_value()
            .is_some_and(|at| at >= refused.pending.created_at);
        // The change may have been made in another tab: every tab tells the user.
        if let Ok(text) = serde_json::to_string(&refused) {
            self.tell(&TabMessage::Refused {
                refused: text,
                waited,
            });
        }
        self.show_refused(refused, waited);
    }

    /// Shows a refusal; `waited`: the change waited offline before the server saw it.
    fn show_refused(&self, refused: Refused, waited: bool) {
        let ticket = refused.pending.mutation.ticket_id();
        let open = Choice {
            label: "Open the ticket".into(),
            action: ChoiceAction::Open(ticket),
        };
        let held = match (&refused.pending.mutation, &refused.rejection) {
            (
                Mutation::Start { .. },
                Some(Rejection::HeldBy {
                    reference,
                    holder,
                    at,
                }),
            ) => Some((reference, holder, at)),
            _ => None,
        };
        let Some((reference, holder, at)) = held else {
            self.notify_with(refused.message, vec![open]);
            return;
        };
        let me = self.me.with_value(|me| me.name.clone());
        let local = at.with_timezone(&chrono::Local).format("%H:%M");
        let ask = Mutation::Reply {
            ticket_id: ticket,
            message_id: Uuid::now_v7(),
            visibility: Visibility::Internal,
            body: if waited {
                format!(
                    "{holder}, could you release {reference} to me? I meant to take it while I was offline. — {me}"
                )
            } else {
                format!("{holder}, could you release {reference} to me? I meant to take it. — {me}")
            },
        };
        // The user's other changes to the ticket went through (or wait their turn): say so, as
        // they may expect the refusal to have undone them too.
        let kept = self
            .outbox
            .with_untracked(|o| o.pending().iter().any(|p| p.mutation.ticket_id() == ticket))
            || self
                .unsaved
                .with_untracked(|u| u.iter().any(|p| p.mutation.ticket_id() == ticket));
        let text = if waited {
            let kept = if kept {
                " Your other changes to it were kept."
            } else {
                ""
            };
            format!(
                "{holder} started {reference} at {local} while you were offline, so it stays with {holder}.{kept}"
            )
        } else {
            refused.message
        };
        self.notify_with(
            text,
            vec![
                Choice {
                    label: "Open it to add a note".into(),
                    action: ChoiceAction::Note(ticket),
                },
                Choice {
                    label: format!("Ask {holder} to release it"),
                    action: ChoiceAction::Queue(ask),
                },
            ],
        );
    }

    /// Stores a pull page in the local copy; a failing write is told (once) rather than stop the
    /// sync.
    ///
    /// Returns how many chunks hold the tickets now.
    async fn save_page(&self, page: &PullResponse, since: Option<u64>, reset: bool) -> u32 {
        let Some(cache) = self.cache.try_get_value().flatten() else {
            return 0;
        };
        // The page's transaction is undone whole, cookie included, so the copy stays consistent
        // (only older) and the next page tries again; the other tabs still hear of the page.
        match cache.save_page(page, since, reset).await {
            Ok(chunks) => chunks,
            Err(error) => {
                self.notify(error.to_string());
                0
            }
        }
    }

    /// Rewrites the stored tickets from the confirmed ones when many pulls have piled up chunks.
    /// Only the leader writes tickets, and only between pulls, so nothing else writes meanwhile.
    async fn compact(&self, chunks: u32) {
        let Some(cache) = self.cache.try_get_value().flatten() else {
            return;
        };
        if chunks <= cache::COMPACT_AT {
            return;
        }
        let (cookie, check) = (self.cookie.get_value(), self.check.get_value());
        let packed = self
            .projection
            .with_untracked(|p| cache::pack(p.confirmed_tickets()));
        let written = match packed {
            Ok(packed) => cache.compact(packed, cookie, check).await,
            Err(error) => Err(error),
        };
        if let Err(error) = written {
            self.notify(error.to_string());
        }
    }

    /// Stops using the local copy (signing out deletes it next).
    pub fn close_cache(&self) {
        if let Some(Some(cache)) = self.cache.try_get_value() {
            cache.close();
        }
        let _ = self.cache.try_set_value(None);
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
        // The session ended on the server: an offline start must not open this copy any more.
        cache::set_last_user(None);
        self.session.set(Session::SignedOut);
    }
}

/// Marks the page with this tab's part in the sync (`data-sync` on the root element), for the
/// end-to-end tests and for whoever looks at the page's elements.
fn set_sync_role(role: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-sync", role);
    }
}

fn is_alive(alive: &AtomicBool) -> bool {
    alive.load(Ordering::Relaxed)
}
