use super::{Check, Id, Meta, RecordData, StageKind};
use crate::money::{self, Currency};
use crate::msg;
use crate::{Day, Invalid, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A sale in progress (сделка, возможная сделка).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealData {
    #[serde(default)]
    pub title: String,
    /// The customer: an account, a contact, or both.
    #[serde(default)]
    pub account_id: Option<Id>,
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// Defaults to the default pipeline.
    #[serde(default)]
    pub pipeline_id: Option<Id>,
    /// Defaults to the pipeline's first open stage. Changing it on update moves the deal.
    #[serde(default)]
    pub stage_id: Option<Id>,
    /// Expected revenue.
    #[serde(default)]
    #[schema(value_type = String, example = "150000.00")]
    pub amount: Decimal,
    /// One of the catalogue's currencies; a new deal that names none is in
    /// the company's own (the store fills it in before this default, which
    /// only parsing without a database sees).
    #[serde(default = "Currency::rub")]
    pub currency: Currency,
    /// Overrides the stage's probability when set, percent.
    #[serde(default)]
    pub probability: Option<i64>,
    #[serde(default)]
    pub expected_close_date: Option<Day>,
    #[serde(default)]
    pub source_id: Option<Id>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deal {
    pub id: Id,
    #[serde(flatten)]
    pub data: DealData,
    /// Follows the kind of the current stage.
    pub status: StageKind,
    /// The probability in force: the override, else the stage's.
    pub effective_probability: i64,
    pub closed_at: Option<Timestamp>,
    pub loss_reason_id: Option<Id>,
    pub loss_reason: Option<String>,
    #[serde(flatten)]
    pub meta: Meta,
}

impl RecordData for DealData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        c.errors
            .check("amount", money::to_minor_non_negative(self.amount));
        if let Some(p) = self.probability
            && !(0..=100).contains(&p)
        {
            c.errors.add("probability", msg::PERCENT);
        }
        if self.account_id.is_none() && self.contact_id.is_none() {
            c.errors.add("account_id", msg::DEAL_NEEDS_CUSTOMER);
        }
        let out = DealData {
            title: c.required("title", Some(self.title), 300),
            account_id: self.account_id,
            contact_id: self.contact_id,
            pipeline_id: self.pipeline_id,
            stage_id: self.stage_id,
            amount: self.amount.normalize(),
            currency: self.currency,
            probability: self.probability,
            expected_close_date: self.expected_close_date,
            source_id: self.source_id,
            description: c.long_text("description", self.description),
        };
        c.finish(out)
    }

    fn check_written(&self, old: Option<&Self>) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.day_written(
            "expected_close_date",
            self.expected_close_date,
            old.map(|o| o.expected_close_date),
        );
        c.finish(())
    }

    fn check_change(&self, old: &Self) -> Result<(), Invalid> {
        if old.pipeline_id.is_some()
            && self.pipeline_id != old.pipeline_id
            && self.stage_id == old.stage_id
        {
            return Err(Invalid::field("stage_id", msg::DEAL_STAGE_FOR_PIPELINE));
        }
        Ok(())
    }
}

/// The probability a deal carries: its own override, else its stage's.
pub fn effective_probability(own: Option<i64>, stage: i64) -> i64 {
    own.unwrap_or(stage)
}

/// How a deal is closed: `won`, or `lost` with a reason from the list, free text, or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseDeal {
    pub outcome: Outcome,
    /// An entry of the admin-defined loss reason list.
    #[serde(default)]
    pub reason_id: Option<Id>,
    /// Free text, alone or beside `reason_id`.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    Lost,
}

/// A validated loss reason.
#[derive(Debug, Clone, PartialEq)]
pub struct LossReason {
    pub reason_id: Option<Id>,
    pub reason: Option<String>,
}

