//! Deskline's domain crate: pure data and pure functions shared by the browser app and the server.
//!
//! Nothing here performs IO. The same `apply` decides a mutation optimistically in the browser and
//! authoritatively on the server, so the two can never disagree about a workflow rule.

pub mod api;
pub mod event;
pub mod export;
pub mod filter;
pub mod fixtures;
pub mod hash;
pub mod index;
mod instant;
pub mod mutation;
pub mod preset;
pub mod query;
pub mod queue;
pub mod reference;
pub mod sla;
pub mod status;
pub mod sync;
pub mod ticket;
pub mod workspace;

pub use event::{Event, EventKind, Visibility};
pub use mutation::{Actor, Context, Mutation, Rejection, apply};
pub use preset::Preset;
pub use reference::ReferenceScheme;
pub use status::{Status, StatusCategory, StatusId};
pub use ticket::{Channel, Priority, Requester, Ticket, Trash};
pub use workspace::{Agent, FieldDef, FieldKind, FieldValue, Role, Tag, Team, Workspace};

/// Most tags one ticket may carry.
pub const MAX_TAGS_PER_TICKET: usize = 10;
/// Most tags one workspace may define.
pub const MAX_TAGS_PER_WORKSPACE: usize = 350;
/// Longest internal note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Longest public reply, in characters.
pub const MAX_REPLY_CHARS: usize = 20_000;
/// Longest ticket title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest ticket description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
