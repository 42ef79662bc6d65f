//! Deskline's server: the JSON API, the sync endpoints and the built SPA on one port.

pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod seed;
pub mod sla;
pub mod store;

use clock::Clock;
use deskline_shared::Workspace;
use deskline_shared::sla::SlaEngine;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use store::Store;

pub use http::app;

/// How many connections may wait to be accepted. tokio's `TcpListener::bind` asks for 128, as the
/// standard library does: when every agent's browser reconnects at once (after a restart, or the
/// bench's 200 clients), the 129th connection's SYN is dropped and retried a second later.
/// Linux caps this at `net.core.somaxconn` (4096 by default).
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listening socket on `addr` with [`LISTEN_BACKLOG`].
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As tokio's `bind`: a restarted server may take its port while old connections linger.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The workspace configuration, read on every mutation; replaced whole when it changes.
    workspace: Arc<RwLock<Arc<Workspace>>>,
    /// Folder of the built SPA (`dist`, as `cargo xtask build` writes it).
    pub dist: PathBuf,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The largest push body, in bytes.
    pub max_push_bytes: usize,
    /// Password checks under way at once: Argon2 takes ~19 MiB and a CPU each, so a flood of
    /// sign-ins waits here instead of exhausting memory and blocking threads.
    pub login_slots: Arc<tokio::sync::Semaphore>,
    /// The time, movable in test mode.
    pub clock: Clock,
    /// Wakes the SLA scheduler (after a commit, a new configuration or a moved test clock).
    pub sla_wake: Arc<tokio::sync::Notify>,
    /// One scheduler pass at a time.
    pub(crate) sla_pass: Arc<tokio::sync::Mutex<()>>,
    sla_engine: Arc<Mutex<sla::EngineCache>>,
    /// The newest committed `seq`, for the pokes: a watch keeps only the latest value, so a slow
    /// socket skips to it and a commit never waits for a socket.
    head: Arc<tokio::sync::watch::Sender<u64>>,
    /// Set once the server is shutting down; every poke socket then closes.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// State over an opened store whose workspace exists.
    pub async fn new(store: Store, dist: PathBuf) -> anyhow::Result<AppState> {
        let workspace = store.load_workspace().await?.ok_or_else(|| {
            anyhow::anyhow!("the database has no workspace yet; start the server once to create it")
        })?;
        let head = store.head().await?;
        Ok(AppState {
            store,
            workspace: Arc::new(RwLock::new(Arc::new(workspace))),
            dist,
            secure_cookies: false,
            max_push_bytes: http::MAX_PUSH_BYTES,
            login_slots: Arc::new(tokio::sync::Semaphore::new(4)),
            clock: Clock::system(),
            sla_wake: Arc::default(),
            sla_pass: Arc::default(),
            sla_engine: Arc::default(),
            head: Arc::new(tokio::sync::watch::Sender::new(head)),
            closing: Arc::new(tokio::sync::watch::Sender::new(false)),
        })
    }

    /// Tells the poke sockets that the changes up to `seq` are committed. Call it after every
    /// commit that creates a change; the head only moves forward, so announcing late or twice is
    /// harmless.
    pub fn announce(&self, seq: u64) {
        self.head.send_if_modified(|head| {
            let newer = seq > *head;
            if newer {
                *head = seq;
            }
            newer
        });
    }

    /// The newest announced `seq`, updated as commits are announced.
    pub fn heads(&self) -> tokio::sync::watch::Receiver<u64> {
        self.head.subscribe()
    }

    /// Whether the server is shutting down, as a receiver that changes once.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Asks every poke socket to close (with a close frame, "going away") and waits up to `grace`
    /// for them to finish. Call it when shutdown begins: upgraded connections outlive the HTTP
    /// server's graceful shutdown and would otherwise just be cut.
    pub async fn close_pokes(&self, grace: std::time::Duration) {
        self.closing.send_replace(true);
        // Only sockets hold receivers, so this ends when the last one has closed.
        let _ = tokio::time::timeout(grace, self.closing.closed()).await;
    }

    /// The current workspace configuration.
    pub fn workspace(&self) -> Arc<Workspace> {
        // A poisoned lock still holds a whole Arc: a panic elsewhere cannot leave it half-written.
        self.workspace
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the workspace configuration.
    pub fn set_workspace(&self, workspace: Workspace) {
        *self
            .workspace
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(workspace);
    }

    /// The SLA engine for the current configuration, compiled around `now`.
    pub fn sla_engine(&self, now: chrono::DateTime<chrono::Utc>) -> Arc<SlaEngine> {
        let ws = self.workspace();
        self.sla_engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&ws, now)
    }
}

#[cfg(test)]
mod tests {
    /// 300 connections made at once are all taken by the kernel while the server has accepted
    /// none of them: with tokio's default backlog (128) the rest would wait for SYN retries.
    #[tokio::test]
    async fn a_burst_of_connections_fits_the_listen_backlog() {
        // The kernel caps the backlog (macOS and older Linux at 128): nothing to check there.
        let cap = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if cap.is_none_or(|cap| cap < 300) {
            eprintln!("skipped: net.core.somaxconn is {cap:?}, below 300");
            return;
        }
        let listener = super::listen(([127, 0, 0, 1], 0).into()).unwrap();
        let addr = listener.local_addr().unwrap();
        let connects = (0..300).map(|_| tokio::net::TcpStream::connect(addr));
        let all = futures_util::future::join_all(connects);
        let streams = tokio::time::timeout(std::time::Duration::from_secs(20), all)
            .await
            .expect("some connections were not taken while none was accepted");
        assert!(streams.iter().all(Result::is_ok));
        drop(listener);
    }
}
