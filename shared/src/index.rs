//! The queue's compact, column-oriented index: what lets the browser filter, sort and count
//! 100,000 tickets within a frame.
//!
//! Each ticket has a slot; each hot filter field is a column of small integers or instants indexed
//! by slot (statuses, types, agents, teams and tags interned as numbers, tags also as one bitset
//! per tag, archive and bin as flag bits, the end of a snooze as an instant), free text is a word
//! index (`index/text.rs`), and every sort order is kept as a sorted list of slots. A filter
//! narrows a bitset of slots column by column, visiting only slots still in it; a sorted view
//! walks the order's list and keeps the slots in the set, so nothing is sorted per keystroke.
//! Changes arrive one ticket at a time and update the columns, the word lists and the orders in
//! place ([`QueueIndex::upsert`]); each order is sorted once, the first time a list asks for it.
//!
//! The answers are exactly those of [`Filter::matches`] and [`Sort::compare`] over the tickets
//! (a property test holds the index to them), with one documented difference: a ticket whose
//! events are dated after `now` (a clock set back) has its SLA state as of its last event.

mod bits;
mod text;

pub use bits::Bits;

use crate::filter::{Filter, FilterContext, Scope, Who, digits};
use crate::hash::HashMap;
use crate::mutation::Actor;
use crate::queue::{Counts, Sort};
use crate::sla::{Schedule, SlaEngine};
use crate::status::{StatusCategory, StatusId};
use crate::ticket::{Channel, Priority, Ticket};
use crate::workspace::{Role, Workspace};
use std::cmp::Ordering;
use std::hash::Hash;
use std::sync::OnceLock;
use text::TextIndex;
use uuid::Uuid;

/// No value: no assignee, no team, not completed.
const NONE: u32 = u32::MAX;

/// In the `filed` column: archived.
const ARCHIVED: u8 = 1;
/// In the `filed` column: marked as spam or deleted.
const BINNED: u8 = 2;

/// Values as small numbers, in order of first appearance.
#[derive(Debug, Clone)]
struct Interner<T> {
    values: Vec<T>,
    codes: HashMap<T, u32>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            values: Vec::new(),
            codes: HashMap::default(),
        }
    }
}

impl<T: Eq + Hash + Clone> Interner<T> {
    fn code(&mut self, value: &T) -> u32 {
        if let Some(&c) = self.codes.get(value) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(value.clone());
        self.codes.insert(value.clone(), c);
        c
    }

    fn find(&self, value: &T) -> Option<u32> {
        self.codes.get(value).copied()
    }

    /// A lookup table over codes: which codes pass.
    fn table(&self, pass: impl Fn(&T) -> bool) -> Vec<bool> {
        self.values.iter().map(pass).collect()
    }
}

fn code_of<T: Eq + Hash + Clone>(interner: &mut Interner<T>, value: Option<&T>) -> u32 {
    value.map_or(NONE, |v| interner.code(v))
}

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct QueueIndex {
    slot_of: HashMap<Uuid, u32>,
    ids: Vec<Uuid>,
    free: Vec<u32>,
    live: Bits,
    statuses: Interner<StatusId>,
    status: Vec<u32>,
    category: Vec<StatusCategory>,
    priority: Vec<Priority>,
    types: Interner<String>,
    ticket_type: Vec<u32>,
    channel: Vec<Channel>,
    agents: Interner<Uuid>,
    assignee: Vec<u32>,
    teams: Interner<Uuid>,
    team: Vec<u32>,
    requesters: Interner<Uuid>,
    requester: Vec<u32>,
    tag_codes: Interner<Uuid>,
    tag_bits: Vec<Bits>,
    tags: Vec<Box<[u32]>>,
    /// Microseconds since the epoch.
    created: Vec<i64>,
    updated: Vec<i64>,
    /// Seconds from creation to solved, for completed tickets; `i64::MIN` otherwise.
    completed_in: Vec<i64>,
    /// Unix seconds since which an unassigned ticket has waited; `i64::MAX` when assigned.
    unassigned_since: Vec<i64>,
    /// [`ARCHIVED`] and [`BINNED`] (spam or deleted).
    filed: Vec<u8>,
    /// Unix seconds the snooze ends; `i64::MIN` when not snoozed.
    snoozed_until: Vec<i64>,
    reference: Vec<Option<Box<str>>>,
    email: Vec<Option<Box<str>>>,
    phone: Vec<Option<Box<str>>>,
    schedule: Vec<Schedule>,
    text: TextIndex,
    /// The slots below this have their free text in `text`, and are kept up to date; `usize::MAX`
    /// once every ticket's is (see [`QueueIndex::build_columns`]).
    text_upto: usize,
    /// One list of live slots per [`Sort::ALL`] entry, in that order, each sorted when first
    /// asked for ([`QueueIndex::order`]): a load paints the list in one order, and sorting the
    /// other four was a third of building the index. Once sorted, an order is kept up to date.
    orders: Vec<OnceLock<Vec<u32>>>,
}

