//! The search box: free text and the query language in one field. The list follows every
//! keystroke; a query that cannot be read keeps the last good result and says what is wrong. A
//! reference that is not in the list is looked up on the server.

use crate::api::{self, ApiError};
use crate::components::saved_views::SaveViewControls;
use crate::contexts::use_store;
use deskline_shared::api::ReferenceLookup;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the server said about a reference.
#[derive(Debug, Clone, PartialEq)]
enum Found {
    /// It exists.
    Ticket(ReferenceLookup),
    /// It does not (or the user may not know of it).
    Missing(String),
    /// The question could not be asked (offline).
    Unknown(String),
}

/// The search box, the query's error, the save-view controls and the reference lookup.
#[component]
pub fn SearchBox() -> impl IntoView {
    let store = use_store();
    let error = store.query_error;
    // A whole reference typed on its own, in the workspace's format.
    let reference = Memo::new(move |_| {
        let text = store.query_text.with(|t| t.trim().to_uppercase());
        let scheme = store.with_workspace(|ws| ws.reference_scheme);
        scheme.matches(&text).then_some(text)
    });
    // Whether the list already shows it.
    let listed = Memo::new(move |_| {
        let Some(reference) = reference.get() else {
            return true;
        };
        store.with_listed(|listing, p| {
            listing
                .ids(&p.index)
                .any(|id| p.get(&id).and_then(|t| t.reference.as_deref()) == Some(&reference))
        })
    });
    let found = RwSignal::new(None::<Found>);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        found.set(None);
        let Some(reference) = reference.get() else {
            return;
        };
        if listed.get() {
            return;
        }
        let mut n = 0;
        asked.update_value(|a| {
            *a += 1;
            n = *a;
        });
        spawn_local(async move {
            let answer = api::lookup(&reference).await;
            // Only the answer to the latest question counts.
            if asked.try_get_value() != Some(n) {
                return;
            }
            let _ = found.try_set(Some(match answer {
                Ok(ticket) => Found::Ticket(ticket),
                Err(ApiError::Server {
                    status: 404,
                    message,
                    ..
                }) => Found::Missing(message),
                Err(error) => Found::Unknown(error.to_string()),
            }));
        });
    });
    let card = move || {
        found.get().map(|f| match f {
            Found::Ticket(t) => {
                let team = t.team_name.clone().unwrap_or_else(|| "no team".to_owned());
                let line = format!("{} · {} · {team}", t.reference, t.status_label);
                let action = if let Some(id) = t.id.filter(|_| t.visible) {
                    view! {
                        <button class="btn small" on:click=move |_| store.open(Some(id))>
                            "Open it"
                        </button>
                    }
                    .into_any()
                } else {
                    view! {
                        <span class="muted">
                            "Not in your teams — ask the team to share it."
                        </span>
                    }
                    .into_any()
                };
                view! {
                    <div class="lookup" data-testid="lookup-result" data-found="true">
                        <span>"Not in this list: "<strong>{line}</strong></span>
                        {action}
                    </div>
                }
                .into_any()
            }
            Found::Missing(message) => view! {
                <div class="lookup" data-testid="lookup-result" data-found="false">
                    {message}
                </div>
            }
            .into_any(),
            Found::Unknown(message) => view! {
                <div class="lookup" data-testid="lookup-result" data-found="unknown">
                    "The server could not be asked about this reference: "
                    {message}
                </div>
            }
            .into_any(),
        })
    };
    view! {
        <div class="search" class:invalid=move || error.with(Option::is_some)>
            <div class="search-row">
                <input
                    id="search-box"
                    class="search-input"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    data-testid="search-box"
                    aria-label="Search or filter"
                    aria-describedby="search-error"
                    placeholder="Search, or filter: status:open priority:urgent tag:billing \"refund\"  (press /)"
                    prop:value=move || store.query_text.get()
                    on:input=move |ev| store.set_query_text(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            store.set_query_text(String::new());
                        }
                    }
                />
                <SaveViewControls />
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p id="search-error" class="search-error" role="alert" data-testid="query-error">
                    {move || error.get().map(|e| e.to_string()).unwrap_or_default()}
                    <span class="muted">" · showing the last query that worked"</span>
                </p>
            </Show>
            {card}
        </div>
    }
}
