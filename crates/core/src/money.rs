//! Exact money.
//!
//! Amounts are `rust_decimal::Decimal` in memory and integer minor units
//! (kopecks, cents) in the database, beside a currency code: SQLite has no
//! decimal type, and integers let both backends compare, sort and sum exactly.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Minor units per major unit for every currency we accept (all have 2 decimals).
const SCALE: u32 = 2;
/// Far above any sales amount, far below i64's limit so sums of a million deals cannot overflow.
const MAX_MINOR: i64 = 1_000_000_000_000_000; // 10^13 major units

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must not have more than 2 digits after the decimal point")]
    TooPrecise,
    #[error("is too large")]
    TooLarge,
    #[error("must not be negative")]
    Negative,
    #[error("must be a three-letter ISO 4217 currency code such as RUB")]
    BadCurrency,
}

/// An ISO 4217 code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "RUB")]
pub struct Currency(String);

impl Currency {
    pub fn rub() -> Self {
        Currency("RUB".into())
    }
    pub fn parse(s: &str) -> Result<Self, MoneyError> {
        let up = s.trim().to_ascii_uppercase();
        if up.len() == 3 && up.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(up))
        } else {
            Err(MoneyError::BadCurrency)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, MoneyError> {
        Currency::parse(&s)
    }
}
impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    #[schema(value_type = String, example = "150000.00")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// Converts an amount to minor units, refusing what would lose precision.
pub fn to_minor(amount: Decimal) -> Result<i64, MoneyError> {
    let normalized = amount.normalize();
    if normalized.scale() > SCALE {
        return Err(MoneyError::TooPrecise);
    }
    let minor = normalized
        .checked_mul(Decimal::from(10i64.pow(SCALE)))
        .ok_or(MoneyError::TooLarge)?;
    let minor: i64 = minor.trunc().try_into().map_err(|_| MoneyError::TooLarge)?;
    if minor.abs() > MAX_MINOR {
        return Err(MoneyError::TooLarge);
    }
    Ok(minor)
}

/// Like [`to_minor`] for amounts that can never be below zero (deal amounts, limits).
pub fn to_minor_non_negative(amount: Decimal) -> Result<i64, MoneyError> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(MoneyError::Negative);
    }
    to_minor(amount)
}

pub fn from_minor(minor: i64) -> Decimal {
    Decimal::new(minor, SCALE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn kopecks_exact() {
        assert_eq!(to_minor(Decimal::from_str("99.99").unwrap()), Ok(9999));
        assert_eq!(to_minor(Decimal::from_str("100").unwrap()), Ok(10000));
        assert_eq!(to_minor(Decimal::from_str("1.230").unwrap()), Ok(123));
        assert_eq!(
            to_minor(Decimal::from_str("0.001").unwrap()),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            to_minor_non_negative(Decimal::from_str("-1").unwrap()),
            Err(MoneyError::Negative)
        );
        assert_eq!(from_minor(123456789).to_string(), "1234567.89");
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse(" rub ").unwrap().as_str(), "RUB");
        assert!(Currency::parse("RU").is_err());
        assert!(Currency::parse("РУБ").is_err());
    }

    proptest! {
        #[test]
        fn minor_round_trip(minor in -MAX_MINOR..=MAX_MINOR) {
            prop_assert_eq!(to_minor(from_minor(minor)), Ok(minor));
        }

        #[test]
        fn minor_preserves_order(a in -MAX_MINOR..=MAX_MINOR, b in -MAX_MINOR..=MAX_MINOR) {
            prop_assert_eq!(from_minor(a).cmp(&from_minor(b)), a.cmp(&b));
        }
    }
}
