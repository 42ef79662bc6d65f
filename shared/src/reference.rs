//! Human ticket references, assigned by the server from a workspace-wide sequence.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a workspace numbers its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceScheme {
    /// 17 digits: the creation date `YYYYMMDD` followed by a 9-digit sequence.
    Protocol,
    /// `TKT-0001`, growing past four digits when needed.
    Prefixed,
}

impl ReferenceScheme {
    /// Formats the `sequence`-th reference of the workspace for a ticket created on `date`.
    pub fn format(self, sequence: u64, date: NaiveDate) -> String {
        match self {
            ReferenceScheme::Protocol => {
                format!("{}{:09}", date.format("%Y%m%d"), sequence % 1_000_000_000)
            }
            ReferenceScheme::Prefixed => format!("TKT-{sequence:04}"),
        }
    }

    /// Whether `text` has the shape of a reference of this scheme.
    pub fn matches(self, text: &str) -> bool {
        match self {
            ReferenceScheme::Protocol => {
                text.len() == 17 && text.bytes().all(|b| b.is_ascii_digit())
            }
            ReferenceScheme::Prefixed => text
                .strip_prefix("TKT-")
                .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_is_date_then_nine_digits() {
        let date = NaiveDate::from_ymd_opt(2025, 10, 7).unwrap();
        let reference = ReferenceScheme::Protocol.format(92_633_646, date);
        assert_eq!(reference, "20251007092633646");
        assert_eq!(reference.len(), 17);
        assert!(ReferenceScheme::Protocol.matches(&reference));
    }

    #[test]
    fn prefixed_pads_to_four_and_grows() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(ReferenceScheme::Prefixed.format(1, date), "TKT-0001");
        assert_eq!(ReferenceScheme::Prefixed.format(12_345, date), "TKT-12345");
        assert!(ReferenceScheme::Prefixed.matches("TKT-0001"));
        assert!(!ReferenceScheme::Prefixed.matches("TKT-1"));
        assert!(!ReferenceScheme::Prefixed.matches("20251007092633646"));
    }
}
