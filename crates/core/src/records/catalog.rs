//! The catalog (products, units, price books, currencies and their rates,
//! VAT rates with effective dates) and our own company's legal details.
//!
//! VAT rates, tax regimes and invoice number formats keep their stable
//! codes here (`"22"`, `"none"`; `general`, `simplified5`, `simplified7`,
//! `exempt`; `{year}-{seq:05}`), checked with the typed forms of
//! [`crate::vat`] and [`crate::documents::NumberFormat`], so a bad value is
//! reported on its field together with every other problem of the record.

use super::{Check, Id, LegalDetails, RecordData};
use crate::documents::NumberFormat;
use crate::money::{self, Currency};
use crate::vat::{self, TaxRegime, VatError, VatRule};
use crate::{Day, Invalid, Timestamp, email, msg, phone};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exchange rate as the administrator enters it: more than zero, at most
/// six decimal places, below a billion.
pub fn check_exchange_rate(rate: Decimal) -> Result<Decimal, msg::MessageDef> {
    let rate = rate.normalize();
    if rate <= Decimal::ZERO {
        return Err(msg::RATE_POSITIVE);
    }
    if rate.scale() > 6 {
        return Err(msg::RATE_SCALE);
    }
    if rate >= Decimal::from(1_000_000_000i64) {
        return Err(msg::MONEY_TOO_LARGE);
    }
    Ok(rate)
}

fn tax_regime(code: &str) -> Result<TaxRegime, VatError> {
    TaxRegime::parse(code).ok_or(VatError::BadRegime)
}

// ---------------------------------------------------------------- units

/// A unit of measure with its OKEI code (796 шт, 356 ч, 166 кг …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    /// OKEI code.
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub position: i64,
}

// ---------------------------------------------------------------- products

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    Goods,
    Service,
}

impl ProductKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Goods => "goods",
            ProductKind::Service => "service",
        }
    }
}

fn goods() -> ProductKind {
    ProductKind::Goods
}
fn pieces() -> String {
    "796".into()
}
fn general_vat() -> String {
    vat::VatRate::Percent(22).code()
}
fn yes() -> bool {
    true
}

/// Goods or a service we sell (товар, услуга, номенклатура).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductData {
    #[serde(default = "goods")]
    pub kind: ProductKind,
    #[serde(default)]
    pub name: String,
    /// Article (артикул); unique when given.
    #[serde(default)]
    pub sku: Option<String>,
    /// OKEI code of the unit of measure (796 = шт).
    #[serde(default = "pieces")]
    pub unit_code: String,
    #[serde(default)]
    #[schema(value_type = String, example = "1500.00")]
    pub price: Decimal,
    #[serde(default)]
    #[schema(value_type = String, example = "900.00")]
    pub cost: Decimal,
    #[serde(default = "Currency::rub")]
    pub currency: Currency,
    /// `none` or a whole percent: `22`, `10`, `0` …
    #[serde(default = "general_vat")]
    pub vat_rate: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub id: Id,
    #[serde(flatten)]
    pub data: ProductData,
    pub created_at: Timestamp,
    pub created_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

impl RecordData for ProductData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        c.errors
            .check("price", money::to_minor_non_negative(self.price));
        c.errors
            .check("cost", money::to_minor_non_negative(self.cost));
        let vat_rate = c
            .errors
            .check("vat_rate", vat::VatRate::from_code(&self.vat_rate))
            .map_or(self.vat_rate, |r| r.code());
        let unit_code = self.unit_code.trim().to_owned();
        if unit_code.is_empty() {
            c.errors.add("unit_code", msg::REQUIRED);
        }
        let sku = c.text("sku", self.sku, 64);
        let out = ProductData {
            kind: self.kind,
            name: c.required("name", Some(self.name), 300),
            sku,
            unit_code,
            price: self.price.normalize(),
            cost: self.cost.normalize(),
            currency: self.currency,
            vat_rate,
            category: c.text("category", self.category, 200),
            active: self.active,
            description: c.long_text("description", self.description),
        };
        c.finish(out)
    }
}

