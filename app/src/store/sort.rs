//! The order of the ticket list, remembered in localStorage so a reload keeps it.

use super::local;
pub use deskline_shared::queue::Sort;

const SORT: &str = "deskline.sort";

/// The order chosen last time; most recently updated at first.
pub(super) fn load() -> Sort {
    local::get(SORT)
        .and_then(|name| Sort::from_name(&name))
        .unwrap_or(Sort::Updated)
}

/// Remembers the order for the next visit.
pub(super) fn save(sort: Sort) {
    local::set(SORT, sort.name());
}
