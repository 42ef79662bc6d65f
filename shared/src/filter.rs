//! What a queue's filters ask of a ticket: the meaning of every filter of the filter bar and the
//! query language, written plainly over one ticket at a time.
//!
//! [`Filter::matches`] is the reference: the compact index ([`crate::index`]) answers the same
//! question for 100,000 tickets within a frame, and a property test holds it to exactly this
//! answer.

use crate::sla::{Indicator, SlaFilter, Zone};
use crate::status::{StatusCategory, StatusId};
use crate::ticket::{Channel, Priority, Ticket};
use crate::workspace::Workspace;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whose tickets: an assignee condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    /// The viewer.
    Me,
    /// Nobody: unassigned.
    Nobody,
    /// This agent.
    Agent(Uuid),
}

/// Days, inclusive at both ends, in the workspace's time zone; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day included.
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
}

/// A duration range in seconds, inclusive at both ends; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationRange {
    /// At least this long.
    pub min: Option<i64>,
    /// At most this long.
    pub max: Option<i64>,
}

/// Which part of the workspace a filter looks in: the working queues, or one of the places
/// tickets are filed away (the built-in Archived, Snoozed and Spam/Deleted views).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Not archived, not in the bin, and not snoozed now (a snooze whose time has come is over).
    #[default]
    Active,
    /// Archived and not in the bin.
    Archived,
    /// Snoozed until after now, not archived and not in the bin.
    Snoozed,
    /// Marked as spam or deleted, whatever else is true of it.
    Trash,
}

impl Scope {
    /// Every scope, the default first.
    pub const ALL: [Scope; 4] = [Scope::Active, Scope::Archived, Scope::Snoozed, Scope::Trash];

    /// The lower-case name used in queries (`in:archived`).
    pub fn name(self) -> &'static str {
        match self {
            Scope::Active => "active",
            Scope::Archived => "archived",
            Scope::Snoozed => "snoozed",
            Scope::Trash => "trash",
        }
    }

    /// Whether `ticket` is in this scope at `now` (Unix seconds).
    pub fn contains(self, ticket: &Ticket, now: i64) -> bool {
        let binned = ticket.trash.is_some();
        let snoozed = ticket.snoozed_at(now);
        match self {
            Scope::Active => !binned && !ticket.archived && !snoozed,
            Scope::Archived => !binned && ticket.archived,
            Scope::Snoozed => !binned && !ticket.archived && snoozed,
            Scope::Trash => binned,
        }
    }

    /// Whether the scope lists completed tickets whatever the filter says: the archive holds
    /// only completed tickets, and the bin is emptied by looking at all of it.
    pub fn lists_completed(self) -> bool {
        matches!(self, Scope::Archived | Scope::Trash)
    }
}

/// A queue filter. Empty lists and `None` ask nothing; values within one list are alternatives
/// ("status open or pending"), different fields must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Status is one of these.
    pub statuses: Vec<StatusId>,
    /// Status category is one of these.
    pub categories: Vec<StatusCategory>,
    /// Priority is one of these.
    pub priorities: Vec<Priority>,
    /// Ticket type is one of these.
    pub types: Vec<String>,
    /// Channel is one of these.
    pub channels: Vec<Channel>,
    /// Assignee is one of these.
    pub assignees: Vec<Who>,
    /// Team is one of these (`None`: without a team).
    pub teams: Vec<Option<Uuid>>,
    /// Each group: the ticket carries at least one of its tags (`tag:a,b tag:c` is (a or b) and c).
    pub tags: Vec<Vec<Uuid>>,
    /// SLA state (or overdue) is one of these.
    pub sla: Vec<SlaFilter>,
    /// Created on these days.
    pub created: DateRange,
    /// Last changed on these days.
    pub updated: DateRange,
    /// Completed tickets whose creation-to-solved time is in this range.
    pub time_to_complete: Option<DurationRange>,
    /// Unassigned tickets that have waited for an assignee this long.
    pub time_unassigned: Option<DurationRange>,
    /// The requester's email contains this (case-insensitive).
    pub email: Option<String>,
    /// The requester's phone contains these digits.
    pub phone: Option<String>,
    /// The reference starts with this (case-insensitive).
    pub reference: Option<String>,
    /// Free text: each term appears, at the start of a word, in the title, description,
    /// reference or requester (name, email, phone, organization). A term of several words is a
    /// phrase.
    pub text: Vec<String>,
    /// Also list solved and closed tickets (otherwise shown only when the filter names their
    /// status or category, or the scope lists them: see [`Filter::shows_completed`]).
    pub show_completed: bool,
    /// Where to look: the working queues (the default), the archive, the snoozed tickets or the
    /// bin.
    #[serde(default)]
    pub scope: Scope,
}