/// A lost deal must say why; a won one must not carry a reason.
pub fn check_loss_reason(
    kind: StageKind,
    reason_id: Option<Id>,
    reason: Option<String>,
) -> Result<Option<LossReason>, Invalid> {
    let reason = crate::text::clean(reason);
    match kind {
        StageKind::Lost => {
            if reason_id.is_none() && reason.is_none() {
                return Err(Invalid::field("reason", msg::DEAL_LOST_REASON));
            }
            if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
                return Err(Invalid::field("reason", msg::TOO_LONG.with("max", 1000)));
            }
            Ok(Some(LossReason { reason_id, reason }))
        }
        _ if reason_id.is_some() || reason.is_some() => {
            Err(Invalid::field("reason", msg::DEAL_REASON_ONLY_LOST))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn deal() -> DealData {
        serde_json::from_value(
            serde_json::json!({"title": "Поставка", "account_id": 1, "amount": "150000.50"}),
        )
        .unwrap()
    }

    #[test]
    fn a_deal_needs_title_customer_and_sane_amount() {
        let d: DealData = serde_json::from_value(serde_json::json!({"amount": "-5"})).unwrap();
        let f = d.validate().unwrap_err().0.into_map();
        for k in ["title", "account_id", "amount"] {
            assert!(f.contains_key(k), "{k}: {f:?}");
        }
        let ok = deal().validate().unwrap();
        assert_eq!(ok.currency.as_str(), "RUB");
        assert_eq!(ok.amount.to_string(), "150000.5");
    }

    #[test]
    fn lost_needs_a_reason() {
        assert!(check_loss_reason(StageKind::Lost, None, Some("  ".into())).is_err());
        assert!(
            check_loss_reason(StageKind::Lost, Some(3), None)
                .unwrap()
                .is_some()
        );
        assert!(
            check_loss_reason(StageKind::Won, None, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn kopeck_fractions_are_refused() {
        let mut d = deal();
        d.amount = Decimal::new(1001, 3);
        assert!(
            d.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("amount")
        );
    }

    #[test]
    fn an_expected_close_date_names_a_year_a_forecast_can_show() {
        let mut d = deal();
        d.title = String::new();
        d.expected_close_date = Day::parse("9999-12-31").ok();
        let f = super::super::validate_written(d.clone(), None)
            .unwrap_err()
            .0
            .into_map();
        // With every other problem at once.
        assert_eq!(
            f.get("expected_close_date").cloned(),
            Some("must fall in the years 1900 to 2199".to_owned())
        );
        assert!(f.contains_key("title"), "{f:?}");
        // A day stored before the bound stays through other edits; a new
        // day out of range does not pass.
        d.title = "Поставка".into();
        let mut stored = d.clone();
        assert!(super::super::validate_written(d.clone(), Some(&stored)).is_ok());
        stored.expected_close_date = Day::parse("2026-05-20").ok();
        assert!(super::super::validate_written(d, Some(&stored)).is_err());
    }

    proptest! {
        #[test]
        fn an_expected_close_date_is_kept_within_the_years_and_refused_outside(
            year in 1i32..=9999, ordinal in 1u16..=365
        ) {
            let mut d = deal();
            let day = time::Date::from_ordinal_date(year, ordinal).map(Day).ok();
            d.expected_close_date = day;
            match super::super::validate_written(d, None) {
                Ok(v) => {
                    prop_assert!((1900..=2199).contains(&year));
                    prop_assert_eq!(v.expected_close_date, day);
                }
                Err(e) => {
                    prop_assert!(!(1900..=2199).contains(&year));
                    prop_assert!(e.0.into_map().contains_key("expected_close_date"));
                }
            }
        }

        #[test]
        fn effective_probability_prefers_override(own in proptest::option::of(0i64..=100), stage in 0i64..=100) {
            let p = effective_probability(own, stage);
            prop_assert_eq!(p, own.unwrap_or(stage));
        }

        #[test]
        fn valid_amounts_round_trip_through_kopecks(minor in 0i64..1_000_000_000_000) {
            let mut d = deal();
            d.amount = money::from_minor(minor);
            let v = d.validate().unwrap();
            prop_assert_eq!(money::to_minor(v.amount).unwrap(), minor);
        }
    }
}
