//! What survives a reload, kept in localStorage: the client id, the next mutation id and the
//! mutations not yet sent.
//!
//! localStorage is a stopgap until the IndexedDB outbox lands; when it is unavailable (private
//! windows with storage disabled) everything still works for the life of the tab.

use deskline_shared::api::PushMutation;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const CLIENT_ID: &str = "deskline.client_id";
const CLIENT_USER: &str = "deskline.client_user";
const NEXT_MUTATION_ID: &str = "deskline.next_mutation_id";
const OUTBOX: &str = "deskline.outbox";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub(super) fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub(super) fn set(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // A full or disabled storage only costs durability across reloads.
        let _ = storage.set_item(key, value);
    }
}

/// This browser's client id for `user`, created on first use.
///
/// The server ties a client id to the account that first pushed with it, so another user
/// signing in on the same browser starts a numbering of their own.
pub fn client_id(user: Uuid) -> Uuid {
    let same_user = get(CLIENT_USER).is_some_and(|u| u == user.to_string());
    if same_user && let Some(id) = get(CLIENT_ID).and_then(|s| Uuid::parse_str(&s).ok()) {
        return id;
    }
    set(CLIENT_USER, &user.to_string());
    set_next_mutation_id(1);
    new_client_id()
}

/// Starts a new mutation numbering under a fresh client id.
pub fn new_client_id() -> Uuid {
    let id = Uuid::now_v7();
    set(CLIENT_ID, &id.to_string());
    id
}

/// The next mutation id as stored, or 1.
pub fn next_mutation_id() -> u64 {
    get(NEXT_MUTATION_ID)
        .and_then(|s| s.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
}

/// Remembers the next mutation id.
pub fn set_next_mutation_id(next: u64) {
    set(NEXT_MUTATION_ID, &next.to_string());
}

/// The unsent mutations of one user under one client id.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    user: Uuid,
    client_id: Uuid,
    mutations: Vec<SavedMutation>,
}

/// A pending mutation as kept here. Nesting the mutation instead of flattening it as the push wire
/// format does keeps serde's buffering decoder (about 12 KB of wasm) out of the download.
#[derive(Debug, Serialize, Deserialize)]
struct SavedMutation {
    id: u64,
    created_at: chrono::DateTime<chrono::Utc>,
    mutation: deskline_shared::Mutation,
}

/// Unsent mutations left by an earlier visit of the same user with the same client id.
pub fn load(user: Uuid, client_id: Uuid) -> Vec<PushMutation> {
    get(OUTBOX)
        .and_then(|s| serde_json::from_str::<Saved>(&s).ok())
        .filter(|saved| saved.user == user && saved.client_id == client_id)
        .map(|saved| {
            saved
                .mutations
                .into_iter()
                .map(|m| PushMutation {
                    id: m.id,
                    created_at: m.created_at,
                    mutation: m.mutation,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces the saved unsent mutations.
pub fn save(user: Uuid, client_id: Uuid, mutations: Vec<PushMutation>) {
    let saved = Saved {
        user,
        client_id,
        mutations: mutations
            .into_iter()
            .map(|m| SavedMutation {
                id: m.id,
                created_at: m.created_at,
                mutation: m.mutation,
            })
            .collect(),
    };
    if let Ok(json) = serde_json::to_string(&saved) {
        set(OUTBOX, &json);
    }
}
