//! The activity log: every change to a ticket is an event, and the log is append-only.

use crate::status::{StatusCategory, StatusId};
use crate::ticket::{Channel, Priority, Requester, Trash};
use crate::workspace::FieldValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who may read a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// A reply the requester sees.
    Public,
    /// An internal note: never sent or shown to a customer.
    Internal,
}

/// One fact about a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The ticket it happened to.
    pub ticket: Uuid,
    /// Who did it; `None` for the system.
    pub actor: Option<Uuid>,
    /// When it happened.
    #[serde(with = "crate::instant")]
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

/// What a ticket looked like when it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Ticket type.
    pub ticket_type: String,
    /// Channel.
    pub channel: Channel,
    /// Priority.
    pub priority: Priority,
    /// Initial status.
    pub status: StatusId,
    /// Initial team.
    pub team: Option<Uuid>,
    /// Requester.
    pub requester: Option<Requester>,
}

/// A public reply or internal note on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Message id, chosen by the client that wrote it.
    pub id: Uuid,
    /// Public reply or internal note.
    pub visibility: Visibility,
    /// Written by staff (an agent) rather than the requester.
    pub from_staff: bool,
    /// Author's display name at the time.
    pub author_name: String,
    /// Plain text body; rendered as text, never as HTML.
    pub body: String,
}

/// The kinds of change a ticket goes through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The ticket was opened.
    Created(Created),
    /// The server assigned the human reference.
    ReferenceAssigned {
        /// The reference.
        reference: String,
    },
    /// The status moved.
    StatusChanged {
        /// Previous status.
        from: StatusId,
        /// New status.
        to: StatusId,
        /// The new status is in the Solved category.
        solved: bool,
        /// The new status's category when it changed (SLA clocks pause by category).
        category: StatusCategory,
    },
    /// The priority changed.
    PriorityChanged {
        /// Previous priority.
        from: Priority,
        /// New priority.
        to: Priority,
    },
    /// The ticket changed hands.
    AssigneeChanged {
        /// Previous assignee.
        from: Option<Uuid>,
        /// New assignee.
        to: Option<Uuid>,
    },
    /// The ticket moved to another team.
    TeamChanged {
        /// Previous team.
        from: Option<Uuid>,
        /// New team.
        to: Option<Uuid>,
    },
    /// A tag was added.
    TagAdded {
        /// The tag id.
        tag: Uuid,
    },
    /// A tag was removed.
    TagRemoved {
        /// The tag id.
        tag: Uuid,
    },
    /// The title was edited.
    TitleChanged {
        /// Previous title.
        from: String,
        /// New title.
        to: String,
    },
    /// The description was edited.
    DescriptionChanged {
        /// New description.
        to: String,
    },
    /// A custom field was set or cleared.
    FieldSet {
        /// The field key.
        field: String,
        /// The new value; `None` clears it.
        value: Option<FieldValue>,
    },
    /// The ticket was put in the archive, or taken out of it.
    ArchiveChanged {
        /// Whether it is archived now.
        archived: bool,
    },
    /// The ticket was snoozed until a time, or woken.
    SnoozeChanged {
        /// The new wake-up time; `None`: awake now.
        until: Option<DateTime<Utc>>,
    },
    /// The ticket was marked as spam or deleted, or restored.
    TrashChanged {
        /// Previous state.
        from: Option<Trash>,
        /// New state; `None`: restored.
        to: Option<Trash>,
    },
    /// A public reply or internal note was added.
    MessageAdded(Message),
}

impl EventKind {
    /// The name of the one kind that carries a message ([`EventKind::message`]).
    pub const MESSAGE_ADDED: &'static str = "message_added";

    /// The kind's wire name, e.g. `status_changed`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created(_) => "created",
            EventKind::ReferenceAssigned { .. } => "reference_assigned",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::AssigneeChanged { .. } => "assignee_changed",
            EventKind::TeamChanged { .. } => "team_changed",
            EventKind::TagAdded { .. } => "tag_added",
            EventKind::TagRemoved { .. } => "tag_removed",
            EventKind::TitleChanged { .. } => "title_changed",
            EventKind::DescriptionChanged { .. } => "description_changed",
            EventKind::FieldSet { .. } => "field_set",
            EventKind::ArchiveChanged { .. } => "archive_changed",
            EventKind::SnoozeChanged { .. } => "snooze_changed",
            EventKind::TrashChanged { .. } => "trash_changed",
            EventKind::MessageAdded(_) => EventKind::MESSAGE_ADDED,
        }
    }

    /// The message this event carries, if any.
    pub fn message(&self) -> Option<&Message> {
        match self {
            EventKind::MessageAdded(m) => Some(m),
            _ => None,
        }
    }

    /// Whether a customer may see this event (internal notes never reach customers, nor does how
    /// the team files a ticket: archive, snooze, spam and deletion).
    pub fn visible_to_customer(&self) -> bool {
        match self {
            EventKind::MessageAdded(m) => m.visibility == Visibility::Public,
            EventKind::Created(_)
            | EventKind::ReferenceAssigned { .. }
            | EventKind::StatusChanged { .. } => true,
            _ => false,
        }
    }
}
