//! Reads that move a lot of rows, on connections of their own run on blocking threads.
//!
//! The async pool hands every row from its worker thread to the task that asked, which at a
//! thousand rows costs more than the query; these connections are read directly on a thread of
//! tokio's blocking pool, the way the writer writes (see `writer`).

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How much of the database file a reader maps (SQLite maps at most the file's size).
const MMAP_BYTES: i64 = 1 << 30;

/// Idle connections kept for the next read; more may be open while reads run at once.
const KEEP_IDLE: usize = 4;

/// Read-only connections to the database file, opened as needed and kept when idle.
#[derive(Clone, Debug)]
pub(crate) struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Readers {
    pub(crate) fn new(path: &Path) -> Readers {
        Readers {
            path: Arc::new(path.to_owned()),
            idle: Arc::default(),
        }
    }

    /// Runs `read` on a blocking thread with a read-only connection.
    pub(crate) async fn run<T, E>(
        &self,
        read: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<anyhow::Error> + Send + 'static,
    {
        let readers = self.clone();
        tokio::task::spawn_blocking(move || {
            let taken = readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let mut conn = match taken {
                Some(conn) => conn,
                None => readers.open()?,
            };
            let result = read(&mut conn);
            let mut idle = readers.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < KEEP_IDLE {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| anyhow::anyhow!("a read stopped: {e}"))?
    }

    fn open(&self) -> anyhow::Result<Connection> {
        let conn = Connection::open_with_flags(
            self.path.as_path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("could not open the database {}", self.path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Pages read through a memory map, not a system call each: a pull visits thousands of
        // scattered index and table pages.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }
}
