//! The in-app inbox (SLA warnings and breaches): read after every pull, marked read optimistically.

use super::{Store, is_alive};
use crate::api::{self, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;

impl Store {
    /// Reads the inbox again. Only the answer to the latest read is shown, and only if nothing
    /// was marked read meanwhile, so a slow answer never brings back an entry the user just read.
    pub fn refresh_inbox(&self) {
        let seq = self.bump_inbox_seq();
        let store = *self;
        let alive = self.alive();
        spawn_local(async move {
            let answer = api::inbox().await;
            if !is_alive(&alive) || store.inbox_seq.get_value() != seq {
                return;
            }
            match answer {
                // A quiet inbox changes nothing: leave the signal alone so nothing redraws.
                Ok(inbox) => {
                    if store.inbox.with_untracked(|have| *have != inbox) {
                        store.inbox.set(inbox);
                    }
                }
                Err(ApiError::Unauthorized(_)) => store.signed_out(),
                // The sync loop reports trouble with the server; the inbox just waits for the next pull.
                Err(_) => {}
            }
        });
    }

    /// Marks one entry read, on screen at once and then on the server.
    pub fn read_inbox_entry(&self, id: i64) {
        let mut changed = false;
        self.inbox.update(|inbox| {
            if let Some(entry) = inbox.entries.iter_mut().find(|e| e.id == id && !e.read) {
                entry.read = true;
                inbox.unread = inbox.unread.saturating_sub(1);
                changed = true;
            }
        });
        if changed {
            self.send_inbox_read(Some(id));
        }
    }

    /// Marks every entry read.
    pub fn read_all_inbox(&self) {
        self.inbox.update(|inbox| {
            for entry in &mut inbox.entries {
                entry.read = true;
            }
            inbox.unread = 0;
        });
        self.send_inbox_read(None);
    }

    fn bump_inbox_seq(&self) -> u64 {
        let mut seq = 0;
        self.inbox_seq.update_value(|n| {
            *n += 1;
            seq = *n;
        });
        seq
    }

    fn send_inbox_read(&self, id: Option<i64>) {
        // Answers to reads started before this change are out of date.
        self.bump_inbox_seq();
        let store = *self;
        let alive = self.alive();
        spawn_local(async move {
            let answer = match id {
                Some(id) => api::inbox_read(id).await,
                None => api::inbox_read_all().await,
            };
            if !is_alive(&alive) {
                return;
            }
            if let Err(error) = answer {
                store.notify(format!("The inbox could not be updated: {error}"));
            }
            // Either way, show what the server has now.
            store.refresh_inbox();
        });
    }
}
