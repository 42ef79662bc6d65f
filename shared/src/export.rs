//! Export of a ticket list: the columns, one row per ticket, CSV, and the file name.
//!
//! The app makes CSV itself and hands the rows to its export worker for XLSX, so both files have
//! the same columns and rows in the list's order.

use crate::{Ticket, Workspace};
use serde::{Deserialize, Serialize};

/// The columns, in order.
pub const COLUMNS: [&str; 12] = [
    "Reference",
    "Title",
    "Status",
    "Priority",
    "Type",
    "Channel",
    "Team",
    "Assignee",
    "Requester",
    "Created",
    "Resolved",
    "Time to complete (hours)",
];

/// How many of the columns are text; the rest are times and a duration.
pub const TEXT_COLUMNS: usize = 9;

/// One ticket, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRow {
    /// The first [`TEXT_COLUMNS`] columns.
    pub text: Vec<String>,
    /// Created, Unix seconds.
    pub created: i64,
    /// Solved, Unix seconds.
    pub resolved: Option<i64>,
    /// Creation to solved, in hours rounded to two decimals.
    pub hours: Option<f64>,
}

/// What the export worker is asked to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XlsxRequest {
    /// The sheet's name (the view's).
    pub sheet: String,
    /// The rows, in order.
    pub rows: Vec<ExportRow>,
}

/// The export row of `ticket`.
pub fn row(ticket: &Ticket, ws: &Workspace) -> ExportRow {
    let team = ticket
        .team
        .and_then(|t| ws.team(t))
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let assignee = ticket
        .assignee
        .map(|a| ws.agent_name(a).to_owned())
        .unwrap_or_default();
    let requester =
        ticket
            .requester
            .as_ref()
            .map_or_else(String::new, |r| match r.email.as_deref() {
                Some(email) if !r.name.is_empty() => format!("{} <{email}>", r.name),
                Some(email) => email.to_owned(),
                None => r.name.clone(),
            });
    let resolved = ticket.solved_at;
    ExportRow {
        text: vec![
            ticket.display_reference().to_owned(),
            ticket.title.clone(),
            ws.status_label(&ticket.status).to_owned(),
            ticket.priority.label().to_owned(),
            ticket.ticket_type.clone(),
            ticket.channel.label().to_owned(),
            team,
            assignee,
            requester,
        ],
        created: ticket.created_at.timestamp(),
        resolved: resolved.map(|r| r.timestamp()),
        hours: resolved
            .map(|r| ((r - ticket.created_at).num_minutes() as f64 / 60.0 * 100.0).round() / 100.0),
    }
}

/// A CSV field, quoted when it needs to be. Text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading apostrophe, so a spreadsheet never runs a customer's words as a
/// formula.
fn csv_field(out: &mut String, text: &str) {
    let guarded = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let quote = guarded || text.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// `2026-11-21 09:41:00`, UTC.
pub fn time_text(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The rows as CSV: RFC 4180 with CRLF line ends, UTF-8 with a byte order mark (so spreadsheet
/// programs read accents right), times in UTC.
pub fn csv(rows: &[ExportRow]) -> String {
    let mut out = String::from('\u{feff}');
    for (k, name) in COLUMNS.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        csv_field(&mut out, name);
    }
    out.push_str("\r\n");
    for row in rows {
        for text in &row.text {
            csv_field(&mut out, text);
            out.push(',');
        }
        out.push_str(&time_text(row.created));
        out.push(',');
        out.push_str(&row.resolved.map(time_text).unwrap_or_default());
        out.push(',');
        if let Some(h) = row.hours {
            out.push_str(&format!("{h:.2}"));
        }
        out.push_str("\r\n");
    }
    out
}

/// The file name for a view, without extension: its words capitalised and joined by hyphens,
/// ending in "Tickets" (`All-Tickets`, `Unassigned-Tickets`, `My-Tickets`, `Spam-Deleted-Tickets`).
pub fn file_stem(view: &str) -> String {
    let mut words: Vec<String> = view
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    match words.last_mut() {
        Some(last) if last.eq_ignore_ascii_case("tickets") => "Tickets".clone_into(last),
        _ => words.push("Tickets".to_owned()),
    }
    words.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_after_the_view() {
        assert_eq!(file_stem("All"), "All-Tickets");
        assert_eq!(file_stem("Unassigned"), "Unassigned-Tickets");
        assert_eq!(file_stem("My tickets"), "My-Tickets");
        assert_eq!(file_stem("Spam/Deleted"), "Spam-Deleted-Tickets");
        assert_eq!(file_stem("urgent billing"), "Urgent-Billing-Tickets");
        assert_eq!(file_stem("!!!"), "Tickets");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let row = ExportRow {
            text: vec![
                "TKT-0001".into(),
                "Refund, \"urgent\"\nplease".into(),
                "=HYPERLINK(\"x\")".into(),
                "-5".into(),
                "@me".into(),
                "\tSUM(1)".into(),
                String::new(),
                String::new(),
                "Zoë <zoe@example.com>".into(),
            ],
            created: 1_763_717_460,
            resolved: Some(1_763_728_260),
            hours: Some(3.0),
        };
        let text = csv(&[row]);
        let mut lines = text.split("\r\n");
        assert_eq!(
            lines.next(),
            Some(
                "\u{feff}Reference,Title,Status,Priority,Type,Channel,Team,Assignee,Requester,\
                 Created,Resolved,Time to complete (hours)"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "TKT-0001,\"Refund, \"\"urgent\"\"\nplease\",\"'=HYPERLINK(\"\"x\"\")\",\"'-5\",\
                 \"'@me\",\"'\tSUM(1)\",,,Zoë <zoe@example.com>,2025-11-21 09:31:00,\
                 2025-11-21 12:31:00,3.00"
            )
        );
    }
}
