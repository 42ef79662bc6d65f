//! Deskline's server: the JSON API, the sync endpoints and the built SPA on one port.

pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod seed;
pub mod store;

use deskline_shared::Workspace;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use store::Store;

pub use http::app;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The workspace configuration, read on every mutation; replaced whole when it changes.
    workspace: Arc<RwLock<Arc<Workspace>>>,
    /// Folder of the built SPA (trunk's `dist`).
    pub dist: PathBuf,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Password checks under way at once: Argon2 takes ~19 MiB and a CPU each, so a flood of
    /// sign-ins waits here instead of exhausting memory and blocking threads.
    pub login_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// State over an opened store whose workspace exists.
    pub async fn new(store: Store, dist: PathBuf) -> anyhow::Result<AppState> {
        let workspace = store.load_workspace().await?.ok_or_else(|| {
            anyhow::anyhow!("the database has no workspace yet; start the server once to create it")
        })?;
        Ok(AppState {
            store,
            workspace: Arc::new(RwLock::new(Arc::new(workspace))),
            dist,
            secure_cookies: false,
            login_slots: Arc::new(tokio::sync::Semaphore::new(4)),
        })
    }

    /// The current workspace configuration.
    pub fn workspace(&self) -> Arc<Workspace> {
        // A poisoned lock still holds a whole Arc: a panic elsewhere cannot leave it half-written.
        self.workspace
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
