//! Status categories the engine understands and the workspace-defined statuses mapped onto them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The six categories every workspace status belongs to; rules are decided by category, never by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Nobody has picked it up.
    New,
    /// Being handled.
    Open,
    /// Waiting on the customer.
    Pending,
    /// Waiting on a third party, or snoozed until a time.
    OnHold,
    /// Done; reopens when the customer writes.
    Solved,
    /// Terminal; a new message opens a follow-up ticket.
    Closed,
}

impl StatusCategory {
    /// Every category, in workflow order.
    pub const ALL: [StatusCategory; 6] = [
        StatusCategory::New,
        StatusCategory::Open,
        StatusCategory::Pending,
        StatusCategory::OnHold,
        StatusCategory::Solved,
        StatusCategory::Closed,
    ];

    /// Whether tickets in this category count as completed (hidden from queues by default).
    pub fn is_completed(self) -> bool {
        matches!(self, StatusCategory::Solved | StatusCategory::Closed)
    }

    /// The snake-case name used in the API and queries.
    pub fn name(self) -> &'static str {
        match self {
            StatusCategory::New => "new",
            StatusCategory::Open => "open",
            StatusCategory::Pending => "pending",
            StatusCategory::OnHold => "on_hold",
            StatusCategory::Solved => "solved",
            StatusCategory::Closed => "closed",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            StatusCategory::New => "New",
            StatusCategory::Open => "Open",
            StatusCategory::Pending => "Pending",
            StatusCategory::OnHold => "On hold",
            StatusCategory::Solved => "Solved",
            StatusCategory::Closed => "Closed",
        }
    }
}

/// Identifier of a workspace status: a lower-case slug such as `in_progress`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusId(pub String);

impl StatusId {
    /// Builds a status id from a slug.
    pub fn new(slug: impl Into<String>) -> Self {
        StatusId(slug.into())
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StatusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A status as the workspace defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Stable slug used in queries and mutations.
    pub id: StatusId,
    /// What agents read.
    pub label: String,
    /// CSS color, e.g. `#2f855a`.
    pub color: String,
    /// The category that decides rules.
    pub category: StatusCategory,
    /// Order within the workspace's status list.
    pub position: u32,
}