fn micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

fn sort_slot(sort: Sort) -> usize {
    Sort::ALL.iter().position(|&s| s == sort).unwrap_or(0)
}

impl QueueIndex {
    /// An empty index.
    pub fn new() -> QueueIndex {
        QueueIndex {
            orders: vec![OnceLock::new(); Sort::ALL.len()],
            text_upto: usize::MAX,
            ..QueueIndex::default()
        }
    }

    /// Indexes `tickets` at once (a load, or after the workspace's statuses change): the columns
    /// are filled in one pass and each order sorted once.
    pub fn build<'a>(
        tickets: impl IntoIterator<Item = &'a Ticket>,
        workspace: &Workspace,
        engine: &SlaEngine,
    ) -> QueueIndex {
        let mut index = QueueIndex::new();
        index.fill(tickets, workspace, engine);
        index
    }

    /// [`QueueIndex::build`] without the free text, which is two thirds of the work: a load
    /// shows its first list sooner and indexes the text after, a part at a time
    /// ([`QueueIndex::index_text_part`]) or at once ([`QueueIndex::index_text`]). Until then the
    /// columns are kept up to date as usual, and a filter with free text must not be asked, so a
    /// caller about to ask for words indexes the rest of the text first.
    pub fn build_columns<'a>(
        tickets: impl IntoIterator<Item = &'a Ticket>,
        workspace: &Workspace,
        engine: &SlaEngine,
    ) -> QueueIndex {
        let mut index = QueueIndex::new();
        index.text_upto = 0;
        index.fill(tickets, workspace, engine);
        index
    }

    /// Whether the free text of every ticket is indexed.
    pub fn text_ready(&self) -> bool {
        self.text_upto == usize::MAX
    }

    /// Indexes the free text of `tickets`, which must be the tickets indexed now, after
    /// [`QueueIndex::build_columns`]: all that is left of it. Nothing to do when the text is ready.
    pub fn index_text<'a>(&mut self, tickets: impl IntoIterator<Item = &'a Ticket>) {
        if self.text_ready() {
            return;
        }
        let by_id: HashMap<Uuid, &Ticket> = tickets.into_iter().map(|t| (t.id, t)).collect();
        self.index_text_part(|id| by_id.get(&id).copied(), usize::MAX);
    }

    /// Indexes the free text of up to `slots` more slots, in slot order (so each word's postings
    /// are appended rather than inserted), reading each slot's ticket with `ticket`. Returns
    /// whether the text is now ready. Changes meanwhile keep the slots already done up to date,
    /// and the others are read as they are when their turn comes: a load indexes the text in
    /// parts between which the page answers the user.
    pub fn index_text_part<'a>(
        &mut self,
        ticket: impl Fn(Uuid) -> Option<&'a Ticket>,
        slots: usize,
    ) -> bool {
        if self.text_ready() {
            return true;
        }
        let end = self.text_upto.saturating_add(slots).min(self.ids.len());
        for s in self.text_upto..end {
            if self.live.get(s)
                && let Some(t) = ticket(self.ids[s])
            {
                self.text.set(s as u32, Some(t));
            }
        }
        self.text_upto = if end == self.ids.len() {
            usize::MAX
        } else {
            end
        };
        self.text_ready()
    }

    /// Indexes `tickets` into an empty index: the columns in one pass, each order sorted once.
    fn fill<'a>(
        &mut self,
        tickets: impl IntoIterator<Item = &'a Ticket>,
        workspace: &Workspace,
        engine: &SlaEngine,
    ) {
        let tickets = tickets.into_iter();
        self.reserve(tickets.size_hint().0);
        for ticket in tickets {
            let slot = self.claim(ticket.id);
            self.write(slot, ticket, workspace, engine);
        }
        // Sorted again when asked for.
        self.orders = vec![OnceLock::new(); Sort::ALL.len()];
    }

    /// The live slots in `sort` order, sorted now if this is the first time it is asked for.
    fn order(&self, sort: Sort) -> &[u32] {
        self.orders[sort_slot(sort)].get_or_init(|| match sort {
            Sort::Updated => {
                let mut order: Vec<u32> = self.live.iter().map(|s| s as u32).collect();
                order.sort_unstable_by(|&a, &b| self.compare(Sort::Updated, a, b));
                order
            }
            Sort::Newest => self.by_key(|s| std::cmp::Reverse(self.created[s])),
            Sort::Oldest => self.by_key(|s| self.created[s]),
            Sort::Priority => self.by_key(|s| self.priority[s]),
            Sort::SlaDeadline => self.by_key(|s| self.schedule[s].sort_key()),
        })
    }

    /// The live slots sorted by `key`, ties in [`Sort::Updated`] order: [`QueueIndex::compare`]
    /// for an order whose first key is `key`. Sorting small pairs of key and rank is several
    /// times faster than comparing through the columns.
    fn by_key<K: Ord + Copy>(&self, key: impl Fn(usize) -> K) -> Vec<u32> {
        let updated = self.order(Sort::Updated);
        let mut keyed: Vec<(K, u32)> = updated
            .iter()
            .enumerate()
            .map(|(rank, &slot)| (key(slot as usize), rank as u32))
            .collect();
        keyed.sort_unstable();
        keyed
            .into_iter()
            .map(|(_, rank)| updated[rank as usize])
            .collect()
    }

    /// How many tickets are indexed.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    /// Whether no ticket is indexed.
    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// The ticket at `slot`.
    pub fn id(&self, slot: usize) -> Uuid {
        self.ids[slot]
    }

    /// Adds or replaces one ticket.
    pub fn upsert(&mut self, ticket: &Ticket, workspace: &Workspace, engine: &SlaEngine) {
        let slot = match self.slot_of.get(&ticket.id) {
            Some(&slot) => {
                self.unorder(slot);
                slot
            }
            None => self.claim(ticket.id),
        };
        self.write(slot, ticket, workspace, engine);
        self.reorder(slot);
    }

    /// Forgets one ticket.
    pub fn remove(&mut self, id: Uuid) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        self.unorder(slot);
        let s = slot as usize;
        self.live.clear(s);
        for &tag in self.tags[s].iter() {
            self.tag_bits[tag as usize].clear(s);
        }
        self.tags[s] = Box::default();
        if s < self.text_upto {
            self.text.set(slot, None);
        }
        self.reference[s] = None;
        self.email[s] = None;
        self.phone[s] = None;
        self.free.push(slot);
    }

    /// Recomputes every SLA schedule with a new engine (the service levels changed).
    pub fn reschedule<'a>(
        &mut self,
        tickets: impl IntoIterator<Item = &'a Ticket>,
        engine: &SlaEngine,
    ) {
        for ticket in tickets {
            if let Some(&slot) = self.slot_of.get(&ticket.id) {
                self.schedule[slot as usize] = engine.schedule(ticket);
            }
        }
        self.orders[sort_slot(Sort::SlaDeadline)] = OnceLock::new();
    }

    /// Room for `n` more slots in the map and every column.
    fn reserve(&mut self, n: usize) {
        self.slot_of.reserve(n);
        self.ids.reserve(n);
        self.status.reserve(n);
        self.category.reserve(n);
        self.priority.reserve(n);
        self.ticket_type.reserve(n);
        self.channel.reserve(n);
        self.assignee.reserve(n);
        self.team.reserve(n);
        self.requester.reserve(n);
        self.tags.reserve(n);
        self.created.reserve(n);
        self.updated.reserve(n);
        self.completed_in.reserve(n);
        self.unassigned_since.reserve(n);
        self.filed.reserve(n);
        self.snoozed_until.reserve(n);
        self.reference.reserve(n);
        self.email.reserve(n);
        self.phone.reserve(n);
        self.schedule.reserve(n);
    }

    fn claim(&mut self, id: Uuid) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = self.ids.len() as u32;
                let n = slot as usize + 1;
                self.ids.push(id);
                self.live.grow(n);
                for bits in &mut self.tag_bits {
                    bits.grow(n);
                }
                self.status.push(NONE);
                self.category.push(StatusCategory::New);
                self.priority.push(Priority::Medium);
                self.ticket_type.push(NONE);
                self.channel.push(Channel::Manual);
                self.assignee.push(NONE);
                self.team.push(NONE);
                self.requester.push(NONE);
                self.tags.push(Box::default());
                self.created.push(0);
                self.updated.push(0);
                self.completed_in.push(i64::MIN);
                self.unassigned_since.push(i64::MAX);
                self.filed.push(0);
                self.snoozed_until.push(i64::MIN);
                self.reference.push(None);
                self.email.push(None);
                self.phone.push(None);
                self.schedule.push(Schedule::UNKNOWN);
                slot
            }
        };
        self.ids[slot as usize] = id;
        self.slot_of.insert(id, slot);
        self.live.set(slot as usize);
        slot
    }

    fn write(&mut self, slot: u32, t: &Ticket, workspace: &Workspace, engine: &SlaEngine) {
        let s = slot as usize;
        let category = workspace.category(&t.status);
        self.status[s] = self.statuses.code(&t.status);
        self.category[s] = category;
        self.priority[s] = t.priority;
        self.ticket_type[s] = self.types.code(&t.ticket_type);
        self.channel[s] = t.channel;
        self.assignee[s] = code_of(&mut self.agents, t.assignee.as_ref());
        self.team[s] = code_of(&mut self.teams, t.team.as_ref());
        self.requester[s] = code_of(&mut self.requesters, t.requester.as_ref().map(|r| &r.id));
        for &tag in self.tags[s].iter() {
            self.tag_bits[tag as usize].clear(s);
        }
        let tags: Box<[u32]> = t.tags.iter().map(|tag| self.tag_codes.code(tag)).collect();
        let n = self.ids.len();
        for &tag in tags.iter() {
            if self.tag_bits.len() <= tag as usize {
                self.tag_bits.resize_with(tag as usize + 1, || Bits::new(n));
            }
            self.tag_bits[tag as usize].set(s);
        }
        self.tags[s] = tags;
        self.created[s] = micros(t.created_at);
        self.updated[s] = micros(t.updated_at);
        self.completed_in[s] = match t.solved_at {
            Some(solved) if category.is_completed() => (solved - t.created_at).num_seconds(),
            _ => i64::MIN,
        };
        self.unassigned_since[s] = if t.assignee.is_none() {
            t.unassigned_since().timestamp()
        } else {
            i64::MAX
        };
        self.filed[s] =
            if t.archived { ARCHIVED } else { 0 } | if t.trash.is_some() { BINNED } else { 0 };
        self.snoozed_until[s] = t.snoozed_until.map_or(i64::MIN, |u| u.timestamp());
        self.reference[s] = t.reference.as_deref().map(|r| r.to_lowercase().into());
        let requester = t.requester.as_ref();
        self.email[s] = requester
            .and_then(|r| r.email.as_deref())
            .map(|e| e.to_lowercase().into());
        self.phone[s] = requester
            .and_then(|r| r.phone.as_deref())
            .map(|p| digits(p).into());
        self.schedule[s] = engine.schedule(t);
        if s < self.text_upto {
            self.text.set(slot, Some(t));
        }
    }

    /// The order of two slots under `sort`: [`Sort::compare`] on the columns. Every order but
    /// [`Sort::Updated`] breaks its ties by that one, which is how [`QueueIndex::by_key`] sorts.
    fn compare(&self, sort: Sort, a: u32, b: u32) -> Ordering {
        let (a, b) = (a as usize, b as usize);
        let first = match sort {
            Sort::Newest => self.created[b].cmp(&self.created[a]),
            Sort::Oldest => self.created[a].cmp(&self.created[b]),
            Sort::Updated => Ordering::Equal,
            Sort::Priority => self.priority[a].cmp(&self.priority[b]),
            Sort::SlaDeadline => self.schedule[a]
                .sort_key()
                .cmp(&self.schedule[b].sort_key()),
        };
        first
            .then(self.updated[b].cmp(&self.updated[a]))
            .then(self.ids[b].cmp(&self.ids[a]))
    }

    /// Takes `slot` out of the orders sorted so far.
    fn unorder(&mut self, slot: u32) {
        for (k, &sort) in Sort::ALL.iter().enumerate() {
            let Some(mut order) = self.orders[k].take() else {
                continue;
            };
            let at = order.partition_point(|&s| self.compare(sort, s, slot) == Ordering::Less);
            // The columns still hold the keys the slot was ordered by, so it is found at `at`;
            // the scan is only a safety net.
            let at = if order.get(at) == Some(&slot) {
                Some(at)
            } else {
                order.iter().position(|&s| s == slot)
            };
            if let Some(at) = at {
                order.remove(at);
            }
            self.orders[k] = OnceLock::from(order);
        }
    }

    /// Puts `slot` into the orders sorted so far.
    fn reorder(&mut self, slot: u32) {
        for (k, &sort) in Sort::ALL.iter().enumerate() {
            let Some(mut order) = self.orders[k].take() else {
                continue;
            };
            let at = order.partition_point(|&s| self.compare(sort, s, slot) == Ordering::Less);
            order.insert(at, slot);
            self.orders[k] = OnceLock::from(order);
        }
    }

    /// The slots `actor` may see ([`crate::queue::can_see`]).
    pub fn visible(&self, actor: &Actor, workspace: &Workspace) -> Bits {
        let mut sel = self.live.clone();
        match actor.role {
            Role::Admin => {}
            Role::Customer => {
                let me = self.requesters.find(&actor.id).unwrap_or(NONE - 1);
                sel.retain(|s| self.requester[s] == me);
            }
            Role::Agent | Role::Leader => {
                if !workspace.agents_see_all_teams {
                    let mine = self.agents.find(&actor.id).unwrap_or(NONE - 1);
                    let teams = workspace.agent(actor.id).map(|a| &a.teams);
                    let table = self
                        .teams
                        .table(|team| teams.is_some_and(|ts| ts.contains(team)));
                    sel.retain(|s| {
                        let team = self.team[s];
                        team == NONE || table[team as usize] || self.assignee[s] == mine
                    });
                }
            }
        }
        sel
    }

    /// The slots of `within` that pass every filter of `filters`.
    pub fn select(&self, within: &Bits, filters: &[&Filter], ctx: &FilterContext<'_>) -> Bits {
        let mut sel = within.clone();
        sel.and(&self.live);
        for filter in filters {
            self.refine(&mut sel, filter, ctx);
        }
        sel
    }

    fn refine(&self, sel: &mut Bits, f: &Filter, ctx: &FilterContext<'_>) {
        // Word lists and tags first, as whole bitsets: they are usually the narrowest.
        debug_assert!(
            self.text_ready() || f.text.is_empty(),
            "free text asked of an index without it"
        );
        for term in &f.text {
            *sel = self.text.matching(term, sel);
        }
        for group in &f.tags {
            let mut any = Bits::new(sel.len());
            for tag in group {
                if let Some(code) = self.tag_codes.find(tag) {
                    any.or(&self.tag_bits[code as usize]);
                }
            }
            sel.and(&any);
        }
        // Then every small-number column in one pass over what is left.
        let mut categories = if f.categories.is_empty() {
            u8::MAX
        } else {
            f.categories.iter().fold(0u8, |m, &c| m | 1 << c as u8)
        };
        if !f.shows_completed(ctx.workspace) {
            categories &= !(1 << StatusCategory::Solved as u8 | 1 << StatusCategory::Closed as u8);
        }
        let priorities = if f.priorities.is_empty() {
            u8::MAX
        } else {
            f.priorities.iter().fold(0u8, |m, &p| m | 1 << p as u8)
        };
        let channels = if f.channels.is_empty() {
            u16::MAX
        } else {
            f.channels.iter().fold(0u16, |m, &c| m | 1 << c as u16)
        };
        let statuses =
            (!f.statuses.is_empty()).then(|| self.statuses.table(|s| f.statuses.contains(s)));
        let types = (!f.types.is_empty()).then(|| self.types.table(|t| f.types.contains(t)));
        // Agents and teams: tables over codes, with the last entry for "none".
        let agents = (!f.assignees.is_empty()).then(|| {
            let mut table = self.agents.table(|a| {
                f.assignees.iter().any(|w| match *w {
                    Who::Me => *a == ctx.me,
                    Who::Agent(x) => *a == x,
                    Who::Nobody => false,
                })
            });
            table.push(f.assignees.contains(&Who::Nobody));
            table
        });
        let teams = (!f.teams.is_empty()).then(|| {
            let mut table = self.teams.table(|t| f.teams.contains(&Some(*t)));
            table.push(f.teams.contains(&None));
            table
        });
        // The scope as the bits of `filed` it reads and the value they must have, and whether the
        // ticket must be snoozed now (`None`: either way); [`Scope::contains`] is the meaning.
        let (filed_mask, filed, snoozed) = match f.scope {
            Scope::Active => (ARCHIVED | BINNED, 0, Some(false)),
            Scope::Archived => (ARCHIVED | BINNED, ARCHIVED, None),
            Scope::Snoozed => (ARCHIVED | BINNED, 0, Some(true)),
            Scope::Trash => (BINNED, BINNED, None),
        };
        let now = ctx.now;
        let lookup = |table: &[bool], code: u32| {
            let i = if code == NONE {
                table.len() - 1
            } else {
                code as usize
            };
            table[i]
        };
        sel.retain(|s| {
            self.filed[s] & filed_mask == filed
                && snoozed.is_none_or(|x| (self.snoozed_until[s] > now) == x)
                && categories & (1 << self.category[s] as u8) != 0
                && priorities & (1 << self.priority[s] as u8) != 0
                && channels & (1 << self.channel[s] as u16) != 0
                && statuses.as_ref().is_none_or(|t| t[self.status[s] as usize])
                && types
                    .as_ref()
                    .is_none_or(|t| t[self.ticket_type[s] as usize])
                && agents.as_ref().is_none_or(|t| lookup(t, self.assignee[s]))
                && teams.as_ref().is_none_or(|t| lookup(t, self.team[s]))
        });
        if !f.sla.is_empty() {
            sel.retain(|s| {
                let indicator = self.schedule[s].at_or_after(ctx.now);
                f.sla.iter().any(|x| x.matches(indicator.as_ref()))
            });
        }
        for (range, column) in [(f.created, &self.created), (f.updated, &self.updated)] {
            if !range.is_open() {
                let (start, end) = range.bounds(ctx.zone);
                let (start, end) = (
                    start.saturating_mul(1_000_000),
                    end.saturating_mul(1_000_000),
                );
                sel.retain(|s| start <= column[s] && column[s] < end);
            }
        }
        if let Some(range) = f.time_to_complete {
            sel.retain(|s| {
                self.completed_in[s] != i64::MIN && range.contains(self.completed_in[s])
            });
        }
        if let Some(range) = f.time_unassigned {
            sel.retain(|s| {
                self.unassigned_since[s] != i64::MAX
                    && range.contains(ctx.now - self.unassigned_since[s])
            });
        }
        if let Some(email) = &f.email {
            let email = email.to_lowercase();
            sel.retain(|s| self.email[s].as_deref().is_some_and(|e| e.contains(&email)));
        }
        if let Some(phone) = &f.phone {
            let phone = digits(phone);
            sel.retain(|s| self.phone[s].as_deref().is_some_and(|p| p.contains(&phone)));
        }
        if let Some(reference) = &f.reference {
            let reference = reference.to_lowercase();
            sel.retain(|s| {
                self.reference[s]
                    .as_deref()
                    .is_some_and(|r| r.starts_with(&reference))
            });
        }
    }

    /// The slots of `selection` in `sort` order.
    pub fn sorted<'a>(
        &'a self,
        selection: &'a Bits,
        sort: Sort,
    ) -> impl Iterator<Item = usize> + 'a {
        self.order(sort)
            .iter()
            .map(|&s| s as usize)
            .filter(|&s| selection.get(s))
    }

    /// How many slots of `selection` each status has, and their total: the status tabs' counts,
    /// which need none of [`QueueIndex::counts`]' other columns.
    pub fn status_counts(&self, selection: &Bits) -> Counts {
        let mut by_status = vec![0usize; self.statuses.values.len()];
        for s in selection.iter() {
            by_status[self.status[s] as usize] += 1;
        }
        let mut counts = Counts::default();
        for (code, n) in by_status.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            counts.total += n;
            counts
                .by_status
                .insert(self.statuses.values[code].clone(), n);
        }
        counts
    }

    /// Keeps the slots of `selection` in status `status` (a status tab).
    pub fn keep_status(&self, selection: &mut Bits, status: &StatusId) {
        match self.statuses.find(status) {
            Some(code) => selection.retain(|s| self.status[s] == code),
            None => selection.retain(|_| false),
        }
    }

    /// Drops the completed (solved or closed) slots of `selection`.
    pub fn drop_completed(&self, selection: &mut Bits) {
        selection.retain(|s| !self.category[s].is_completed());
    }

    /// The sidebar counts of `selection` for viewer `me` ([`Counts::of`]).
    pub fn counts(&self, selection: &Bits, me: Uuid) -> Counts {
        let mut by_status = vec![0usize; self.statuses.values.len()];
        let mut by_team = vec![0usize; self.teams.values.len()];
        let mut no_team = 0;
        let mine = self.agents.find(&me).unwrap_or(NONE - 1);
        let mut counts = Counts::default();
        for s in selection.iter() {
            counts.total += 1;
            by_status[self.status[s] as usize] += 1;
            match self.team[s] {
                NONE => no_team += 1,
                t => by_team[t as usize] += 1,
            }
            match self.assignee[s] {
                NONE => counts.unassigned += 1,
                a if a == mine => counts.mine += 1,
                _ => {}
            }
        }
        for (code, n) in by_status.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            counts
                .by_status
                .insert(self.statuses.values[code].clone(), n);
        }
        for (code, n) in by_team.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            counts.by_team.insert(Some(self.teams.values[code]), n);
        }
        if no_team > 0 {
            counts.by_team.insert(None, no_team);
        }
        counts
    }
}

#[cfg(test)]
mod tests;
