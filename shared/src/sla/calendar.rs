//! Business calendars: working periods per weekday in a time zone, minus holidays, and the
//! arithmetic of "working seconds between" and "this many working seconds after".

use super::config::Weekday;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

const DAY: i64 = 86_400;
/// The days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;
/// How far the slow path walks before deciding a calendar has no working time left.
const MAX_WALK_DAYS: i64 = 3_700;

/// A time of day in minutes after local midnight, written `08:30`; `24:00` ends a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayTime(pub u16);

impl DayTime {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: DayTime = DayTime(0);
    /// Midnight at the end of the day.
    pub const END_OF_DAY: DayTime = DayTime(24 * 60);

    /// `hours:minutes`; `None` past 24:00.
    pub fn hm(hours: u16, minutes: u16) -> Option<DayTime> {
        let total = hours.checked_mul(60)?.checked_add(minutes)?;
        (minutes < 60 && total <= 24 * 60).then_some(DayTime(total))
    }

    /// Parses `HH:MM`.
    pub fn parse(text: &str) -> Option<DayTime> {
        let (h, m) = text.split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        DayTime::hm(h.parse().ok()?, m.parse().ok()?)
    }
}

impl std::fmt::Display for DayTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for DayTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DayTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DayTime::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a time of day; write it as HH:MM between 00:00 and 24:00"
            ))
        })
    }
}

/// One stretch of working time on a weekday, in the calendar's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingPeriod {
    /// The weekday.
    pub day: Weekday,
    /// Local start time.
    pub start: DayTime,
    /// Local end time (after `start`; `24:00` for the end of the day).
    pub end: DayTime,
}

/// A day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The date (its year is ignored when `yearly`).
    pub date: NaiveDate,
    /// Repeats every year on the same month and day.
    #[serde(default)]
    pub yearly: bool,
    /// What it is called.
    #[serde(default)]
    pub name: String,
}

/// A time zone's UTC offsets as a list of changes, so the browser needs no time zone database.
///
/// The server fills it from the IANA database (chrono-tz) for the calendar's `time_zone`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Zone {
    /// Offset from UTC in seconds before the first change.
    pub initial: i32,
    /// `(instant in Unix seconds, offset in seconds from then on)`, sorted by instant.
    pub changes: Vec<(i64, i32)>,
}

impl Zone {
    /// The offset from UTC, in seconds, at Unix time `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        match self.changes.partition_point(|&(at, _)| at <= t) {
            0 => self.initial,
            i => self.changes[i - 1].1,
        }
    }

    /// The Unix time of a local wall-clock time given as seconds since 1970-01-01T00:00 local.
    ///
    /// Like the platform's "compatible" rule: a time repeated when clocks go back is the earlier
    /// one; a time skipped when clocks go forward moves forward by the size of the gap.
    pub fn to_utc(&self, local: i64) -> i64 {
        let before = self.offset_at(local - DAY);
        let after = self.offset_at(local + DAY);
        let mut best: Option<i64> = None;
        for offset in [before, after] {
            let t = local - i64::from(offset);
            if self.offset_at(t) == offset {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        }
        best.unwrap_or(local - i64::from(before))
    }

    /// The local day number (days since 1970-01-01 local) that Unix time `t` falls on.
    pub fn local_day(&self, t: i64) -> i64 {
        (t + i64::from(self.offset_at(t))).div_euclid(DAY)
    }
}

/// When people work: periods per weekday in an IANA time zone, minus holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Stable id that policies refer to.
    pub id: Uuid,
    /// What leaders read, e.g. "Lisbon office hours".
    pub name: String,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Working periods; a weekday may have several (08:00–12:00 and 13:00–18:00).
    pub hours: Vec<WorkingPeriod>,
    /// Days off.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    /// The zone's offsets, filled by the server from `time_zone`.
    #[serde(default)]
    pub zone: Zone,
}

impl Calendar {
    /// Whether the local date is a holiday.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.iter().any(|h| {
            h.date == date
                || (h.yearly && h.date.month() == date.month() && h.date.day() == date.day())
        })
    }

    /// The working intervals (Unix seconds, half-open) of local day number `day`, in order.
    fn day_intervals(&self, day: i64, out: &mut Vec<(i64, i64)>) {
        out.clear();
        let Some(date) = i32::try_from(day + UNIX_EPOCH_FROM_CE)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
        else {
            return;
        };
        let weekday = Weekday::from_index(date.weekday().num_days_from_monday());
        if self.is_holiday(date) {
            return;
        }
        let midnight = day * DAY;
        let mut periods: Vec<&WorkingPeriod> =
            self.hours.iter().filter(|p| p.day == weekday).collect();
        periods.sort_by_key(|p| p.start);
        for p in periods {
            let start = self
                .zone
                .to_utc(midnight + i64::from(p.start.0) * 60)
                .max(out.last().map_or(i64::MIN, |l| l.1));
            let end = self.zone.to_utc(midnight + i64::from(p.end.0) * 60);
            if end > start {
                out.push((start, end));
            }
        }
    }
}

/// A calendar's working intervals over a window of days, with running totals, so "working seconds
/// between" and "the instant this many working seconds later" are binary searches. Outside the
/// window it walks the calendar day by day: slower, never wrong.
#[derive(Debug, Clone)]
pub struct WorkingTime {
    calendar: Calendar,
    /// Unix time of the window's first and last instant.
    lo: i64,
    hi: i64,
    starts: Vec<i64>,
    ends: Vec<i64>,
    /// Working seconds in the window before interval `i`.
    before: Vec<i64>,
    /// For each day-long bucket from `lo`, how many intervals start before it: a lookup narrows
    /// to one day's few intervals instead of a binary search over the whole window.
    bucket_first: Vec<u32>,
}

