//! The server's idea of the time. In production it is the system clock; a server started with
//! `--test-clock` lets tests move it (`PUT /api/test/clock`), and everything that decides with time
//! — mutations, pulls' `server_time`, the SLA scheduler — reads it here, so the app (which corrects
//! its own clock by `server_time`) and the server agree.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock that is the system clock plus an offset that only test mode can change.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    test_mode: bool,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock tests may move.
    pub fn test() -> Clock {
        Clock {
            offset_ms: Arc::default(),
            test_mode: true,
        }
    }

    /// Whether this clock may be moved.
    pub fn is_test(&self) -> bool {
        self.test_mode
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves a test clock so that it reads `now`; `false` (and no change) for the system clock.
    pub fn set(&self, now: DateTime<Utc>) -> bool {
        if !self.test_mode {
            return false;
        }
        let offset = (now - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_test_clock_moves() {
        let target = Utc::now() + Duration::days(3);
        let system = Clock::system();
        assert!(!system.set(target));
        assert!((system.now() - Utc::now()).num_seconds().abs() < 5);
        let test = Clock::test();
        assert!(test.set(target));
        assert!((test.now() - target).num_seconds().abs() < 5);
    }
}
