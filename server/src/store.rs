//! Storage on SQLite (WAL). Mutations are committed by one writer thread (`writer`), so commits
//! are serialised and `seq` is gap-free and commit-ordered; the other writes (sessions, views,
//! settings, the SLA scheduler's bookkeeping) go through a one-connection pool, and a small pool
//! of readers never waits for either. Pulls read on connections of their own (`readers`).

mod auth;
mod readers;
pub mod sla;
pub mod sync;
mod tickets;
mod views;
pub(crate) mod workspace;
mod writer;

pub use auth::{SESSION_DAYS, UserRow};
pub use tickets::{PageCursor, visible_filter};
pub use views::MAX_VIEWS;
pub use writer::{CommitJob, Committed, Writer};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// The migrations of the SQLite backend, embedded in the binary.
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Handle to the database.
#[derive(Clone, Debug)]
pub struct Store {
    /// Readers: any number of concurrent reads.
    pub(crate) read: SqlitePool,
    /// Readers for reads of many rows (a pull), on blocking threads.
    pub(crate) readers: readers::Readers,
    /// The writer of everything but mutations.
    pub(crate) write: SqlitePool,
    /// The writer of mutations: the only one that writes tickets, events and `changes`.
    pub(crate) writer: Writer,
    /// Recently checked sessions.
    sessions: auth::SessionCache,
}

impl Store {
    /// Opens (creating if missing) and migrates the database file at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode survives a killed process; only a power loss can drop the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("could not open the database {}", path.display()))?;
        MIGRATIONS
            .run(&write)
            .await
            .context("could not migrate the database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let writer = Writer::start(path)?;
        Ok(Store {
            read,
            readers: readers::Readers::new(path),
            write,
            writer,
            sessions: auth::SessionCache::default(),
        })
    }
}

/// Milliseconds since the epoch, as stored.
pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored id back to a `Uuid`; a malformed one is a corrupt database, reported as an error.
pub(crate) fn uuid(text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text).with_context(|| format!("stored id {text:?} is not a UUID"))
}