/// What a document line takes from the catalog when it names a product: the
/// price book's price if the book has one, else the product's own.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProductPrice {
    pub product_id: Id,
    pub name: String,
    pub kind: ProductKind,
    pub unit_code: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    pub vat_rate: String,
    /// The currency of `price`: the book's when the price came from a book.
    pub currency: Currency,
    /// The book the price came from; `None` for the product's own price.
    pub price_book_id: Option<Id>,
}

// ---------------------------------------------------------------- price books

/// A price list (прайс-лист): a price per product in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBookData {
    #[serde(default)]
    pub name: String,
    #[serde(default = "Currency::rub")]
    pub currency: Currency,
    /// Exactly one book is the default; making one the default unsets the other.
    #[serde(default)]
    pub is_default: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceBook {
    pub id: Id,
    #[serde(flatten)]
    pub data: PriceBookData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl RecordData for PriceBookData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = PriceBookData {
            name: c.required("name", Some(self.name), 200),
            currency: self.currency,
            is_default: self.is_default,
            active: self.active,
        };
        c.finish(out)
    }
}

/// A product's price in a price book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceBookEntry {
    pub price_book_id: Id,
    pub product_id: Id,
    pub product_name: String,
    pub sku: Option<String>,
    pub unit_code: String,
    #[schema(value_type = String, example = "1200.00")]
    pub price: Decimal,
    /// The book's currency.
    pub currency: Currency,
}

/// The body of `PUT /price-books/{id}/entries/{product_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    #[schema(value_type = String, example = "1200.00")]
    pub price: Decimal,
}

impl PriceInput {
    pub fn validate(self) -> Result<Decimal, Invalid> {
        money::to_minor_non_negative(self.price)
            .map(|_| self.price.normalize())
            .map_err(|e| Invalid::field("price", e))
    }
}

// ---------------------------------------------------------------- VAT rates

/// A VAT rate a regime may use, from `valid_from` to `valid_to` (both
/// inclusive, open when empty). `is_default` marks the rate new lines get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VatRateData {
    #[serde(default)]
    pub regime: String,
    /// `none` or a whole percent.
    #[serde(default)]
    pub rate: String,
    #[serde(default)]
    pub valid_from: Option<Day>,
    #[serde(default)]
    pub valid_to: Option<Day>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VatRate {
    pub id: Id,
    #[serde(flatten)]
    pub data: VatRateData,
}

impl VatRateData {
    /// Whether the rate applies on `day`.
    pub fn applies_on(&self, day: Day) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

impl VatRateData {
    /// The row as the typed rule pricing reads; `None` for codes that do not
    /// parse (a row written before they were checked).
    pub fn rule(&self) -> Option<VatRule> {
        Some(VatRule {
            rate: vat::VatRate::from_code(&self.rate).ok()?,
            regime: TaxRegime::parse(&self.regime)?,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            is_default: self.is_default,
        })
    }
}

impl RecordData for VatRateData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let regime = self.regime.trim().to_owned();
        c.errors.check("regime", tax_regime(&regime));
        let rate = c
            .errors
            .check("rate", vat::VatRate::from_code(&self.rate))
            .map_or(self.rate, |r| r.code());
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            c.errors.add("valid_to", msg::VALID_TO_BEFORE_FROM);
        }
        c.finish(VatRateData {
            regime,
            rate,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            is_default: self.is_default,
        })
    }
}

// ---------------------------------------------------------------- currencies

/// A currency documents and prices may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrencyData {
    pub code: Currency,
    #[serde(default)]
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

impl RecordData for CurrencyData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = CurrencyData {
            code: self.code,
            name: c.required("name", Some(self.name), 100),
            active: self.active,
        };
        c.finish(out)
    }
}