/// What a filter needs besides the ticket.
#[derive(Clone, Copy)]
pub struct FilterContext<'a> {
    /// Statuses, tags, agents and teams.
    pub workspace: &'a Workspace,
    /// The viewer, for "me".
    pub me: Uuid,
    /// Now (Unix seconds), for durations and snoozes.
    pub now: i64,
    /// The zone whose days date ranges mean.
    pub zone: &'a Zone,
}

impl Filter {
    /// Whether `ticket`, whose SLA indicator now is `indicator`, passes.
    pub fn matches(
        &self,
        ticket: &Ticket,
        indicator: Option<&Indicator>,
        ctx: &FilterContext<'_>,
    ) -> bool {
        if !self.scope.contains(ticket, ctx.now) {
            return false;
        }
        let category = ctx.workspace.category(&ticket.status);
        if category.is_completed() && !self.shows_completed(ctx.workspace) {
            return false;
        }
        let any = |list_empty: bool, hit: bool| list_empty || hit;
        any(
            self.statuses.is_empty(),
            self.statuses.contains(&ticket.status),
        ) && any(
            self.categories.is_empty(),
            self.categories.contains(&category),
        ) && any(
            self.priorities.is_empty(),
            self.priorities.contains(&ticket.priority),
        ) && any(
            self.types.is_empty(),
            self.types.contains(&ticket.ticket_type),
        ) && any(
            self.channels.is_empty(),
            self.channels.contains(&ticket.channel),
        ) && any(
            self.assignees.is_empty(),
            self.assignees.iter().any(|w| match *w {
                Who::Me => ticket.assignee == Some(ctx.me),
                Who::Nobody => ticket.assignee.is_none(),
                Who::Agent(a) => ticket.assignee == Some(a),
            }),
        ) && any(self.teams.is_empty(), self.teams.contains(&ticket.team))
            && self
                .tags
                .iter()
                .all(|group| group.iter().any(|t| ticket.tags.contains(t)))
            && any(
                self.sla.is_empty(),
                self.sla.iter().any(|f| f.matches(indicator)),
            )
            && day_in(ctx.zone, ticket.created_at.timestamp(), self.created)
            && day_in(ctx.zone, ticket.updated_at.timestamp(), self.updated)
            && self.time_to_complete.is_none_or(|range| {
                category.is_completed()
                    && ticket
                        .solved_at
                        .is_some_and(|s| range.contains((s - ticket.created_at).num_seconds()))
            })
            && self.time_unassigned.is_none_or(|range| {
                ticket.assignee.is_none()
                    && range.contains(ctx.now - ticket.unassigned_since().timestamp())
            })
            && self.email.as_deref().is_none_or(|e| {
                requester_field(ticket, |r| r.email.as_deref())
                    .is_some_and(|x| x.to_lowercase().contains(&e.to_lowercase()))
            })
            && self.phone.as_deref().is_none_or(|p| {
                let p = digits(p);
                requester_field(ticket, |r| r.phone.as_deref())
                    .is_some_and(|x| digits(x).contains(&p))
            })
            && self.reference.as_deref().is_none_or(|r| {
                ticket
                    .reference
                    .as_deref()
                    .is_some_and(|x| x.to_lowercase().starts_with(&r.to_lowercase()))
            })
            && (self.text.is_empty() || {
                let hay = haystack(ticket);
                self.text.iter().all(|term| contains_term(&hay, term))
            })
    }

