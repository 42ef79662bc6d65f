//! Writing a public reply or an internal note.

use crate::contexts::use_store;
use deskline_shared::{MAX_NOTE_CHARS, Mutation, Visibility};
use leptos::html::Textarea;
use leptos::prelude::*;
use uuid::Uuid;

/// A textarea with a Public reply / Internal note toggle; Send or Ctrl+Enter queues a `Reply`.
#[component]
pub fn Composer(
    /// The ticket answered.
    id: Uuid,
) -> impl IntoView {
    let store = use_store();
    let body = RwSignal::new(String::new());
    let visibility = RwSignal::new(Visibility::Public);
    let internal = move || visibility.get() == Visibility::Internal;
    let textarea = NodeRef::<Textarea>::new();
    // Asked for a note on this ticket (a notice's "Open it to add a note"): the note tab, focused.
    Effect::new(move |_| {
        if store.note_request.get() == Some(id)
            && let Some(el) = textarea.get()
        {
            visibility.set(Visibility::Internal);
            let _ = el.focus();
            store.note_request.set(None);
        }
    });
    let length = move || body.with(|b| b.trim().chars().count());
    let send = move || {
        let mutation = Mutation::Reply {
            ticket_id: id,
            message_id: Uuid::now_v7(),
            visibility: visibility.get_untracked(),
            body: body.get_untracked(),
        };
        if store.submit(mutation) {
            body.set(String::new());
        }
    };
    view! {
        <section class="composer" class:internal=internal aria-label="Reply">
            <div class="composer-tabs" role="tablist">
                <button
                    class="tab"
                    role="tab"
                    class:active=move || !internal()
                    aria-selected=move || (!internal()).to_string()
                    data-testid="composer-public"
                    on:click=move |_| visibility.set(Visibility::Public)
                >
                    "Public reply"
                </button>
                <button
                    class="tab"
                    role="tab"
                    class:active=internal
                    aria-selected=move || internal().to_string()
                    data-testid="composer-internal"
                    on:click=move |_| visibility.set(Visibility::Internal)
                >
                    "Internal note"
                </button>
            </div>
            <textarea
                node_ref=textarea
                data-testid="composer-body"
                rows="3"
                placeholder=move || {
                    if internal() {
                        "Write a note for your team. Customers never see it."
                    } else {
                        "Write a reply to the requester…"
                    }
                }
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <div class="composer-foot">
                <span class="hint">"Ctrl+Enter to send"</span>
                <Show when=internal>
                    <span class="counter" class:over=move || { length() > MAX_NOTE_CHARS }>
                        {move || format!("{}/{MAX_NOTE_CHARS}", length())}
                    </span>
                </Show>
                <button class="btn primary small" data-testid="composer-send" on:click=move |_| send()>
                    {move || if internal() { "Add note" } else { "Send" }}
                </button>
            </div>
        </section>
    }
}