/// Units of the base currency for one unit of `currency` on `day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExchangeRate {
    pub currency: Currency,
    pub day: Day,
    #[schema(value_type = String, example = "92.5")]
    pub rate: Decimal,
}

/// The body of `PUT /currencies/{code}/rates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    pub day: Day,
    /// Decimal text, more than zero, up to 6 decimal places.
    #[schema(value_type = String, example = "92.5")]
    pub rate: Decimal,
}

impl RateInput {
    pub fn validate(self) -> Result<RateInput, Invalid> {
        let rate = check_exchange_rate(self.rate).map_err(|e| Invalid::field("rate", e))?;
        Ok(RateInput {
            day: self.day,
            rate,
        })
    }
}

// ---------------------------------------------------------------- our company

fn general() -> String {
    TaxRegime::General.as_str().into()
}
fn default_format() -> String {
    NumberFormat::default().to_string()
}

/// Our own company: the seller on every document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyData {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub inn: Option<String>,
    #[serde(default)]
    pub kpp: Option<String>,
    #[serde(default)]
    pub ogrn: Option<String>,
    #[serde(default)]
    pub legal_address: Option<String>,
    #[serde(default)]
    pub postal_address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub bic: Option<String>,
    #[serde(default)]
    pub settlement_account: Option<String>,
    #[serde(default)]
    pub correspondent_account: Option<String>,
    #[serde(default)]
    pub director: Option<String>,
    #[serde(default)]
    pub chief_accountant: Option<String>,
    /// general, simplified5, simplified7 or exempt.
    #[serde(default = "general")]
    pub tax_regime: String,
    #[serde(default = "Currency::rub")]
    pub base_currency: Currency,
    /// `{year}` and `{seq}` (`{seq:05}` pads with zeros); `{seq}` is required.
    #[serde(default = "default_format")]
    pub invoice_number_format: String,
}

impl CompanyData {
    /// The tax regime, when the stored code is one.
    pub fn regime(&self) -> Option<TaxRegime> {
        TaxRegime::parse(&self.tax_regime)
    }

    /// The invoice number format, when the stored text is one.
    pub fn number_format(&self) -> Result<NumberFormat, crate::documents::NumberFormatError> {
        NumberFormat::parse(&self.invoice_number_format)
    }
}

