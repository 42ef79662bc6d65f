//! Filling a calendar's [`Zone`] from the IANA time zone database (chrono-tz). Only the server and
//! tests need this; the browser receives the offsets with the calendar and ships no tz database.

use super::calendar::{Calendar, Zone};
use super::config::{ConfigError, SlaConfig};
use chrono::{DateTime, Offset, TimeZone};

/// 1990-01-01T00:00Z: offsets before it are taken to be the same as then.
const FROM: i64 = 631_152_000;
/// 2100-01-01T00:00Z: offsets after it stay as they were then.
const TO: i64 = 4_102_444_800;
/// Scan step; no zone changes its offset twice within six hours.
const STEP: i64 = 6 * 3_600;

impl Zone {
    /// The offsets of IANA zone `name` from 1990 to 2100; `None` for an unknown name.
    pub fn from_iana(name: &str) -> Option<Zone> {
        let tz: chrono_tz::Tz = name.parse().ok()?;
        let offset = |t: i64| -> i32 {
            let utc = DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .naive_utc();
            tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
        };
        let initial = offset(FROM);
        let mut changes = Vec::new();
        let mut current = initial;
        let mut t = FROM;
        while t < TO {
            let next = t + STEP;
            if offset(next) == current {
                t = next;
                continue;
            }
            // The first second in (t, next] with a new offset.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            current = offset(hi);
            changes.push((hi, current));
            t = hi;
        }
        Some(Zone { initial, changes })
    }
}

impl Calendar {
    /// Fills `zone` from `time_zone`.
    pub fn resolve_zone(&mut self) -> Option<()> {
        self.zone = Zone::from_iana(self.time_zone.trim())?;
        Some(())
    }
}

impl SlaConfig {
    /// Fills every calendar's zone, or names the calendar whose time zone is unknown.
    pub fn resolve_zones(&mut self) -> Result<(), ConfigError> {
        for (i, calendar) in self.calendars.iter_mut().enumerate() {
            if calendar.resolve_zone().is_none() {
                return Err(ConfigError {
                    field: format!("calendars[{i}].time_zone"),
                    message: format!(
                        "{:?} is not a time zone; use an IANA name such as Europe/Berlin or America/New_York.",
                        calendar.time_zone
                    ),
                });
            }
        }
        Ok(())
    }
}
