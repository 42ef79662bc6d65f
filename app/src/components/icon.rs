//! Small inline icons. Drawn, not typed, so they never show up in an element's text.

use leptos::prelude::*;

/// A cross, for dismiss and remove buttons.
#[component]
pub fn CloseIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" class="icon">
            <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
        </svg>
    }
}

/// A left arrow, for the back button.
#[component]
pub fn BackIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="icon">
            <path
                d="M10 3L5 8l5 5"
                stroke="currentColor"
                stroke-width="1.8"
                fill="none"
                stroke-linecap="round"
                stroke-linejoin="round"
            />
        </svg>
    }
}

/// A bell, for the inbox.
#[component]
pub fn BellIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" class="icon">
            <path
                d="M4 11.5V7.2a4 4 0 0 1 8 0v4.3l1.2 1.2H2.8zM6.6 14a1.5 1.5 0 0 0 2.8 0"
                stroke="currentColor"
                stroke-width="1.4"
                fill="none"
                stroke-linejoin="round"
            />
        </svg>
    }
}

/// A cog, for settings.
#[component]
pub fn GearIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" class="icon">
            <circle cx="8" cy="8" r="2.2" stroke="currentColor" stroke-width="1.4" fill="none" />
            <path
                d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"
                stroke="currentColor"
                stroke-width="1.4"
                stroke-linecap="round"
            />
        </svg>
    }
}

/// A chevron pointing up, or down, for moving things in a list.
#[component]
pub fn ChevronIcon(
    /// Point up rather than down.
    up: bool,
) -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" class="icon">
            <path
                d=if up { "M4 10l4-4 4 4" } else { "M4 6l4 4 4-4" }
                stroke="currentColor"
                stroke-width="1.8"
                fill="none"
                stroke-linecap="round"
                stroke-linejoin="round"
            />
        </svg>
    }
}
