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
