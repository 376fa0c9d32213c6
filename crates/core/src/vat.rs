//! VAT rates as data with effective dates.
//!
//! Rates change by law (the general rate went from 20 % to 22 % on
//! 2026-01-01), and a document must carry the rate in force on its own date,
//! not today's. So the rates are rows with a validity period that the database
//! keeps and an administrator can extend without a release; [`standard_rules`]
//! is only the seed. A document dated before a change keeps the old rate
//! forever, which is why the check takes the document's date, never the clock.

use crate::Day;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Reverse;
use std::fmt;
use time::macros::date;

/// A VAT rate as printed on a document: a percent, or "без НДС" (not subject to VAT).
///
/// "Без НДС" is not the same as 0 %: a zero rate is a taxable supply taxed at
/// zero (exports) and is reported as such, while "без НДС" is outside VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VatRate {
    None,
    Percent(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatError {
    #[error("is not a VAT rate: expected a percent from 0 to 99 or \"none\"")]
    BadRate,
    #[error("is not a tax regime: expected general, simplified5, simplified7 or exempt")]
    BadRegime,
    #[error("{rate} is not in force on {on} under the {regime} tax regime; allowed: {allowed}")]
    NotInForce {
        rate: String,
        on: Day,
        regime: &'static str,
        /// The rates that are allowed, highest first, or "none are in force".
        allowed: String,
    },
}

impl VatRate {
    /// The highest percent a rate can be. Keeps the arithmetic far from overflow
    /// and catches a typed "220" for "22".
    pub const MAX_PERCENT: u8 = 99;

    pub fn parse(s: &str) -> Result<VatRate, VatError> {
        let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = words.to_lowercase();
        if lower == "none" || lower == "без ндс" {
            return Ok(VatRate::None);
        }
        let digits = lower.strip_suffix('%').unwrap_or(&lower).trim_end();
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VatError::BadRate);
        }
        match digits.parse::<u8>() {
            Ok(p) if p <= Self::MAX_PERCENT => Ok(VatRate::Percent(p)),
            _ => Err(VatError::BadRate),
        }
    }

    /// The stable form only (`"none"`, `"22"`; surrounding spaces, any case
    /// of "none" and leading zeros allowed), as the catalog stores rates and
    /// its API takes them. What people type ("22 %", "без НДС") goes through
    /// [`VatRate::parse`].
    pub fn from_code(code: &str) -> Result<VatRate, VatError> {
        let code = code.trim();
        if code.eq_ignore_ascii_case("none") || code.bytes().all(|b| b.is_ascii_digit()) {
            VatRate::parse(code)
        } else {
            Err(VatError::BadRate)
        }
    }

    /// The stable form for the database and the API.
    pub fn code(self) -> String {
        match self {
            VatRate::None => "none".to_owned(),
            VatRate::Percent(p) => p.to_string(),
        }
    }

    /// The rate that applies; "без НДС" charges nothing.
    pub fn percent(self) -> Decimal {
        match self {
            VatRate::None => Decimal::ZERO,
            VatRate::Percent(p) => Decimal::from(p),
        }
    }

    /// As printed in the VAT column of a Russian document.
    pub fn label_ru(self) -> String {
        match self {
            VatRate::None => "Без НДС".to_owned(),
            VatRate::Percent(p) => format!("{p}%"),
        }
    }

    /// The percent as an integer, for the exact kopeck arithmetic in `pricing`.
    pub(crate) fn percent_u8(self) -> u8 {
        match self {
            VatRate::None => 0,
            VatRate::Percent(p) => p,
        }
    }

    /// Sorting key for lists shown to people: highest first, "без НДС" last.
    fn display_order(self) -> Reverse<VatRate> {
        Reverse(self)
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VatRate::None => f.write_str("none"),
            VatRate::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for VatRate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for VatRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = VatRate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a VAT rate: \"none\" or a percent such as \"22\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<VatRate, E> {
                VatRate::parse(v).map_err(E::custom)
            }
            // Clients that send `"vat": 22` mean the same as `"vat": "22"`.
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<VatRate, E> {
                match u8::try_from(v) {
                    Ok(p) if p <= VatRate::MAX_PERCENT => Ok(VatRate::Percent(p)),
                    _ => Err(E::custom(VatError::BadRate)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<VatRate, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(VatError::BadRate)),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl utoipa::PartialSchema for VatRate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A VAT percent (\"0\", \"5\", \"7\", \"10\", \"20\", \"22\") or \"none\" (без НДС)",
            ))
            .examples([serde_json::json!("22")])
            .into()
    }
}
impl utoipa::ToSchema for VatRate {}

