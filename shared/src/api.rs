//! Request and response bodies of the HTTP API and the sync protocol, shared by server and app.

use crate::event::Event;
use crate::mutation::{Mutation, Rejection};
use crate::queue::Sort;
use crate::status::StatusId;
use crate::ticket::Ticket;
use crate::workspace::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /api/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `GET /api/me`: the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// User id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
}

/// `GET /api/demo`: the sign-ins of a demo workspace (404 for a real one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogins {
    /// The password every demo account shares.
    pub password: String,
    /// The demo staff accounts.
    pub accounts: Vec<Me>,
}

/// `GET /api/tickets`: one page of the tickets the user may see, newest change first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    /// The tickets of this page.
    pub tickets: Vec<Ticket>,
    /// Pass as `?after=` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// How many tickets the user may see in all.
    pub total: u64,
}

/// `GET /api/tickets/{id}`: a ticket and its timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: Ticket,
    /// Its events, oldest first.
    pub timeline: Vec<Event>,
}

/// One mutation in a push, numbered by the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushMutation {
    /// Per-client, strictly increasing, starting at 1, without gaps.
    pub id: u64,
    /// When the user made the change (for display; the server decides with its own clock).
    pub created_at: DateTime<Utc>,
    /// The mutation: `name` and `args`.
    #[serde(flatten)]
    pub mutation: Mutation,
}

/// `POST /api/sync/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The client (one per browser profile), chosen by the client.
    pub client_id: Uuid,
    /// Mutations in id order.
    pub mutations: Vec<PushMutation>,
}

/// What became of one pushed mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Committed with this change sequence number.
    Applied {
        /// The commit's `seq`.
        seq: u64,
    },
    /// Refused; the reason is recorded and will not change.
    Rejected {
        /// Why.
        rejection: Rejection,
        /// The sentence to show.
        message: String,
    },
    /// Already processed in an earlier push; nothing changed this time.
    Duplicate,
}

/// The result of one pushed mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    /// The client's mutation id.
    pub id: u64,
    /// What happened.
    pub outcome: Outcome,
}

/// Answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per pushed mutation, in order.
    pub results: Vec<MutationResult>,
    /// The highest mutation id of this client the server has processed.
    pub last_mutation_id: u64,
}

/// Answer to `GET /api/sync/pull?cookie=SEQ&client_id=...`.
///
/// The server sends tickets and events as the JSON it stored them as (`T` and `E` are raw JSON
/// there), without decoding and encoding each again; clients read them as [`Ticket`] and [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse<T = Ticket, E = Event> {
    /// Tickets changed since the cookie, in `seq` order, as the user may see them.
    pub tickets: Vec<T>,
    /// Ids of tickets the user may no longer see (moved to another team, ...).
    pub removed: Vec<Uuid>,
    /// The events carrying a message (replies and internal notes) of the tickets in `tickets`,
    /// committed after the cookie, in commit order. Absent from answers of older servers.
    #[serde(default = "Vec::new")]
    pub messages: Vec<E>,
    /// The highest mutation id of this client the server has processed.
    pub last_mutation_id: u64,
    /// Pass as `cookie` next time.
    pub cookie: u64,
    /// Pass as `check` with the cookie: the token of the change the cookie names (none for cookie
    /// 0 and for changes older than tokens). After the server is restored from an older backup,
    /// the same `seq` may name another change; the token tells them apart, and a cookie whose
    /// token does not match is answered with `sync_reset`.
    #[serde(default)]
    pub check: Option<u32>,
    /// More changes wait beyond this page.
    pub more: bool,
    /// The server's newest change when this page was read: with the cookies, how far a run of
    /// pages has come (the first load's progress bar).
    #[serde(default)]
    pub head: u64,
    /// The server's clock.
    pub server_time: DateTime<Utc>,
}

/// Every API error: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `bad_request`.
    pub code: String,
    /// A sentence for the user.
    pub message: String,
    /// The offending field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
}

/// One entry of a user's in-app inbox (SLA warnings and breaches, for now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// Entry id.
    pub id: i64,
    /// The ticket it is about.
    pub ticket_id: Option<Uuid>,
    /// The ticket's reference at the time.
    pub reference: Option<String>,
    /// `sla_warning` or `sla_breached`.
    pub kind: String,
    /// One line, e.g. "First response breached on TKT-0042".
    pub title: String,
    /// The detail.
    pub body: String,
    /// When it was recorded (server time).
    pub created_at: DateTime<Utc>,
    /// Whether the user has read it.
    pub read: bool,
}

/// `GET /api/inbox`: the newest entries and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Newest first, at most 100.
    pub entries: Vec<InboxEntry>,
    /// Unread entries in total.
    pub unread: u32,
}

/// `PUT /api/test/clock` (servers started with `--test-clock` only): move the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// The time the server should now read.
    pub now: DateTime<Utc>,
}

/// One of a user's saved views: a named query of the filter bar and a sort (`GET /api/views`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    /// View id.
    pub id: Uuid,
    /// The name in the sidebar, unique among the user's views regardless of case.
    pub name: String,
    /// The query, in the language of [`crate::query`].
    pub query: String,
    /// The order of the list, by [`Sort::name`] (`newest`, `sla_deadline`, ...).
    #[serde(with = "sort_name")]
    pub sort: Sort,
    /// Place among the user's views, from 0.
    pub position: u32,
}

/// `POST /api/views` and `PUT /api/views/{id}`: what a view holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveView {
    /// 1 to 60 characters once trimmed.
    pub name: String,
    /// A query that parses, at most 2,000 characters.
    pub query: String,
    /// The order of the list, by [`Sort::name`].
    #[serde(with = "sort_name")]
    pub sort: Sort,
}

/// `PUT /api/views/order`: every one of the user's view ids, once each, in the new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewOrder {
    /// View ids, first to last.
    pub ids: Vec<Uuid>,
}

/// `GET /api/tickets/lookup?reference=...`: the ticket a reference names. Staff learn of tickets in
/// teams they cannot see (`visible: false`), and nothing more about them than this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceLookup {
    /// Ticket id, to open it; only for a ticket the caller may see.
    pub id: Option<Uuid>,
    /// The reference as stored (`TKT-0001`, `20251007092633646`).
    pub reference: String,
    /// Current status.
    pub status: StatusId,
    /// The status's label.
    pub status_label: String,
    /// The ticket's team.
    pub team: Option<Uuid>,
    /// The team's name.
    pub team_name: Option<String>,
    /// Whether the caller may open the ticket.
    pub visible: bool,
}

/// [`Sort`] on the wire as its [`Sort::name`], the one name the app also stores, so the two
/// spellings cannot drift apart.
mod sort_name {
    use crate::queue::Sort;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sort: &Sort, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(sort.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Sort, D::Error> {
        let name = String::deserialize(deserializer)?;
        Sort::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = Sort::ALL.iter().map(|s| s.name()).collect();
            // The field in backticks, as serde names fields, so error reports can point at it.
            serde::de::Error::custom(format!(
                "`sort` must be one of {}; got \"{name}\"",
                names.join(", ")
            ))
        })
    }
}
