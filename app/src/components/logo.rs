//! The Deskline mark.

use leptos::prelude::*;

/// A speech bubble resting on a desk line; same drawing as the favicon.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <rect x="2" y="2" width="28" height="28" rx="8" fill="#3b5bdb" />
            <path
                d="M9 10.5h14a1.5 1.5 0 0 1 1.5 1.5v6a1.5 1.5 0 0 1-1.5 1.5h-7l-4 3v-3H9A1.5 1.5 0 0 1 7.5 18v-6A1.5 1.5 0 0 1 9 10.5z"
                fill="#fff"
            />
            <path d="M11 14.5h10M11 17h6" stroke="#3b5bdb" stroke-width="1.4" stroke-linecap="round" />
        </svg>
    }
}
