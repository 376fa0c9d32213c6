//! The records of the sales cycle.
//!
//! Each entity is split in two: `XData`, the fields a user writes (validated
//! and normalized by [`RecordData::validate`]), and `X`, the stored record:
//! the data plus what only the system sets (id, status bookkeeping, [`Meta`]).
//! An update is "old data + the fields the user sent", validated again as a
//! whole, so a rule can never be dodged by sending one field at a time; a
//! rule added later for values as they are written
//! ([`RecordData::check_written`]) holds every new value, not one stored
//! before it.

mod account;
mod activity;
mod catalog;
mod contact;
mod deal;
mod document;
mod lead;
mod misc;
mod pipeline;
mod user;

pub use account::*;
pub use activity::*;
pub use catalog::*;
pub use contact::*;
pub use deal::*;
pub use document::*;
pub use lead::*;
pub use misc::*;
pub use pipeline::*;
pub use user::*;

use crate::error::{FieldErrors, Invalid};
use crate::msg;
use crate::{Day, Timestamp, email, legal, phone, text};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub type Id = i64;

/// Who owns a record and who touched it when. Every sales record has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Meta {
    /// The responsible user (ответственный).
    pub owner_id: Id,
    pub created_at: Timestamp,
    pub created_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

/// What a user may write to a record, and the rules it must satisfy.
pub trait RecordData: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Normalizes (trims, formats phones, lowercases e-mails…) and checks every
    /// field, reporting all problems at once.
    fn validate(self) -> Result<Self, Invalid>;

    /// Rules about a change from `old` to `self` (state machines). Runs after `validate`.
    fn check_change(&self, _old: &Self) -> Result<(), Invalid> {
        Ok(())
    }

    /// Rules a value meets when it is written: on an update (`old` the
    /// stored data) a value left as stored is not held to them, so one
    /// saved before a rule existed does not block every other edit of its
    /// record; a new value always is. Reported with `validate`'s problems.
    fn check_written(&self, _old: Option<&Self>) -> Result<(), Invalid> {
        Ok(())
    }
}

/// The data normalized and checked ([`RecordData::validate`]) and its
/// written values checked against the stored ones
/// ([`RecordData::check_written`]), every problem of both at once.
pub fn validate_written<D: RecordData>(data: D, old: Option<&D>) -> Result<D, Invalid> {
    let written = data.check_written(old);
    match (data.validate(), written) {
        (Ok(d), Ok(())) => Ok(d),
        (Ok(_), Err(e)) | (Err(e), Ok(())) => Err(e),
        (Err(Invalid(mut all)), Err(Invalid(more))) => {
            for (field, m) in more.into_messages() {
                all.add(field, m);
            }
            Err(Invalid(all))
        }
    }
}

/// The kinds of record that can be referenced from activities, notes, the
/// audit log and search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Lead,
    Account,
    Contact,
    Deal,
    Activity,
    Note,
    Pipeline,
    Stage,
    User,
    Team,
    Competitor,
    Lookup,
    Token,
    Product,
    PriceBook,
    Company,
    Quote,
    SalesOrder,
    Invoice,
    Act,
    Shipment,
    Payment,
}

impl EntityKind {
    pub const ALL: [EntityKind; 22] = [
        EntityKind::Lead,
        EntityKind::Account,
        EntityKind::Contact,
        EntityKind::Deal,
        EntityKind::Activity,
        EntityKind::Note,
        EntityKind::Pipeline,
        EntityKind::Stage,
        EntityKind::User,
        EntityKind::Team,
        EntityKind::Competitor,
        EntityKind::Lookup,
        EntityKind::Token,
        EntityKind::Product,
        EntityKind::PriceBook,
        EntityKind::Company,
        EntityKind::Quote,
        EntityKind::SalesOrder,
        EntityKind::Invoice,
        EntityKind::Act,
        EntityKind::Shipment,
        EntityKind::Payment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Lead => "lead",
            EntityKind::Account => "account",
            EntityKind::Contact => "contact",
            EntityKind::Deal => "deal",
            EntityKind::Activity => "activity",
            EntityKind::Note => "note",
            EntityKind::Pipeline => "pipeline",
            EntityKind::Stage => "stage",
            EntityKind::User => "user",
            EntityKind::Team => "team",
            EntityKind::Competitor => "competitor",
            EntityKind::Lookup => "lookup",
            EntityKind::Token => "token",
            EntityKind::Product => "product",
            EntityKind::PriceBook => "price_book",
            EntityKind::Company => "company",
            EntityKind::Quote => "quote",
            EntityKind::SalesOrder => "sales_order",
            EntityKind::Invoice => "invoice",
            EntityKind::Act => "act",
            EntityKind::Shipment => "shipment",
            EntityKind::Payment => "payment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Records a customer relationship is made of: these can carry activities and notes.
    pub fn is_sales_record(self) -> bool {
        matches!(
            self,
            EntityKind::Lead | EntityKind::Account | EntityKind::Contact | EntityKind::Deal
        )
    }
}

/// The legal details an account and our company share.
pub(crate) struct LegalDetails {
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub ogrn: Option<String>,
    pub bic: Option<String>,
    pub settlement: Option<String>,
    pub correspondent: Option<String>,
}

/// Validation helpers shared by the entity modules.
pub(crate) struct Check {
    pub errors: FieldErrors,
}

impl Check {
    pub fn new() -> Self {
        Check {
            errors: FieldErrors::new(),
        }
    }

    pub fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let value = text::clean(value)?;
        if value.chars().count() > max {
            self.errors.add(field, msg::TOO_LONG.with("max", max));
        }
        Some(value)
    }

