//! Dismissible notices: rejections and errors, in the user's words.

use crate::components::icon::CloseIcon;
use crate::contexts::use_store;
use leptos::prelude::*;

/// The stack of notices, newest last.
#[component]
pub fn Notices() -> impl IntoView {
    let store = use_store();
    view! {
        <div class="notices" aria-live="polite">
            <For each=move || store.notices.get() key=|n| n.id let:notice>
                <div class="notice" role="alert" data-testid="notice">
                    <span class="notice-text">{notice.text}</span>
                    {notice
                        .choices
                        .into_iter()
                        .map(|choice| {
                            let action = choice.action;
                            view! {
                                <button
                                    class="btn notice-choice"
                                    data-testid="notice-choice"
                                    on:click=move |_| store.choose(notice.id, &action)
                                >
                                    {choice.label}
                                </button>
                            }
                        })
                        .collect_view()}
                    <button
                        class="notice-close"
                        aria-label="Dismiss"
                        title="Dismiss"
                        data-testid="notice-dismiss"
                        on:click=move |_| store.dismiss(notice.id)
                    >
                        <CloseIcon />
                    </button>
                </div>
            </For>
        </div>
    }
}
