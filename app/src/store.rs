//! The workspace's state: confirmed tickets from the server, the user's pending mutations, and the
//! memos the UI reads (the projection, the list rows, the sidebar counts).
//!
//! Confirmed state is written only by pulls and ticket details. The user's changes never touch it:
//! they are queued as mutations and replayed on top (see [`projection`]), so dropping a rejected
//! mutation is all it takes to roll the view back.

mod outbox;
mod projection;
mod sync;

use crate::contexts::Session;
use chrono::{DateTime, Utc};
use deskline_shared::api::{Me, PushMutation};
use deskline_shared::queue::{Counts, can_see};
use deskline_shared::{Actor, Context, Event, Mutation, Rejection, Ticket, Workspace, apply};
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

pub use projection::Projection;

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

/// Which tickets the list shows, chosen in the sidebar; the rule lives in the shared crate.
pub use deskline_shared::queue::Queue as Filter;

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The ticket as projected.
    pub ticket: Ticket,
    /// It has changes the server has not confirmed.
    pub saving: bool,
}

/// Sidebar counts. The queue entries and teams count open tickets only, like the list they
/// filter; statuses count every ticket in them, so completed statuses show their size too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidebarCounts {
    /// Counts over tickets not in a completed status.
    pub open: Counts,
    /// Counts over every visible ticket.
    pub all: Counts,
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
    confirmed: RwSignal<HashMap<Uuid, Ticket>>,
    pending: RwSignal<Vec<Pending>>,
    ids: StoredValue<Ids>,
    wake: StoredValue<Option<UnboundedSender<()>>>,
    alive: StoredValue<Arc<AtomicBool>>,
    next_notice: StoredValue<u64>,
    /// Confirmed state with pending mutations replayed on top.
    pub projection: Memo<Projection>,
    /// The list under the current filter, most recently updated first.
    pub rows: Memo<Vec<Row>>,
    /// Sidebar counts.
    pub counts: Memo<SidebarCounts>,
    /// The open ticket's timeline.
    pub timeline: RwSignal<Option<Timeline>>,
    /// The open ticket.
    pub selected: RwSignal<Option<Uuid>>,
    /// The sidebar entry in use.
    pub filter: RwSignal<Filter>,
    /// Messages for the user.
    pub notices: RwSignal<Vec<Notice>>,
    /// The last request failed for lack of network.
    pub offline: RwSignal<bool>,
    /// The first full pull has finished.
    pub loaded: RwSignal<bool>,
    /// The clock the ages in the list are computed from; ticks every 30 s.
    pub now: RwSignal<DateTime<Utc>>,
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
        let me = StoredValue::new(me);
        let actor = StoredValue::new(actor);
        let workspace = StoredValue::new(workspace);
        let confirmed = RwSignal::new(HashMap::new());
        let pending = RwSignal::new(pending);

        let projection = Memo::new(move |_| {
            confirmed.with(|confirmed| {
                pending.with(|pending| {
                    workspace.with_value(|ws| {
                        actor.with_value(|actor| projection::project(confirmed, pending, actor, ws))
                    })
                })
            })
        });
        let filter = RwSignal::new(Filter::AllOpen);
        let rows = Memo::new(move |_| {
            let filter = filter.get();
            projection.with(|p| {
                workspace.with_value(|ws| {
                    actor.with_value(|actor| {
                        let mut rows: Vec<Row> = p
                            .tickets
                            .values()
                            .filter(|t| can_see(actor, t, ws) && filter.matches(t, me_id, ws))
                            .map(|t| Row {
                                ticket: t.clone(),
                                saving: p.saving.contains(&t.id),
                            })
                            .collect();
                        rows.sort_by(|a, b| {
                            b.ticket
                                .updated_at
                                .cmp(&a.ticket.updated_at)
                                .then(b.ticket.id.cmp(&a.ticket.id))
                        });
                        rows
                    })
                })
            })
        });
        let counts = Memo::new(move |_| {
            projection.with(|p| {
                workspace.with_value(|ws| {
                    actor.with_value(|actor| {
                        let visible: Vec<&Ticket> = p
                            .tickets
                            .values()
                            .filter(|t| can_see(actor, t, ws))
                            .collect();
                        let open = visible
                            .iter()
                            .copied()
                            .filter(|t| Filter::AllOpen.matches(t, me_id, ws));
                        SidebarCounts {
                            open: Counts::of(open, me_id),
                            all: Counts::of(visible.iter().copied(), me_id),
                        }
                    })
                })
            })
        });

        let store = Store {
            session,
            me,
            actor,
            workspace,
            confirmed,
            pending,
            ids: StoredValue::new(Ids {
                client_id,
                next_mutation_id,
            }),
            wake: StoredValue::new(None),
            alive: StoredValue::new(Arc::new(AtomicBool::new(true))),
            next_notice: StoredValue::new(0),
            projection,
            rows,
            counts,
            timeline: RwSignal::new(None),
            selected: RwSignal::new(None),
            filter,
            notices: RwSignal::new(Vec::new()),
            offline: RwSignal::new(false),
            loaded: RwSignal::new(false),
            now: RwSignal::new(Utc::now()),
        };
        sync::start(store);
        store
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

    /// Decides `mutation` locally and, unless it is refused, queues it for the server.
    ///
    /// Returns whether it was queued; a refusal is shown as a notice.
    pub fn submit(&self, mutation: Mutation) -> bool {
        let now = Utc::now();
        let verdict = self
            .projection
            .with_untracked(|p| self.decide(p, &mutation, now));
        if let Err(rejection) = verdict {
            self.notify(rejection.to_string());
            return false;
        }
        let mut id = 0;
        self.ids.update_value(|ids| {
            id = ids.next_mutation_id;
            ids.next_mutation_id += 1;
            outbox::set_next_mutation_id(ids.next_mutation_id);
        });
        self.pending.update(|pending| {
            pending.push(Pending {
                id,
                created_at: now,
                mutation,
                acknowledged: false,
            });
        });
        self.save_outbox();
        self.wake();
        true
    }

    /// What `mutation` would do to what the user sees now, without queuing it; tracked, so a
    /// control can follow it (e.g. Start is disabled when it would change nothing).
    pub fn preview(&self, mutation: &Mutation) -> Result<Vec<Event>, Rejection> {
        self.projection
            .with(|p| self.decide(p, mutation, Utc::now()))
    }

    /// Runs the shared rules on the projected ticket.
    fn decide(
        &self,
        projection: &Projection,
        mutation: &Mutation,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, Rejection> {
        let ticket = projection.tickets.get(&mutation.ticket_id());
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

    /// Opens a ticket in the ticket view (`None` closes it).
    pub fn open(&self, ticket: Option<Uuid>) {
        // Re-opening the open ticket must not rebuild its view (and lose a draft reply).
        if self.selected.get_untracked() != ticket {
            self.selected.set(ticket);
        }
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