impl Default for CompanyData {
    fn default() -> Self {
        CompanyData {
            legal_name: String::new(),
            short_name: None,
            inn: None,
            kpp: None,
            ogrn: None,
            legal_address: None,
            postal_address: None,
            phone: None,
            email: None,
            bank_name: None,
            bic: None,
            settlement_account: None,
            correspondent_account: None,
            director: None,
            chief_accountant: None,
            tax_regime: general(),
            base_currency: Currency::rub(),
            invoice_number_format: default_format(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Company {
    #[serde(flatten)]
    pub data: CompanyData,
    /// Whether we charge VAT: every regime but `exempt`.
    pub vat_payer: bool,
    /// `None` until the details are first saved.
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<Id>,
}

impl Company {
    pub fn new(data: CompanyData, updated_at: Option<Timestamp>, updated_by: Option<Id>) -> Self {
        Company {
            vat_payer: data.regime() != Some(TaxRegime::Exempt),
            data,
            updated_at,
            updated_by,
        }
    }

    /// The short name if set, else the legal name.
    pub fn display_name(&self) -> &str {
        self.data
            .short_name
            .as_deref()
            .unwrap_or(&self.data.legal_name)
    }
}

impl RecordData for CompanyData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let LegalDetails {
            inn,
            kpp,
            ogrn,
            bic,
            settlement,
            correspondent,
        } = c.legal_details(LegalDetails {
            inn: self.inn,
            kpp: self.kpp,
            ogrn: self.ogrn,
            bic: self.bic,
            settlement: self.settlement_account,
            correspondent: self.correspondent_account,
        });
        let phone = match c.text("phone", self.phone, 50) {
            Some(p) => c.errors.check("phone", phone::normalize_phone(&p)),
            None => None,
        };
        let email = match c.text("email", self.email, 200) {
            Some(e) => c.errors.check("email", email::normalize_email(&e)),
            None => None,
        };
        let tax_regime = self.tax_regime.trim().to_owned();
        c.errors.check("tax_regime", self::tax_regime(&tax_regime));
        let format = self.invoice_number_format.trim().to_owned();
        c.errors
            .check("invoice_number_format", NumberFormat::parse(&format));
        let out = CompanyData {
            legal_name: c
                .text("legal_name", Some(self.legal_name), 500)
                .unwrap_or_default(),
            short_name: c.text("short_name", self.short_name, 300),
            inn,
            kpp,
            ogrn,
            legal_address: c.text("legal_address", self.legal_address, 500),
            postal_address: c.text("postal_address", self.postal_address, 500),
            phone,
            email,
            bank_name: c.text("bank_name", self.bank_name, 300),
            bic,
            settlement_account: settlement,
            correspondent_account: correspondent,
            director: c.text("director", self.director, 200),
            chief_accountant: c.text("chief_accountant", self.chief_accountant, 200),
            tax_regime,
            base_currency: self.base_currency,
            invoice_number_format: format,
        };
        c.finish(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::str::FromStr;

    fn fields<T: RecordData>(v: serde_json::Value) -> Vec<String> {
        let d: T = serde_json::from_value(v).unwrap();
        match d.validate() {
            Ok(_) => vec![],
            Err(e) => e.0.into_map().into_keys().collect(),
        }
    }

    #[test]
    fn vat_codes_are_stored_in_their_stable_form() {
        let product = |rate: &str| {
            serde_json::from_value::<ProductData>(json!({"name": "x", "vat_rate": rate}))
                .unwrap()
                .validate()
        };
        assert_eq!(product(" 05 ").unwrap().vat_rate, "5");
        assert_eq!(product("NONE").unwrap().vat_rate, "none");
        assert_eq!(product("22").unwrap().vat_rate, "22");
        // Only the codes: what people type is not a code (vat.rs tests the rest).
        assert!(product("20%").is_err());
    }

    #[test]
    fn exchange_rates() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(check_exchange_rate(d("92.500000")), Ok(d("92.5")));
        assert_eq!(check_exchange_rate(d("0.000001")), Ok(d("0.000001")));
        assert_eq!(check_exchange_rate(d("0")), Err(msg::RATE_POSITIVE));
        assert!(check_exchange_rate(d("-1")).is_err());
        assert_eq!(check_exchange_rate(d("1.0000001")), Err(msg::RATE_SCALE));
        assert_eq!(
            check_exchange_rate(d("1000000000")),
            Err(msg::MONEY_TOO_LARGE)
        );
    }

    #[test]
    fn vat_rows_read_as_typed_rules() {
        let r: VatRateData = serde_json::from_value(
            json!({"regime": "simplified5", "rate": "5", "valid_from": "2026-01-01"}),
        )
        .unwrap();
        let rule = r.rule().unwrap();
        assert_eq!(rule.regime, TaxRegime::Simplified5);
        assert_eq!(rule.rate, vat::VatRate::Percent(5));
        let mut d = CompanyData::default();
        assert_eq!(d.regime(), Some(TaxRegime::General));
        assert_eq!(d.number_format().unwrap(), NumberFormat::default());
        d.invoice_number_format = "{year}".into();
        assert!(d.number_format().is_err());
    }

    #[test]
    fn products_name_every_bad_field() {
        let bad = fields::<ProductData>(json!({
            "name": " ", "price": "-1", "cost": "1.001", "vat_rate": "120", "unit_code": " "
        }));
        assert_eq!(bad, ["cost", "name", "price", "unit_code", "vat_rate"]);
        let ok: ProductData = serde_json::from_value(json!({
            "name": " Консультация ", "kind": "service", "unit_code": "356",
            "price": "1500.50", "sku": "  ", "vat_rate": "none"
        }))
        .unwrap();
        let ok = ok.validate().unwrap();
        assert_eq!(ok.name, "Консультация");
        assert_eq!(ok.sku, None);
        assert_eq!(ok.vat_rate, "none");
        assert_eq!(ok.currency.as_str(), "RUB");
        assert!(ok.active);
    }

    #[test]
    fn price_books_and_prices() {
        assert_eq!(fields::<PriceBookData>(json!({"name": ""})), ["name"]);
        assert!(
            PriceInput {
                price: Decimal::new(-1, 0)
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            PriceInput {
                price: Decimal::new(12000, 2)
            }
            .validate(),
            Ok(Decimal::new(120, 0))
        );
    }

    #[test]
    fn vat_rate_rows() {
        assert_eq!(
            fields::<VatRateData>(json!({"regime": "usn", "rate": "x"})),
            ["rate", "regime"]
        );
        assert_eq!(
            fields::<VatRateData>(json!({
                "regime": "general", "rate": "22",
                "valid_from": "2026-01-01", "valid_to": "2025-12-31"
            })),
            ["valid_to"]
        );
        let r: VatRateData = serde_json::from_value(
            json!({"regime": "general", "rate": "22", "valid_from": "2026-01-01"}),
        )
        .unwrap();
        assert!(r.applies_on(Day::parse("2026-01-01").unwrap()));
        assert!(!r.applies_on(Day::parse("2025-12-31").unwrap()));
    }

    fn company() -> serde_json::Value {
        json!({
            "legal_name": "ПАО Сбербанк",
            "inn": "7707083893",
            "kpp": "773601001",
            "ogrn": "1027700132195",
            "bic": "044525225",
            "correspondent_account": "30101810400000000225",
            "phone": "8 495 500-55-50",
            "email": "Info@Sberbank.RU"
        })
    }

    #[test]
    fn company_details_are_checked() {
        let ok: CompanyData = serde_json::from_value(company()).unwrap();
        let ok = ok.validate().unwrap();
        assert_eq!(ok.phone.as_deref(), Some("+74955005550"));
        assert_eq!(ok.email.as_deref(), Some("info@sberbank.ru"));
        assert_eq!(ok.invoice_number_format, "{year}-{seq:05}");
        let mut bad = company();
        bad["inn"] = json!("7707083894");
        bad["kpp"] = json!("77360100");
        bad["correspondent_account"] = json!("30101810400000000226");
        bad["tax_regime"] = json!("usn");
        bad["invoice_number_format"] = json!("{year}");
        bad["email"] = json!("nope");
        let f = fields::<CompanyData>(bad);
        for k in [
            "inn",
            "kpp",
            "correspondent_account",
            "tax_regime",
            "invoice_number_format",
            "email",
        ] {
            assert!(f.contains(&k.to_owned()), "{k} in {f:?}");
        }
        let mut no_bic = company();
        no_bic["bic"] = serde_json::Value::Null;
        assert_eq!(fields::<CompanyData>(no_bic), ["bic"]);
    }

    #[test]
    fn exempt_companies_do_not_pay_vat() {
        let mut d = CompanyData::default();
        assert!(Company::new(d.clone(), None, None).vat_payer);
        d.tax_regime = "exempt".into();
        assert!(!Company::new(d, None, None).vat_payer);
    }

    proptest! {
        #[test]
        fn rates_with_six_decimals_pass(units in 1i64..1_000_000_000_000_000) {
            let rate = Decimal::new(units, 6);
            if rate < Decimal::from(1_000_000_000i64) {
                prop_assert_eq!(check_exchange_rate(rate), Ok(rate.normalize()));
            }
        }
    }
}
