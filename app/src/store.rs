//! The workspace's state: confirmed tickets from the server, the user's pending mutations, and the
//! memos the UI reads (the projection, the list rows, the sidebar counts).
//!
//! Confirmed state is written only by pulls and ticket details. The user's changes never touch it:
//! they are queued as mutations and replayed on top (see [`projection`]), so dropping a rejected
//! mutation is all it takes to roll the view back.

mod inbox;
mod outbox;
mod projection;
mod sort;
mod sync;

use crate::contexts::Session;
use chrono::{DateTime, TimeDelta, Utc};
use deskline_shared::api::{Inbox, Me, PushMutation};
use deskline_shared::queue::{Counts, can_see};
use deskline_shared::sla::{Indicator, Schedule, SlaConfig, SlaEngine, SlaFilter};
use deskline_shared::{Actor, Context, Event, Mutation, Rejection, Ticket, Workspace, apply};
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

pub use projection::Projection;
pub use sort::Sort;

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
    /// Server clock minus browser clock, in milliseconds, as of the last pull.
    skew_ms: StoredValue<i64>,
    /// Numbers inbox reads, so only the latest answer is shown.
    inbox_seq: StoredValue<u64>,
    /// Confirmed state with pending mutations replayed on top.
    pub projection: Memo<Projection>,
    /// The list under the current filter, SLA filter and sort.
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
    /// The app's one clock: browser time corrected by the server's (see [`Store::clock_now`]).
    /// Ticks every second; ages and SLA countdowns are computed from it.
    pub now: RwSignal<DateTime<Utc>>,
    /// The SLA engine of the workspace's service levels, compiled once per configuration and
    /// replaced when a leader saves new ones.
    pub sla: RwSignal<Arc<SlaEngine>>,
    /// The list order, remembered across reloads.
    pub sort: RwSignal<Sort>,
    /// The SLA chip in use (`None`: all tickets).
    pub sla_filter: RwSignal<Option<SlaFilter>>,
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
        let sort = RwSignal::new(sort::load());
        let sla_filter = RwSignal::new(None::<SlaFilter>);
        // Each visible ticket's SLA schedule, recomputed when tickets or service levels change;
        // the clock's ticks only read them.
        let schedules = Memo::new(move |_| {
            sla.with(|engine| {
                projection.with(|p| {
                    p.tickets
                        .values()
                        .map(|t| (t.id, engine.schedule(t)))
                        .collect::<HashMap<Uuid, Schedule>>()
                })
            })
        });
        let rows = Memo::new(move |_| {
            let filter = filter.get();
            let sort = sort.get();
            let sla_filter = sla_filter.get();
            // Only an SLA filter or order moves with the clock; otherwise the list stays put
            // between changes instead of being rebuilt every second.
            let by_sla = sla_filter.is_some() || sort == Sort::SlaDeadline;
            let now = if by_sla {
                now.get()
            } else {
                now.get_untracked()
            };
            sla.with(|engine| {
                projection.with(|p| {
                    workspace.with_value(|ws| {
                        actor.with_value(|actor| {
                            let queue: Vec<&Ticket> = p
                                .tickets
                                .values()
                                .filter(|t| can_see(actor, t, ws) && filter.matches(t, me_id, ws))
                                .collect();
                            let mut indicators = Vec::new();
                            if by_sla {
                                schedules.with(|schedules| {
                                    let pairs = queue.iter().map(|t| {
                                        (schedules.get(&t.id).unwrap_or(&Schedule::UNKNOWN), *t)
                                    });
                                    engine.indicators(pairs, now, &mut indicators);
                                });
                            }
                            let mut rows: Vec<((u8, i64), Row)> = queue
                                .into_iter()
                                .enumerate()
                                .filter_map(|(k, t)| {
                                    let key = match indicators.get(k) {
                                        Some(indicator) => {
                                            let indicator = indicator.as_ref();
                                            if sla_filter.is_some_and(|f| !f.matches(indicator)) {
                                                return None;
                                            }
                                            Indicator::sort_key(indicator)
                                        }
                                        None => (0, 0),
                                    };
                                    let row = Row {
                                        ticket: t.clone(),
                                        saving: p.saving.contains(&t.id),
                                    };
                                    Some((key, row))
                                })
                                .collect();
                            rows.sort_by(|(ka, a), (kb, b)| {
                                sort.compare((*ka, &a.ticket), (*kb, &b.ticket))
                            });
                            rows.into_iter().map(|(_, row)| row).collect()
                        })
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
            skew_ms: StoredValue::new(0),
            inbox_seq: StoredValue::new(0),
            projection,
            rows,
            counts,
            timeline: RwSignal::new(None),
            selected: RwSignal::new(None),
            filter,
            notices: RwSignal::new(Vec::new()),
            offline: RwSignal::new(false),
            loaded: RwSignal::new(false),
            now,
            sla,
            sort,
            sla_filter,
            inbox: RwSignal::new(Inbox {
                entries: Vec::new(),
                unread: 0,
            }),
            settings_open: RwSignal::new(false),
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
        let now = self.clock_now();
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
            .with(|p| self.decide(p, mutation, self.clock_now()))
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