impl WorkingTime {
    /// Compiles `calendar` for the local days from `from` to `to` (Unix seconds).
    pub fn new(calendar: &Calendar, from: i64, to: i64) -> WorkingTime {
        let first = calendar.zone.local_day(from);
        let last = calendar.zone.local_day(to.max(from)) + 1;
        let lo = calendar.zone.to_utc(first * DAY);
        let hi = calendar.zone.to_utc(last * DAY);
        let (mut starts, mut ends, mut before) = (Vec::new(), Vec::new(), Vec::new());
        let mut day_buf = Vec::new();
        let mut total = 0;
        for day in first..last {
            calendar.day_intervals(day, &mut day_buf);
            for &(s, e) in &day_buf {
                let s = s.max(ends.last().copied().unwrap_or(i64::MIN)).max(lo);
                let e = e.min(hi);
                if e > s {
                    starts.push(s);
                    ends.push(e);
                    before.push(total);
                    total += e - s;
                }
            }
        }
        let buckets = (hi - lo) / DAY + 2;
        let bucket_first = (0..=buckets)
            .map(|k| starts.partition_point(|&s| s < lo + k * DAY) as u32)
            .collect();
        WorkingTime {
            calendar: calendar.clone(),
            lo,
            hi,
            starts,
            ends,
            before,
            bucket_first,
        }
    }

    /// The calendar this was compiled from.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Working seconds in the window before Unix time `t` (`lo <= t <= hi`).
    fn cumulative(&self, t: i64) -> i64 {
        let k = ((t - self.lo) / DAY) as usize;
        let (from, to) = (
            self.bucket_first[k] as usize,
            self.bucket_first[k + 1] as usize,
        );
        match from + self.starts[from..to].partition_point(|&s| s <= t) {
            0 => 0,
            i => self.before[i - 1] + t.min(self.ends[i - 1]) - self.starts[i - 1],
        }
    }

    /// Working seconds from the window's start to `t`, when `t` is inside the window: a position
    /// on the working-time axis, so spans are differences of positions.
    pub fn position(&self, t: i64) -> Option<i64> {
        (self.lo <= t && t <= self.hi).then(|| self.cumulative(t))
    }

    /// The earliest instant at position `p` (`0 < p`), when it is inside the window.
    pub fn at_position(&self, p: i64) -> Option<i64> {
        if p <= 0 || p > self.window_total() {
            return None;
        }
        let j = self.before_end_index(p);
        Some(self.starts[j] + (p - self.before[j]))
    }

    fn window_total(&self) -> i64 {
        self.before
            .last()
            .zip(self.starts.last().zip(self.ends.last()))
            .map_or(0, |(b, (s, e))| b + e - s)
    }

    /// Working seconds in `[a, b)`.
    pub fn worked(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        if a < self.lo {
            total += self.walk_worked(a, b.min(self.lo));
        }
        let (ca, cb) = (a.max(self.lo), b.min(self.hi));
        if cb > ca {
            total += self.cumulative(cb) - self.cumulative(ca);
        }
        if b > self.hi {
            total += self.walk_worked(a.max(self.hi), b);
        }
        total
    }

    /// The earliest instant at which `secs` working seconds have passed since `a`; `None` when the
    /// calendar has no working time left within ten years.
    pub fn add(&self, a: i64, secs: i64) -> Option<i64> {
        if secs <= 0 {
            return Some(a);
        }
        let mut a = a;
        let mut left = secs;
        if a < self.lo {
            let w = self.walk_worked(a, self.lo);
            if w >= left {
                return self.walk_add(a, left);
            }
            left -= w;
            a = self.lo;
        }
        if a < self.hi {
            let target = self.cumulative(a) + left;
            if target <= self.window_total() {
                let j = self.before_end_index(target);
                return Some(self.starts[j] + (target - self.before[j]));
            }
            left = target - self.window_total();
            a = self.hi;
        }
        self.walk_add(a, left)
    }

    /// The interval in which the running total reaches `target` (`0 < target <= window_total`).
    fn before_end_index(&self, target: i64) -> usize {
        let (mut lo, mut hi) = (0, self.starts.len());
        // First i whose end total (before + length) is >= target.
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.before[mid] + self.ends[mid] - self.starts[mid] < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.min(self.starts.len() - 1)
    }

    fn walk_worked(&self, a: i64, b: i64) -> i64 {
        let zone = &self.calendar.zone;
        let mut buf = Vec::new();
        let mut total = 0;
        let last = zone.local_day(b);
        for day in zone.local_day(a) - 1..=last {
            self.calendar.day_intervals(day, &mut buf);
            for &(s, e) in &buf {
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    total += e - s;
                }
            }
        }
        total
    }

    fn walk_add(&self, a: i64, secs: i64) -> Option<i64> {
        let zone = &self.calendar.zone;
        let mut buf = Vec::new();
        let mut left = secs;
        let first = zone.local_day(a) - 1;
        for day in first..first + MAX_WALK_DAYS {
            self.calendar.day_intervals(day, &mut buf);
            for &(s, e) in &buf {
                let s = s.max(a);
                if e > s {
                    if e - s >= left {
                        return Some(s + left);
                    }
                    left -= e - s;
                }
            }
        }
        None
    }
}
