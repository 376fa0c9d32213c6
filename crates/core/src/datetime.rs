//! Instants and calendar days as Voronka stores and shows them.
//!
//! Inside, every instant is UTC. In the database both are fixed-width text
//! (`2026-11-23T15:04:05.123456Z`, `2026-11-23`) so that the same SQL sorts,
//! compares and groups them by prefix on SQLite and PostgreSQL alike.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("is not a date-time (expected RFC 3339, e.g. 2026-11-23T14:05:00Z)")]
    BadTimestamp,
    #[error("is not a date (expected YYYY-MM-DD)")]
    BadDay,
}

const DB_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const DAY_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// The years a record's own dates may fall in. Anything the format allows
/// (up to 9999) would parse, and a mistyped year would then stretch every
/// report by period to it (a forecast by month over eight thousand years)
/// and sort first or last in every list.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

impl Timestamp {
    /// Truncated to microseconds: what both databases keep.
    pub fn from_utc(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let micros = t.microsecond();
        Self(t.replace_nanosecond(micros * 1000).unwrap_or(t))
    }

    pub fn inner(self) -> OffsetDateTime {
        self.0
    }

    pub fn to_db(self) -> String {
        self.0
            .format(DB_FORMAT)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }

    pub fn parse(s: &str) -> Result<Self, TimeError> {
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Ok(Self::from_utc(t));
        }
        PrimitiveDateTime::parse(s, DB_FORMAT)
            .map(|t| Self::from_utc(t.assume_utc()))
            .map_err(|_| TimeError::BadTimestamp)
    }

    pub fn day(self) -> Day {
        Day(self.0.date())
    }

    /// Whether it falls in [`YEARS`].
    pub fn is_plausible(self) -> bool {
        YEARS.contains(&self.0.year())
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + time::Duration::seconds(seconds))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

/// A calendar day with no time zone: birthdays, expected close dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub Date);

impl Day {
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        Date::parse(s.trim(), DAY_FORMAT)
            .map(Day)
            .map_err(|_| TimeError::BadDay)
    }

    pub fn to_db(self) -> String {
        self.to_string()
    }

    pub fn inner(self) -> Date {
        self.0
    }

    /// Whether it falls in [`YEARS`].
    pub fn is_plausible(self) -> bool {
        YEARS.contains(&self.0.year())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Day {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .into()
    }
}
impl utoipa::ToSchema for Day {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn db_text_sorts_like_time() {
        let a = Timestamp::parse("2026-01-02T03:04:05Z").unwrap();
        let b = Timestamp::parse("2026-01-02T03:04:05.5+00:00").unwrap();
        assert!(a < b);
        assert!(a.to_db() < b.to_db());
        assert_eq!(a.to_db(), "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn offsets_become_utc() {
        let t = Timestamp::parse("2026-11-23T18:00:00+03:00").unwrap();
        assert_eq!(t.to_db(), "2026-11-23T15:00:00.000000Z");
    }

    #[test]
    fn day_parses_iso_only() {
        assert_eq!(Day::parse("2026-02-28").unwrap().to_string(), "2026-02-28");
        assert!(Day::parse("28.02.2026").is_err());
        assert!(Day::parse("2026-02-30").is_err());
    }

    proptest! {
        #[test]
        fn db_round_trip(secs in 0i64..4_000_000_000, micros in 0u32..1_000_000) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap()
                .replace_microsecond(micros).unwrap();
            let ts = Timestamp::from_utc(t);
            prop_assert_eq!(Timestamp::parse(&ts.to_db()).unwrap(), ts);
            prop_assert_eq!(Timestamp::parse(&ts.to_string()).unwrap(), ts);
            prop_assert_eq!(ts.to_db().len(), 27);
        }

        #[test]
        fn db_order_is_time_order(a in 0i64..4_000_000_000, b in 0i64..4_000_000_000) {
            let ta = Timestamp::from_utc(OffsetDateTime::from_unix_timestamp(a).unwrap());
            let tb = Timestamp::from_utc(OffsetDateTime::from_unix_timestamp(b).unwrap());
            prop_assert_eq!(ta.cmp(&tb), ta.to_db().cmp(&tb.to_db()));
        }
    }
}