    /// Whether completed tickets are listed: asked for, named by status or category, or in a
    /// scope that lists them ([`Scope::lists_completed`]: the Archived and Spam/Deleted views).
    pub fn shows_completed(&self, workspace: &Workspace) -> bool {
        self.show_completed
            || self.scope.lists_completed()
            || self.categories.iter().any(|c| c.is_completed())
            || self
                .statuses
                .iter()
                .any(|s| workspace.category(s).is_completed())
    }
}

impl DurationRange {
    /// Whether `secs` is in range.
    pub fn contains(self, secs: i64) -> bool {
        self.min.is_none_or(|m| secs >= m) && self.max.is_none_or(|m| secs <= m)
    }
}

impl DateRange {
    /// Whether the range asks anything.
    pub fn is_open(self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// The range as Unix seconds `[start, end)` in `zone`.
    pub fn bounds(self, zone: &Zone) -> (i64, i64) {
        let start = self.from.map_or(i64::MIN, |d| zone.to_utc(day_seconds(d)));
        let end = self.to.map_or(i64::MAX, |d| {
            zone.to_utc(day_seconds(d).saturating_add(86_400))
        });
        (start, end)
    }
}

fn day_seconds(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

fn day_in(zone: &Zone, t: i64, range: DateRange) -> bool {
    if range.is_open() {
        return true;
    }
    let (start, end) = range.bounds(zone);
    start <= t && t < end
}

fn requester_field<'a>(
    ticket: &'a Ticket,
    f: impl Fn(&'a crate::ticket::Requester) -> Option<&'a str>,
) -> Option<&'a str> {
    ticket.requester.as_ref().and_then(f)
}

/// The digits of a phone number.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Calls `f` with each word of `text` in lower case: maximal runs of letters and digits, as free
/// text is searched. Words already in lower case are passed without a copy (the word index reads
/// every description this way).
pub fn each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut lower = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if word.is_ascii() && !word.bytes().any(|b| b.is_ascii_uppercase()) {
            f(word);
        } else {
            lower.clear();
            lower.push_str(&word.to_lowercase());
            f(&lower);
        }
    }
}

/// A free-text term in the form it is matched: its words, lower case, separated by single spaces.
pub fn normalize(term: &str) -> String {
    let mut normal = String::new();
    each_word(term, |w| {
        if !normal.is_empty() {
            normal.push(' ');
        }
        normal.push_str(w);
    });
    normal
}

/// The fields free text searches, in order: title, description, reference, and the requester's
/// name, email, phone and organization.
pub fn text_fields(ticket: &Ticket) -> impl Iterator<Item = &str> {
    let requester = ticket.requester.as_ref();
    [
        Some(ticket.title.as_str()),
        Some(ticket.description.as_str()),
        ticket.reference.as_deref(),
        requester.map(|r| r.name.as_str()),
        requester.and_then(|r| r.email.as_deref()),
        requester.and_then(|r| r.phone.as_deref()),
        requester.and_then(|r| r.organization.as_deref()),
    ]
    .into_iter()
    .flatten()
}

/// Everything free text searches, normalized, each word preceded by a space.
pub fn haystack(ticket: &Ticket) -> String {
    let mut hay = String::new();
    for field in text_fields(ticket) {
        each_word(field, |w| {
            hay.push(' ');
            hay.push_str(w);
        });
    }
    hay
}

/// Whether a normalized haystack holds `term` at the start of a word. A term without words (only
/// punctuation) asks nothing.
pub fn contains_term(haystack: &str, term: &str) -> bool {
    let term = normalize(term);
    term.is_empty() || haystack.contains(&format!(" {term}"))
}
