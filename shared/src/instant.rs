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
            DateTime::<Utc>::deserialize(d).map(In)
        } else {
            let (seconds, nanos) = <(i64, u32)>::deserialize(d)?;
            DateTime::from_timestamp(seconds, nanos)
                .map(In)
                .ok_or_else(|| D::Error::custom(format!("no such instant: {seconds}s {nanos}ns")))
        }
    }
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
    }
}
