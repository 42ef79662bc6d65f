//! Human formatting of times and values.

use chrono::{DateTime, Local, Utc};
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

/// A timestamp in the browser's time zone, e.g. "Mar 2, 09:41".
pub fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%b %-d, %H:%M").to_string()
}

/// A full timestamp for tooltips, e.g. "2026-03-02 09:41".
pub fn exact(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A custom field value as text.
pub fn field_value(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(text) => text.clone(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Date(date) => date.format("%Y-%m-%d").to_string(),
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
