//! Instants on the wire: RFC 3339 text in human-readable formats (JSON, the API), but seconds
//! and nanoseconds as two integers in compact ones (postcard, the browser's local copy). Parsing
//! the text took about 200 ns per instant, close to half of decoding a ticket, and a ticket
//! carries a dozen of them.
//!
//! For fields: `#[serde(with = "crate::instant")]`, `crate::instant::option` and
//! `crate::instant::map` (values of a map).

use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// An instant as written.
struct Out<'a>(&'a DateTime<Utc>);

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.0.serialize(s)
        } else {
            (self.0.timestamp(), self.0.timestamp_subsec_nanos()).serialize(s)
        }
    }
}

/// An instant as read.
struct In(DateTime<Utc>);

impl<'de> Deserialize<'de> for In {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(TextVisitor)
        } else {
            let (seconds, nanos) = <(i64, u32)>::deserialize(d)?;
            DateTime::from_timestamp(seconds, nanos)
                .map(In)
                .ok_or_else(|| D::Error::custom(format!("no such instant: {seconds}s {nanos}ns")))
        }
    }
}

/// Reads RFC 3339 text: the form this server writes (UTC, `Z`) directly, anything else through
/// chrono.
struct TextVisitor;

impl serde::de::Visitor<'_> for TextVisitor {
    type Value = In;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<In, E> {
        match utc(text) {
            Some(at) => Ok(In(at)),
            None => text.parse::<DateTime<Utc>>().map(In).map_err(E::custom),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form chrono writes a UTC instant in, read without
/// chrono's general parser: at 50,000 tickets of a dozen instants each, that parser was a third
/// of a first load's decoding in the browser. `None` for any other form (offsets, lower-case
/// `t`/`z`, leap seconds), which chrono then reads.
fn utc(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(20..b.len() - 1)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
    let at = date.and_hms_nano_opt(number(11..13)?, number(14..16)?, number(17..19)?, nanos)?;
    Some(at.and_utc())
}

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    Out(at).serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    In::deserialize(d).map(|at| at.0)
}

/// An optional instant.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        at.as_ref().map(Out).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Ok(Option::<In>::deserialize(d)?.map(|at| at.0))
    }
}

/// A map whose values are instants.
pub mod map {
    use super::*;

    pub fn serialize<K: Serialize, S: Serializer>(
        map: &BTreeMap<K, DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(k, at)| (k, Out(at))))
    }

    pub fn deserialize<'de, K: Deserialize<'de> + Ord, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<K, DateTime<Utc>>, D::Error> {
        Ok(BTreeMap::<K, In>::deserialize(d)?
            .into_iter()
            .map(|(k, at)| (k, at.0))
            .collect())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use crate::Ticket;
    use crate::fixtures::workload::workload;
    use chrono::DateTime;
    use proptest::prelude::*;

    #[test]
    fn tickets_keep_rfc_3339_text_in_json_and_every_instant_in_postcard() {
        let (_, _, mut tickets, _) = workload(11, 200);
        // Down to the nanosecond, and an optional instant both set and not.
        tickets[0].created_at = DateTime::from_timestamp(1_780_000_000, 123_456_789).unwrap();
        tickets[0].solved_at = None;
        tickets[1].solved_at = Some(DateTime::from_timestamp(-5, 999_999_999).unwrap());
        let json = serde_json::to_value(&tickets[0]).unwrap();
        assert_eq!(json["created_at"], "2026-05-28T20:26:40.123456789Z");
        assert_eq!(json["solved_at"], serde_json::Value::Null);
        assert!(
            json["status_history"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v.is_string())
        );
        let back: Vec<Ticket> =
            serde_json::from_value(serde_json::to_value(&tickets).unwrap()).unwrap();
        assert_eq!(back, tickets);

        let bytes = postcard::to_allocvec(&tickets).unwrap();
        let back: Vec<Ticket> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, tickets);
        let text = serde_json::to_string(&tickets[0].created_at).unwrap();
        let compact = postcard::to_allocvec(&super::Out(&tickets[0].created_at)).unwrap();
        assert!(compact.len() * 2 < text.len(), "{compact:?} is not compact");
    }

    #[test]
    fn an_instant_out_of_range_is_an_error_in_postcard_not_a_panic() {
        let bytes = postcard::to_allocvec(&(i64::MAX, 0u32)).unwrap();
        assert!(postcard::from_bytes::<super::In>(&bytes).is_err());
    }

    proptest! {
        #[test]
        fn any_instant_reads_back_in_both_formats(seconds in -8_000_000_000i64..250_000_000_000, nanos in 0u32..1_000_000_000) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            let bytes = postcard::to_allocvec(&super::Out(&at)).unwrap();
            prop_assert_eq!(postcard::from_bytes::<super::In>(&bytes).unwrap().0, at);
            let text = serde_json::to_string(&super::Out(&at)).unwrap();
            prop_assert_eq!(serde_json::from_str::<super::In>(&text).unwrap().0, at);
        }

        /// The direct reading of the server's form agrees with chrono's parser on every text it
        /// takes, and takes what chrono writes for a UTC instant in this range (years 0-9999).
        #[test]
        fn the_direct_reading_agrees_with_chrono(
            seconds in -62_000_000_000i64..253_000_000_000,
            nanos in 0u32..1_000_000_000,
            digits in 0usize..=9,
            edit in proptest::option::of((0usize..40, any::<u8>())),
        ) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            let mut text = at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
            // Fewer fraction digits (or none), as other writers use.
            let dot = text.find('.').unwrap();
            text.replace_range(if digits == 0 { dot } else { dot + 1 + digits }..text.len() - 1, "");
            prop_assert_eq!(super::utc(&text), text.parse::<DateTime<chrono::Utc>>().ok());
            prop_assert!(super::utc(&text).is_some(), "{} not read directly", text);
            // And with one byte changed: never a different answer from chrono's.
            if let Some((at, byte)) = edit {
                let mut bytes = text.clone().into_bytes();
                if at < bytes.len() {
                    bytes[at] = byte;
                }
                if let Ok(edited) = String::from_utf8(bytes)
                    && let Some(direct) = super::utc(&edited)
                {
                    prop_assert_eq!(Some(direct), edited.parse::<DateTime<chrono::Utc>>().ok(), "{}", edited);
                }
            }
        }
    }

    #[test]
    fn other_rfc_3339_forms_are_read_by_chrono_and_bad_text_is_an_error() {
        let read =
            |text: &str| serde_json::from_str::<super::In>(&format!("{text:?}")).map(|at| at.0);
        let utc = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        assert_eq!(read("2026-05-28T20:26:40Z").unwrap(), utc);
        assert_eq!(read("2026-05-28T22:26:40+02:00").unwrap(), utc);
        assert_eq!(read("2026-05-28t20:26:40z").unwrap(), utc);
        for bad in [
            "",
            "2026-05-28",
            "2026-02-30T00:00:00Z",
            "2026-05-28T20:26:40.Z",
            "2026-05-28T24:00:00Z",
        ] {
            assert!(read(bad).is_err(), "{bad:?} was read");
        }
    }
}
