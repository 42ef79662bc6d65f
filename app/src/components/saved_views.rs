//! Saved views: the sidebar group that lists them, and the controls that save the search box's
//! query and the list order under a name (stored on the server, per agent).

use crate::api;
use crate::contexts::use_store;
use crate::store::{Store, View};
use deskline_shared::api::{SaveView, SavedView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The sidebar group: one entry per saved view, with a button that deletes it.
#[component]
pub fn SavedViews() -> impl IntoView {
    let store = use_store();
    let delete = move |view: SavedView| {
        spawn_local(async move {
            match api::delete_view(view.id).await {
                Ok(()) => {
                    store
                        .saved_views
                        .update(|views| views.retain(|v| v.id != view.id));
                    if store.view.get_untracked() == View::Saved(view.id) {
                        store.set_view(View::All);
                    }
                }
                Err(error) => store.notify(format!("“{}” was not deleted: {error}", view.name)),
            }
        });
    };
    view! {
        <Show when=move || store.saved_views.with(|v| !v.is_empty())>
            <div class="nav-group" data-testid="saved-views">
                <div class="nav-title">"Saved views"</div>
                <For each=move || store.saved_views.get() key=|v| (v.id, v.name.clone()) let:saved>
                    {
                        let id = saved.id;
                        let active = move || store.view.get() == View::Saved(id);
                        let open = saved.clone();
                        let gone = saved.clone();
                        view! {
                            <div class="saved-entry">
                                <button
                                    class="queue-entry"
                                    class:active=active
                                    data-testid="saved-view"
                                    data-name=saved.name.clone()
                                    title=saved.query.clone()
                                    on:click=move |_| store.open_saved_view(&open)
                                >
                                    <span class="queue-label">{saved.name.clone()}</span>
                                </button>
                                <button
                                    class="saved-delete"
                                    aria-label=format!("Delete the view “{}”", saved.name)
                                    title="Delete this view"
                                    on:click=move |_| delete(gone.clone())
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    }
                </For>
            </div>
        </Show>
    }
}

/// The saved view in use, if the query or order differ from what it saved.
fn changed_saved_view(store: Store) -> Option<SavedView> {
    let View::Saved(id) = store.view.get() else {
        return None;
    };
    let saved = store
        .saved_views
        .with(|views| views.iter().find(|v| v.id == id).cloned())?;
    let changed =
        store.query_text.with(|q| q.trim() != saved.query.trim()) || store.sort.get() != saved.sort;
    changed.then_some(saved)
}

/// "Save view" (asks for a name) and, in a saved view whose query or order changed, "Update".
#[component]
pub fn SaveViewControls() -> impl IntoView {
    let store = use_store();
    let naming = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let current = move || SaveView {
        name: name.get_untracked().trim().to_owned(),
        query: store.query_text.get_untracked(),
        sort: store.sort.get_untracked(),
    };
    let save = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let body = current();
        spawn_local(async move {
            let answer = api::create_view(&body).await;
            busy.set(false);
            match answer {
                Ok(saved) => {
                    store.saved_views.update(|views| views.push(saved.clone()));
                    naming.set(false);
                    name.set(String::new());
                    error.set(None);
                    store.set_view(View::Saved(saved.id));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let update = move |saved: SavedView| {
        let body = SaveView {
            name: saved.name.clone(),
            query: store.query_text.get_untracked(),
            sort: store.sort.get_untracked(),
        };
        spawn_local(async move {
            match api::update_view(saved.id, &body).await {
                Ok(new) => store.saved_views.update(|views| {
                    if let Some(v) = views.iter_mut().find(|v| v.id == new.id) {
                        *v = new;
                    }
                }),
                Err(e) => store.notify(format!("“{}” was not updated: {e}", saved.name)),
            }
        });
    };
    view! {
        <div class="save-view">
            {move || {
                changed_saved_view(store)
                    .map(|saved| {
                        view! {
                            <button
                                class="btn small"
                                data-testid="view-update"
                                on:click=move |_| update(saved.clone())
                            >
                                "Update view"
                            </button>
                        }
                    })
            }}
            <Show
                when=move || naming.get()
                fallback=move || {
                    view! {
                        <button
                            class="btn small ghost"
                            data-testid="view-save"
                            on:click=move |_| naming.set(true)
                        >
                            "Save view"
                        </button>
                    }
                }
            >
                <form
                    class="save-view-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        save();
                    }
                >
                    <input
                        class="save-view-name"
                        data-testid="view-name"
                        aria-label="Name of the view"
                        placeholder="Name this view"
                        maxlength="60"
                        autofocus
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Escape" {
                                naming.set(false);
                                error.set(None);
                            }
                        }
                    />
                    <button
                        class="btn small primary"
                        type="submit"
                        data-testid="view-save-confirm"
                        disabled=move || busy.get()
                    >
                        "Save"
                    </button>
                    <button
                        class="btn small ghost"
                        type="button"
                        on:click=move |_| {
                            naming.set(false);
                            error.set(None);
                        }
                    >
                        "Cancel"
                    </button>
                </form>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="search-error" role="alert" data-testid="view-error">
                    {move || error.get().unwrap_or_default()}
                </p>
            </Show>
        </div>
    }
}
