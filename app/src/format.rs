//! Human formatting of times and values.

use chrono::{DateTime, Datelike, Local, NaiveDate, Timelike, Utc};
use deskline_shared::FieldValue;

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

fn date(date: NaiveDate) -> String {
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