/// The seller's tax regime: it decides which VAT rates its documents may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxRegime {
    /// ОСН.
    General,
    /// УСН paying VAT at the reduced 5 %.
    Simplified5,
    /// УСН paying VAT at the reduced 7 %.
    Simplified7,
    /// Exempt from VAT (УСН under the income threshold, art. 145): "без НДС".
    Exempt,
}

impl TaxRegime {
    pub const ALL: [TaxRegime; 4] = [
        TaxRegime::General,
        TaxRegime::Simplified5,
        TaxRegime::Simplified7,
        TaxRegime::Exempt,
    ];

    /// The codes of [`TaxRegime::ALL`], in the same order (for pickers).
    pub const CODES: [&'static str; 4] = [
        TaxRegime::ALL[0].as_str(),
        TaxRegime::ALL[1].as_str(),
        TaxRegime::ALL[2].as_str(),
        TaxRegime::ALL[3].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            TaxRegime::General => "general",
            TaxRegime::Simplified5 => "simplified5",
            TaxRegime::Simplified7 => "simplified7",
            TaxRegime::Exempt => "exempt",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One row of the rate table the database keeps (seeded from [`standard_rules`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatRule {
    pub rate: VatRate,
    pub regime: TaxRegime,
    /// First day the rate may be used; `None`: since always.
    pub valid_from: Option<Day>,
    /// Last day the rate may be used (inclusive); `None`: until further notice.
    pub valid_to: Option<Day>,
    /// Offered first on a new document of this regime.
    pub is_default: bool,
}

impl VatRule {
    pub fn in_force(&self, on: Day) -> bool {
        self.valid_from.is_none_or(|from| from <= on) && self.valid_to.is_none_or(|to| on <= to)
    }
}

/// The rates of the Tax Code as of 2026, to seed the table.
pub fn standard_rules() -> Vec<VatRule> {
    let rule = |regime, rate, valid_from, valid_to, is_default| VatRule {
        rate,
        regime,
        valid_from,
        valid_to,
        is_default,
    };
    let (last_20, first_22) = (Day(date!(2025 - 12 - 31)), Day(date!(2026 - 01 - 01)));
    use TaxRegime::*;
    use VatRate::Percent;
    vec![
        rule(General, Percent(20), None, Some(last_20), true),
        rule(General, Percent(22), Some(first_22), None, true),
        rule(General, Percent(10), None, None, false),
        rule(General, Percent(0), None, None, false),
        rule(Simplified5, Percent(5), None, None, true),
        rule(Simplified5, Percent(0), None, None, false),
        rule(Simplified7, Percent(7), None, None, true),
        rule(Simplified7, Percent(0), None, None, false),
        rule(Exempt, VatRate::None, None, None, true),
    ]
}

/// The rates a document of `regime` dated `on` may use, as a picker lists them.
pub fn rates_in_force(rules: &[VatRule], regime: TaxRegime, on: Day) -> Vec<VatRate> {
    let mut rates: Vec<VatRate> = rules
        .iter()
        .filter(|r| r.regime == regime && r.in_force(on))
        .map(|r| r.rate)
        .collect();
    rates.sort_by_key(|r| r.display_order());
    rates.dedup();
    rates
}

/// The rate a new line gets. When the table marks several defaults in force
/// (an overlap while an administrator edits it), the most recent one wins: a
/// new rate is introduced with a later `valid_from`.
pub fn default_rate(rules: &[VatRule], regime: TaxRegime, on: Day) -> Option<VatRate> {
    rules
        .iter()
        .filter(|r| r.regime == regime && r.is_default && r.in_force(on))
        .max_by_key(|r| (r.valid_from, r.rate))
        .map(|r| r.rate)
}

/// Whether a document dated `on` may use `rate`: a 2026 document under the
/// general regime cannot carry 20 %, nor a 2025 one 22 %.
pub fn check_rate(
    rules: &[VatRule],
    regime: TaxRegime,
    on: Day,
    rate: VatRate,
) -> Result<(), VatError> {
    let allowed = rates_in_force(rules, regime, on);
    if allowed.contains(&rate) {
        return Ok(());
    }
    let allowed = if allowed.is_empty() {
        "none are in force".to_owned()
    } else {
        allowed
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(VatError::NotInForce {
        rate: rate.to_string(),
        on,
        regime: regime.as_str(),
        allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    #[test]
    fn parses_rates_as_people_type_them() {
        assert_eq!(VatRate::parse("22"), Ok(VatRate::Percent(22)));
        assert_eq!(VatRate::parse(" 22 % "), Ok(VatRate::Percent(22)));
        assert_eq!(VatRate::parse("0%"), Ok(VatRate::Percent(0)));
        assert_eq!(VatRate::parse("none"), Ok(VatRate::None));
        assert_eq!(VatRate::parse("NONE"), Ok(VatRate::None));
        assert_eq!(VatRate::parse("Без НДС"), Ok(VatRate::None));
        assert_eq!(VatRate::parse("БЕЗ  НДС"), Ok(VatRate::None));
        for bad in ["", "%", "100", "220", "-5", "22.5", "двадцать", "1000"] {
            assert_eq!(VatRate::parse(bad), Err(VatError::BadRate), "{bad}");
        }
    }

    #[test]
    fn codes_are_stricter_than_what_people_type() {
        assert_eq!(VatRate::from_code(" 05 "), Ok(VatRate::Percent(5)));
        assert_eq!(VatRate::from_code("NONE"), Ok(VatRate::None));
        for bad in [
            "",
            "100",
            "-1",
            "20%",
            "2.5",
            "abc",
            "+5",
            "0022",
            "без НДС",
        ] {
            assert_eq!(VatRate::from_code(bad), Err(VatError::BadRate), "{bad}");
        }
    }

    #[test]
    fn codes_labels_and_percents() {
        assert_eq!(VatRate::Percent(22).code(), "22");
        assert_eq!(VatRate::None.code(), "none");
        assert_eq!(VatRate::Percent(22).label_ru(), "22%");
        assert_eq!(VatRate::None.label_ru(), "Без НДС");
        assert_eq!(VatRate::None.percent(), Decimal::ZERO);
        assert_eq!(VatRate::Percent(7).percent(), Decimal::from(7));
    }

    #[test]
    fn serde_as_strings() {
        let json = serde_json::to_string(&[VatRate::None, VatRate::Percent(22)]).unwrap();
        assert_eq!(json, r#"["none","22"]"#);
        let back: Vec<VatRate> = serde_json::from_str(r#"["none","22", 10, "без НДС"]"#).unwrap();
        assert_eq!(
            back,
            [
                VatRate::None,
                VatRate::Percent(22),
                VatRate::Percent(10),
                VatRate::None
            ]
        );
        assert!(serde_json::from_str::<VatRate>("\"120\"").is_err());
        assert!(serde_json::from_str::<VatRate>("120").is_err());
        assert!(serde_json::from_str::<VatRate>("-1").is_err());
        assert_eq!(
            serde_json::to_string(&TaxRegime::Simplified5).unwrap(),
            "\"simplified5\""
        );
    }

    #[test]
    fn regimes_round_trip() {
        for r in TaxRegime::ALL {
            assert_eq!(TaxRegime::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        assert_eq!(TaxRegime::parse("usn"), None);
    }

    #[test]
    fn general_rate_changes_on_new_year_2026() {
        let rules = standard_rules();
        let p = VatRate::Percent;
        assert_eq!(
            rates_in_force(&rules, TaxRegime::General, day("2025-12-31")),
            [p(20), p(10), p(0)]
        );
        assert_eq!(
            rates_in_force(&rules, TaxRegime::General, day("2026-01-01")),
            [p(22), p(10), p(0)]
        );
        assert_eq!(
            default_rate(&rules, TaxRegime::General, day("2025-06-30")),
            Some(p(20))
        );
        assert_eq!(
            default_rate(&rules, TaxRegime::General, day("2026-01-01")),
            Some(p(22))
        );
    }

    #[test]
    fn other_regimes() {
        let rules = standard_rules();
        let on = day("2026-03-01");
        let p = VatRate::Percent;
        assert_eq!(
            rates_in_force(&rules, TaxRegime::Simplified5, on),
            [p(5), p(0)]
        );
        assert_eq!(
            rates_in_force(&rules, TaxRegime::Simplified7, on),
            [p(7), p(0)]
        );
        assert_eq!(
            rates_in_force(&rules, TaxRegime::Exempt, on),
            [VatRate::None]
        );
        assert_eq!(default_rate(&rules, TaxRegime::Simplified5, on), Some(p(5)));
        assert_eq!(default_rate(&rules, TaxRegime::Simplified7, on), Some(p(7)));
        assert_eq!(
            default_rate(&rules, TaxRegime::Exempt, on),
            Some(VatRate::None)
        );
        assert_eq!(default_rate(&[], TaxRegime::General, on), None);
    }

    #[test]
    fn check_refuses_rates_out_of_force_and_names_the_allowed_ones() {
        let rules = standard_rules();
        let g = TaxRegime::General;
        assert!(check_rate(&rules, g, day("2025-12-31"), VatRate::Percent(20)).is_ok());
        let err = check_rate(&rules, g, day("2026-01-01"), VatRate::Percent(20)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "20% is not in force on 2026-01-01 under the general tax regime; allowed: 22%, 10%, 0%"
        );
        let err = check_rate(&rules, g, day("2025-05-05"), VatRate::Percent(22)).unwrap_err();
        assert!(err.to_string().contains("allowed: 20%, 10%, 0%"), "{err}");
        assert!(check_rate(&rules, g, day("2026-05-05"), VatRate::None).is_err());
        assert!(
            check_rate(
                &rules,
                TaxRegime::Exempt,
                day("2026-05-05"),
                VatRate::Percent(0)
            )
            .is_err()
        );
        let err = check_rate(&[], g, day("2026-05-05"), VatRate::Percent(22)).unwrap_err();
        assert!(err.to_string().ends_with("none are in force"), "{err}");
    }

    #[test]
    fn overlapping_defaults_pick_the_newest() {
        let mut rules = standard_rules();
        // An administrator adds 22 % early, before closing 20 %.
        rules.push(VatRule {
            rate: VatRate::Percent(22),
            regime: TaxRegime::General,
            valid_from: Some(day("2025-12-01")),
            valid_to: None,
            is_default: true,
        });
        assert_eq!(
            default_rate(&rules, TaxRegime::General, day("2025-12-15")),
            Some(VatRate::Percent(22))
        );
        assert_eq!(
            rates_in_force(&rules, TaxRegime::General, day("2026-02-01")),
            [
                VatRate::Percent(22),
                VatRate::Percent(10),
                VatRate::Percent(0)
            ]
        );
    }

    proptest! {
        #[test]
        fn code_round_trips(p in 0u8..=99) {
            let r = VatRate::Percent(p);
            prop_assert_eq!(VatRate::parse(&r.code()), Ok(r));
            prop_assert_eq!(VatRate::from_code(&r.code()), Ok(r));
            prop_assert_eq!(VatRate::parse(&r.label_ru()), Ok(r));
            prop_assert_eq!(VatRate::parse(&r.to_string()), Ok(r));
        }

        #[test]
        fn in_force_lists_are_sorted_and_contain_the_default(
            regime in 0usize..4, y in 2020i32..2030, doy in 1u16..=365
        ) {
            let rules = standard_rules();
            let on = Day(time::Date::from_ordinal_date(y, doy).unwrap());
            let regime = TaxRegime::ALL[regime];
            let rates = rates_in_force(&rules, regime, on);
            prop_assert!(rates.windows(2).all(|w| w[0] > w[1]));
            let default = default_rate(&rules, regime, on).unwrap();
            prop_assert!(rates.contains(&default));
            for r in &rates {
                prop_assert!(check_rate(&rules, regime, on, *r).is_ok());
            }
        }
    }
}
