//! The order of the ticket list, remembered in localStorage so a reload keeps it.

use super::{Row, outbox};
use std::cmp::Ordering;

const SORT: &str = "deskline.sort";

/// How the ticket list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently created first.
    Newest,
    /// Oldest first.
    Oldest,
    /// Most recently changed first.
    Updated,
    /// Most urgent first, then most recently changed.
    Priority,
    /// Nearest SLA deadline first (`deskline_shared::sla::Indicator::sort_key`).
    SlaDeadline,
}

impl Sort {
    /// Every order, as the selector offers them.
    pub const ALL: [Sort; 5] = [
        Sort::Newest,
        Sort::Oldest,
        Sort::Updated,
        Sort::Priority,
        Sort::SlaDeadline,
    ];

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::Oldest => "Oldest",
            Sort::Updated => "Recently updated",
            Sort::Priority => "Priority",
            Sort::SlaDeadline => "Next SLA deadline",
        }
    }

    /// The name stored and used as the `<option>` value.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Updated => "updated",
            Sort::Priority => "priority",
            Sort::SlaDeadline => "sla_deadline",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Orders two rows, each with its SLA sort key (only read by [`Sort::SlaDeadline`]). Ties
    /// fall back to the most recent change, then the id, so the order never flickers.
    pub(super) fn compare(
        self,
        (ka, a): &((u8, i64), Row),
        (kb, b): &((u8, i64), Row),
    ) -> Ordering {
        let (a, b) = (&a.ticket, &b.ticket);
        let first = match self {
            Sort::Newest => b.created_at.cmp(&a.created_at),
            Sort::Oldest => a.created_at.cmp(&b.created_at),
            Sort::Updated => Ordering::Equal,
            Sort::Priority => a.priority.cmp(&b.priority),
            Sort::SlaDeadline => ka.cmp(kb),
        };
        first
            .then(b.updated_at.cmp(&a.updated_at))
            .then(b.id.cmp(&a.id))
    }
}

/// The order chosen last time; most recently updated at first.
pub(super) fn load() -> Sort {
    outbox::get(SORT)
        .and_then(|name| Sort::from_name(&name))
        .unwrap_or(Sort::Updated)
}

/// Remembers the order for the next visit.
pub(super) fn save(sort: Sort) {
    outbox::set(SORT, sort.name());
}
