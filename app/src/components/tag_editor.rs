//! The ticket's tags as chips, with a select to add one.

use crate::components::icon::CloseIcon;
use crate::contexts::use_store;
use deskline_shared::{Mutation, Tag, Ticket};
use leptos::prelude::*;
use uuid::Uuid;
use web_sys::HtmlSelectElement;

/// Tag chips (× removes) and an "Add tag" select listing the workspace tags not on the ticket.
#[component]
pub fn TagEditor(
    /// The ticket id.
    id: Uuid,
    /// The ticket as projected.
    ticket: Memo<Option<Ticket>>,
) -> impl IntoView {
    let store = use_store();
    let all: StoredValue<Vec<Tag>> = StoredValue::new(store.with_workspace(|ws| {
        let mut tags = ws.tags.clone();
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        tags
    }));
    let on_ticket =
        Memo::new(move |_| ticket.with(|t| t.as_ref().map(|t| t.tags.clone()).unwrap_or_default()));
    let chips = move || {
        on_ticket.with(|ids| {
            ids.iter()
                .filter_map(|tag| all.with_value(|all| all.iter().find(|t| t.id == *tag).cloned()))
                .collect::<Vec<_>>()
        })
    };
    let options = move || {
        all.with_value(|all| {
            on_ticket.with(|ids| {
                all.iter()
                    .filter(|t| !ids.contains(&t.id))
                    .map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> })
                    .collect_view()
            })
        })
    };
    view! {
        <section class="tags" aria-label="Tags">
            <For each=chips key=|tag| tag.id let:tag>
                <span class="chip" style=format!("--c:{}", tag.color) data-testid="tag-chip" data-tag=tag.id.to_string()>
                    <span class="chip-name">{tag.name.clone()}</span>
                    <button
                        class="chip-remove"
                        data-testid="tag-remove"
                        aria-label=format!("Remove tag {}", tag.name)
                        title="Remove tag"
                        on:click=move |_| {
                            store.submit(Mutation::RemoveTag { ticket_id: id, tag: tag.id });
                        }
                    >
                        <CloseIcon />
                    </button>
                </span>
            </For>
            <select
                class="tag-add"
                data-testid="tag-add"
                aria-label="Add a tag"
                on:change=move |ev| {
                    let select = event_target::<HtmlSelectElement>(&ev);
                    if let Ok(tag) = Uuid::parse_str(&select.value()) {
                        store.submit(Mutation::AddTag { ticket_id: id, tag });
                    }
                    // Back to the placeholder, whatever happened: the chips show the result.
                    select.set_value("");
                }
            >
                <option value="" selected>
                    "+ Add tag"
                </option>
                {options}
            </select>
        </section>
    }
}
