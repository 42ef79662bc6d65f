//! Human formatting of times and values.

use chrono::{DateTime, Datelike, Local, NaiveDate, Timelike, Utc};
use deskline_shared::FieldValue;
use deskline_shared::sla::{Indicator, SlaState, Target};

/// A compact age such as "5m", "3h" or "2d"; "now" under a minute.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        0 => "now".to_owned(),
        1..60 => format!("{minutes}m"),
        60..1440 => format!("{}h", minutes / 60),
        _ => format!("{}d", minutes / 1440),
    }
}

/// "3m ago", "2h ago"; "just now" under a minute.
pub fn ago(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match age(since, now).as_str() {
        "now" => "just now".to_owned(),
        short => format!("{short} ago"),
    }
}

/// A countdown such as "45m", "2h 14m" or "3d 4h"; negative ("-15m") once the time is up.
/// Rounded up to the minute: a started minute still counts as left, and one past the deadline
/// counts once it is complete ("0m" during the first minute after it).
pub fn duration(secs: i64) -> String {
    // Ceiling division in whole minutes (toward +∞ for both signs).
    let minutes = -secs.saturating_neg().div_euclid(60);
    let sign = if minutes < 0 { "-" } else { "" };
    let minutes = minutes.unsigned_abs();
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, m) => format!("{sign}{m}m"),
        (0, h, 0) => format!("{sign}{h}h"),
        (0, h, m) => format!("{sign}{h}h {m}m"),
        (d, 0, _) => format!("{sign}{d}d"),
        (d, h, _) => format!("{sign}{d}d {h}h"),
    }
}

/// What an SLA badge says: the time to the next deadline, or what is left while paused.
pub fn sla_badge(indicator: &Indicator) -> String {
    let left = duration(indicator.remaining_secs);
    if indicator.state == SlaState::Paused {
        format!("Paused · {left} left")
    } else {
        left
    }
}

/// A target as leaders set it: "2h business", "45m around the clock", "27h business".
pub fn target(target: Target) -> String {
    let (h, m) = (target.minutes / 60, target.minutes % 60);
    let amount = match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    };
    let clock = if target.business {
        "business"
    } else {
        "around the clock"
    };
    format!("{amount} {clock}")
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A deadline in the browser's time zone: "Tue 10:00" within the coming or past six days,
/// "Mar 2, 10:00" further out.
pub fn deadline(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if (at - now).num_days().abs() >= 6 {
        return when(at);
    }
    let local = at.with_timezone(&Local);
    format!(
        "{} {:02}:{:02}",
        WEEKDAYS[local.weekday().num_days_from_monday() as usize],
        local.hour(),
        local.minute()
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// Timestamps are put together by hand rather than with chrono's strftime: the format-string
// machinery costs the download more than these three functions.

/// A timestamp in the browser's time zone, e.g. "Mar 2, 09:41".
pub fn when(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    format!(
        "{} {}, {:02}:{:02}",
        MONTHS[local.month0() as usize],
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// A full timestamp for tooltips, e.g. "2026-03-02 09:41".
pub fn exact(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    format!(
        "{} {:02}:{:02}",
        date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

/// A date as `YYYY-MM-DD` (also the value of an `<input type="date">`).
pub fn date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A custom field value as text.
pub fn field_value(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(text) => text.clone(),
        // JavaScript already knows how to print a number; Rust's float printing is bulky in wasm.
        FieldValue::Number(n) => js_sys::Number::from(*n)
            .to_string_with_radix(10)
            .map_or_else(|_| String::new(), String::from),
        FieldValue::Date(d) => date(*d),
        FieldValue::Checkbox(true) => "Yes".to_owned(),
        FieldValue::Checkbox(false) => "No".to_owned(),
    }
}

/// The first letter of a name, for avatars.
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    // The app is only ever built for the browser: its tests run there, under wasm-bindgen-test.
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn durations_count_partial_minutes_and_go_negative() {
        let cases = [
            (0, "0m"),
            (1, "1m"),
            (45 * 60, "45m"),
            (2 * 3600 + 14 * 60, "2h 14m"),
            (2 * 3600 + 13 * 60 + 1, "2h 14m"),
            (3 * 3600, "3h"),
            (3 * 86_400 + 4 * 3600 + 59, "3d 4h"),
            (2 * 86_400, "2d"),
            (-15 * 60, "-15m"),
            (-30, "0m"),
            (-125, "-2m"),
            (-(26 * 3600), "-1d 2h"),
        ];
        for (secs, text) in cases {
            assert_eq!(duration(secs), text, "{secs} s");
        }
    }

    #[test]
    fn badges_and_targets_read_as_sentences() {
        let paused = Indicator {
            state: SlaState::Paused,
            deadline: None,
            remaining_secs: 80 * 60,
            overdue: false,
        };
        assert_eq!(sla_badge(&paused), "Paused · 1h 20m left");
        let breached = Indicator {
            state: SlaState::Breached,
            remaining_secs: -15 * 60,
            ..paused
        };
        assert_eq!(sla_badge(&breached), "-15m");
        let t = |minutes, business| target(Target { minutes, business });
        assert_eq!(t(120, true), "2h business");
        assert_eq!(t(60, false), "1h around the clock");
        assert_eq!(t(90, true), "1h 30m business");
        assert_eq!(t(45, false), "45m around the clock");
    }

    #[test]
    fn ages_say_ago() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - chrono::TimeDelta::minutes(3), now), "3m ago");
    }
}