    /// A day the user sets on a record, within [`crate::datetime::YEARS`].
    pub fn day(&mut self, field: &str, value: Option<Day>) -> Option<Day> {
        if value.is_some_and(|d| !d.is_plausible()) {
            self.errors.add(field, msg::DATE_RANGE);
        }
        value
    }

    /// A moment the user sets on a record, within [`crate::datetime::YEARS`].
    pub fn instant(&mut self, field: &str, value: Option<Timestamp>) -> Option<Timestamp> {
        if value.is_some_and(|t| !t.is_plausible()) {
            self.errors.add(field, msg::DATE_RANGE);
        }
        value
    }

    /// [`Check::day`] for a value as written, unless it is the `stored` one.
    pub fn day_written(&mut self, field: &str, value: Option<Day>, stored: Option<Option<Day>>) {
        if stored != Some(value) {
            self.day(field, value);
        }
    }

    /// [`Check::instant`] for a value as written, unless it is the `stored` one.
    pub fn instant_written(
        &mut self,
        field: &str,
        value: Option<Timestamp>,
        stored: Option<Option<Timestamp>>,
    ) {
        if stored != Some(value) {
            self.instant(field, value);
        }
    }

    /// Multi-line text keeps its line breaks; only the ends are trimmed.
    pub fn long_text(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value?.trim().to_owned();
        if value.is_empty() {
            return None;
        }
        if value.chars().count() > 20_000 {
            self.errors.add(field, msg::TOO_LONG.with("max", 20_000));
        }
        Some(value)
    }

    pub fn required(&mut self, field: &str, value: Option<String>, max: usize) -> String {
        match self.text(field, value, max) {
            Some(v) => v,
            None => {
                self.errors.add(field, msg::REQUIRED);
                String::new()
            }
        }
    }

    pub fn phones(&mut self, field: &str, values: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            if v.trim().is_empty() {
                continue;
            }
            match phone::normalize_phone(v.trim()) {
                Ok(p) if !out.contains(&p) => out.push(p),
                Ok(_) => {}
                Err(e) => self.errors.add(format!("{field}[{i}]"), e),
            }
        }
        out
    }

    pub fn emails(&mut self, field: &str, values: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            if v.trim().is_empty() {
                continue;
            }
            match email::normalize_email(&v) {
                Ok(e) if !out.contains(&e) => out.push(e),
                Ok(_) => {}
                Err(e) => self.errors.add(format!("{field}[{i}]"), e),
            }
        }
        out
    }

    pub fn website(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = self.text(field, value, 500)?;
        if v.contains(char::is_whitespace) || !v.contains('.') {
            self.errors.add(field, msg::NOT_URL);
        }
        Some(v)
    }

    /// Russian legal details, spaces removed and each checked by its rule;
    /// bank accounts are checked against the BIC (and need one).
    pub fn legal_details(&mut self, d: LegalDetails) -> LegalDetails {
        fn compact(v: Option<String>) -> Option<String> {
            v.map(|s| s.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                .filter(|s| !s.is_empty())
        }
        let out = LegalDetails {
            inn: compact(d.inn),
            kpp: compact(d.kpp).map(|s| s.to_uppercase()),
            ogrn: compact(d.ogrn),
            bic: compact(d.bic),
            settlement: compact(d.settlement),
            correspondent: compact(d.correspondent),
        };
        if let Some(v) = &out.inn {
            self.errors.check("inn", legal::validate_inn(v));
        }
        if let Some(v) = &out.kpp {
            self.errors.check("kpp", legal::validate_kpp(v));
        }
        if let Some(v) = &out.ogrn {
            self.errors.check("ogrn", legal::validate_ogrn_or_ogrnip(v));
        }
        if let Some(v) = &out.bic {
            self.errors.check("bic", legal::validate_bic(v));
        }
        for (field, account, rule) in [
            (
                "settlement_account",
                &out.settlement,
                legal::validate_settlement_account as fn(&str, &str) -> _,
            ),
            (
                "correspondent_account",
                &out.correspondent,
                legal::validate_correspondent_account,
            ),
        ] {
            if let Some(account) = account {
                match &out.bic {
                    Some(bic) if legal::validate_bic(bic).is_ok() => {
                        self.errors.check(field, rule(account, bic));
                    }
                    Some(_) => {}
                    None => self.errors.add("bic", msg::BIC_FOR_ACCOUNTS),
                }
            }
        }
        out
    }

    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        self.errors.finish().map(|()| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_kinds_round_trip() {
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(k.as_str().into())
            );
        }
    }

    #[test]
    fn days_and_moments_outside_the_years_are_named() {
        let mut c = Check::new();
        let day = |s| Day::parse(s).ok();
        let at = |s| Timestamp::parse(s).ok();
        assert_eq!(c.day("a", day("1900-01-01")), day("1900-01-01"));
        assert_eq!(c.day("b", day("2199-12-31")), day("2199-12-31"));
        c.day("c", day("1899-12-31"));
        c.day("d", day("2200-01-01"));
        c.day("e", None);
        c.instant("f", at("2026-11-23T10:00:00Z"));
        c.instant("g", at("0001-01-01T00:00:00Z"));
        let errors = c.errors.into_map();
        let named: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(named, ["c", "d", "g"]);
    }

    #[test]
    fn phones_are_normalized_deduplicated_and_bad_ones_named() {
        let mut c = Check::new();
        let phones = c.phones(
            "phones",
            vec![
                "8 (495) 123-45-67".into(),
                "+74951234567".into(),
                "".into(),
                "hello".into(),
            ],
        );
        assert_eq!(phones, vec!["+74951234567".to_string()]);
        let errors = c.errors.into_map();
        assert!(errors.contains_key("phones[3]"), "{errors:?}");
    }
}
