//! Priced documents of the sales cycle: deal products, quotes, sales orders,
//! invoices, and what is delivered against an invoice (acts and shipments),
//! plus payments.
//!
//! Quotes, orders and invoices share one shape ([`DocumentData`] in,
//! [`Document`] out) because they carry the same pricing (lines, tax mode,
//! discount, shipping) and are copied into one another along the cycle; what
//! differs between them is their lifecycle, kept in [`DocStatus`].

use super::{Check, Id, Meta, RecordData};
use crate::documents::{InvoiceStatus, OrderStatus, QuoteStatus};
use crate::money::{self, Currency};
use crate::pricing::{Discount, TaxMode};
use crate::vat::VatRate;
use crate::{Day, FieldErrors, Invalid, Timestamp, msg};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where a line lives. Deal lines are the deal's products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Deal,
    Quote,
    Order,
    Invoice,
    Act,
    Shipment,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Deal => "deal",
            DocKind::Quote => "quote",
            DocKind::Order => "order",
            DocKind::Invoice => "invoice",
            DocKind::Act => "act",
            DocKind::Shipment => "shipment",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        [
            DocKind::Deal,
            DocKind::Quote,
            DocKind::Order,
            DocKind::Invoice,
            DocKind::Act,
            DocKind::Shipment,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

fn one() -> Decimal {
    Decimal::ONE
}

fn individual() -> TaxMode {
    TaxMode::Individual
}

/// A line as a user writes it. What is left out comes from the product and
/// the price book: name, unit, price, cost and VAT rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineData {
    #[serde(default)]
    pub product_id: Option<Id>,
    #[serde(default)]
    pub name: Option<String>,
    /// OKEI code of the unit of measure (796 = шт).
    #[serde(default)]
    pub unit_code: Option<String>,
    #[serde(default = "one")]
    #[schema(value_type = String, example = "3")]
    pub quantity: Decimal,
    /// Overrides the price book's price.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "1234.56")]
    pub unit_price: Option<Decimal>,
    #[serde(default)]
    pub discount: Option<Discount>,
    #[serde(default)]
    pub vat_rate: Option<VatRate>,
    /// For gross profit; defaults to the product's cost.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit_cost: Option<Decimal>,
}

/// A stored line: resolved and priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Line {
    pub id: Id,
    pub position: i64,
    pub product_id: Option<Id>,
    /// On acts and shipments: the invoice line delivered.
    pub source_line_id: Option<Id>,
    pub name: String,
    pub unit_code: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    pub discount: Option<Discount>,
    pub vat_rate: VatRate,
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    /// Quantity × unit price.
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The line's discount and its share of the document's.
    #[schema(value_type = String)]
    pub discount_amount: Decimal,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
}

impl Line {
    /// The line as input again: copying a document into the next one keeps
    /// every resolved value, so later catalog changes do not leak in.
    pub fn to_data(&self) -> LineData {
        LineData {
            product_id: self.product_id,
            name: Some(self.name.clone()),
            unit_code: Some(self.unit_code.clone()),
            quantity: self.quantity,
            unit_price: Some(self.unit_price),
            discount: self.discount,
            vat_rate: Some(self.vat_rate),
            unit_cost: Some(self.unit_cost),
        }
    }
}

/// What a user writes for a quote, an order or an invoice (and, with only
/// the pricing fields, for a deal's products).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentData {
    /// Defaults to the deal's title.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub deal_id: Option<Id>,
    /// The customer; defaults to the deal's.
    #[serde(default)]
    pub account_id: Option<Id>,
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// Defaults to today. Decides the VAT rates in force.
    #[serde(default)]
    pub doc_date: Option<Day>,
    /// Quotes only.
    #[serde(default)]
    pub valid_until: Option<Day>,
    /// Invoices only.
    #[serde(default)]
    pub due_date: Option<Day>,
    /// Defaults to the deal's currency, else the price book's, else the base currency.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Defaults to the default price book.
    #[serde(default)]
    pub price_book_id: Option<Id>,
    #[serde(default = "individual")]
    pub tax_mode: TaxMode,
    /// The one rate of a `group` document; defaults to the regime's base rate.
    #[serde(default)]
    pub group_vat: Option<VatRate>,
    #[serde(default)]
    pub discount: Option<Discount>,
    #[serde(default)]
    #[schema(value_type = String, example = "0")]
    pub shipping: Decimal,
    #[serde(default)]
    pub shipping_vat: Option<VatRate>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineData>,
}

impl RecordData for DocumentData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        c.errors
            .check("shipping", money::to_minor_non_negative(self.shipping));
        let mut lines = Vec::with_capacity(self.lines.len());
        if self.lines.len() > MAX_LINES {
            c.errors.add("lines", msg::LINES_MAX.with("max", MAX_LINES));
        }
        for (i, l) in self.lines.into_iter().enumerate() {
            let name = c.text(&format!("lines[{i}].name"), l.name, 500);
            if name.is_none() && l.product_id.is_none() {
                c.errors
                    .add(format!("lines[{i}].name"), msg::LINE_NAME_REQUIRED);
            }
            let unit_code = c.text(&format!("lines[{i}].unit_code"), l.unit_code, 10);
            if let Some(cost) = l.unit_cost {
                c.errors.check(
                    &format!("lines[{i}].unit_cost"),
                    money::to_minor_non_negative(cost),
                );
            }
            lines.push(LineData {
                name,
                unit_code,
                quantity: l.quantity.normalize(),
                unit_price: l.unit_price.map(|p| p.normalize()),
                ..l
            });
        }
        if let (Some(from), Some(until)) = (self.doc_date, self.valid_until)
            && until < from
        {
            c.errors.add("valid_until", msg::BEFORE_DOC_DATE);
        }
        if let (Some(from), Some(due)) = (self.doc_date, self.due_date)
            && due < from
        {
            c.errors.add("due_date", msg::BEFORE_DOC_DATE);
        }
        let out = DocumentData {
            title: c.text("title", self.title, 300),
            terms: c.long_text("terms", self.terms),
            doc_date: c.day("doc_date", self.doc_date),
            valid_until: c.day("valid_until", self.valid_until),
            due_date: c.day("due_date", self.due_date),
            shipping: self.shipping.normalize(),
            lines,
            ..self
        };
        c.finish(out)
    }
}

/// The most lines one document may carry: far above any real quote, low
/// enough that a single request cannot tie up the writer.
pub const MAX_LINES: usize = 500;

impl DocumentData {
    /// Just lines in a currency: a deal's products, or the start of a
    /// document made from them.
    pub fn of_lines(currency: Currency, tax_mode: TaxMode, lines: Vec<LineData>) -> DocumentData {
        DocumentData {
            title: None,
            deal_id: None,
            account_id: None,
            contact_id: None,
            doc_date: None,
            valid_until: None,
            due_date: None,
            currency: Some(currency),
            price_book_id: None,
            tax_mode,
            group_vat: None,
            discount: None,
            shipping: Decimal::ZERO,
            shipping_vat: None,
            terms: None,
            lines,
        }
    }

    /// Refuses the fields that do not belong to `kind` (a due date on a quote).
    pub fn check_kind(&self, kind: DocKind) -> Result<(), Invalid> {
        let mut errors = FieldErrors::new();
        if self.valid_until.is_some() && kind != DocKind::Quote {
            errors.add("valid_until", msg::QUOTES_ONLY);
        }
        if self.due_date.is_some() && kind != DocKind::Invoice {
            errors.add("due_date", msg::INVOICES_ONLY);
        }
        errors.finish()
    }
}

/// The lifecycle a document is in; serialized as the plain status name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DocStatus {
    Quote(QuoteStatus),
    Order(OrderStatus),
    Invoice(InvoiceStatus),
}

impl DocStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Quote(s) => s.as_str(),
            DocStatus::Order(s) => s.as_str(),
            DocStatus::Invoice(s) => s.as_str(),
        }
    }

    /// Only drafts (and orders not yet approved) may change their lines.
    pub fn editable(self) -> bool {
        match self {
            DocStatus::Quote(s) => s.editable(),
            DocStatus::Order(s) => s == OrderStatus::Created,
            DocStatus::Invoice(s) => s == InvoiceStatus::Draft,
        }
    }
}

/// A stored quote, order or invoice.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: Id,
    pub kind: DocKind,
    /// Quotes and orders get theirs at creation, invoices when issued (sent).
    pub number: Option<String>,
    #[schema(value_type = String, example = "draft")]
    pub status: DocStatus,
    /// Quotes: 1 for the first version, +1 per revision.
    pub revision: Option<i64>,
    /// Quotes: the version this one revises.
    pub previous_id: Option<Id>,
    pub quote_id: Option<Id>,
    pub order_id: Option<Id>,
    pub title: String,
    pub deal_id: Option<Id>,
    pub account_id: Option<Id>,
    pub contact_id: Option<Id>,
    pub doc_date: Day,
    pub valid_until: Option<Day>,
    pub due_date: Option<Day>,
    pub currency: Currency,
    pub price_book_id: Option<Id>,
    pub tax_mode: TaxMode,
    pub group_vat: VatRate,
    pub discount: Option<Discount>,
    #[schema(value_type = String)]
    pub shipping: Decimal,
    pub shipping_vat: VatRate,
    pub terms: Option<String>,
    pub lines: Vec<Line>,
    /// Without VAT, shipping included.
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    /// Net revenue − cost.
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
    /// Invoices: what the payments allocated to it cover.
    #[schema(value_type = Option<String>)]
    pub paid: Option<Decimal>,
    /// Invoices: the payer's and our legal details as they were when issued.
    #[schema(value_type = Option<Object>)]
    pub payer: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub seller: Option<serde_json::Value>,
    pub issued_at: Option<Timestamp>,
    #[serde(flatten)]
    pub meta: Meta,
}

impl Document {
    /// The document as input again, for revisions and for copying it into
    /// the next document of the cycle.
    pub fn to_data(&self) -> DocumentData {
        DocumentData {
            title: Some(self.title.clone()),
            deal_id: self.deal_id,
            account_id: self.account_id,
            contact_id: self.contact_id,
            doc_date: Some(self.doc_date),
            valid_until: self.valid_until,
            due_date: self.due_date,
            currency: Some(self.currency.clone()),
            price_book_id: self.price_book_id,
            tax_mode: self.tax_mode,
            group_vat: Some(self.group_vat),
            discount: self.discount,
            shipping: self.shipping,
            shipping_vat: Some(self.shipping_vat),
            terms: self.terms.clone(),
            lines: self.lines.iter().map(Line::to_data).collect(),
        }
    }

    /// What is still owed on an invoice.
    pub fn balance(&self) -> Decimal {
        (self.total - self.paid.unwrap_or_default()).max(Decimal::ZERO)
    }
}

/// One line to deliver on an act or a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLine {
    /// A line of the invoice.
    pub line_id: Id,
    #[schema(value_type = String, example = "2")]
    pub quantity: Decimal,
}

/// An act or a shipment against an invoice. Without `lines`, what is left
/// to deliver: the goods on a shipment, the services (and free-text lines)
/// on an act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryData {
    #[serde(default)]
    pub doc_date: Option<Day>,
    #[serde(default)]
    pub lines: Option<Vec<DeliveryLine>>,
}

/// A stored act (services rendered) or shipment (goods handed over).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: Id,
    pub kind: DocKind,
    pub number: String,
    pub invoice_id: Id,
    pub doc_date: Day,
    pub currency: Currency,
    pub lines: Vec<Line>,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub owner_id: Id,
    pub created_at: Timestamp,
    pub created_by: Option<Id>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentDirection {
    /// From a customer (account or contact).
    Incoming,
    /// To a vendor (an account).
    Outgoing,
}

impl PaymentDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentDirection::Incoming => "incoming",
            PaymentDirection::Outgoing => "outgoing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }
}

fn bank_transfer() -> PaymentMethod {
    PaymentMethod::BankTransfer
}

/// A share of a payment applied to an invoice. Without `amount`, as much as
/// both the invoice's balance and the payment's remainder allow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationData {
    pub invoice_id: Id,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentData {
    #[serde(default = "incoming")]
    pub direction: PaymentDirection,
    #[serde(default)]
    pub account_id: Option<Id>,
    #[serde(default)]
    pub contact_id: Option<Id>,
    #[schema(value_type = String, example = "15000.00")]
    pub amount: Decimal,
    /// Defaults to the base currency.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Defaults to today.
    #[serde(default)]
    pub paid_on: Option<Day>,
    #[serde(default = "bank_transfer")]
    pub method: PaymentMethod,
    /// Bank statement or receipt number.
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub allocations: Vec<AllocationData>,
}

fn incoming() -> PaymentDirection {
    PaymentDirection::Incoming
}

impl RecordData for PaymentData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        if self.amount <= Decimal::ZERO {
            c.errors.add("amount", msg::POSITIVE);
        } else {
            c.errors.check("amount", money::to_minor(self.amount));
        }
        if self.account_id.is_none() && self.contact_id.is_none() {
            c.errors.add("account_id", msg::PAYMENT_NEEDS_PARTY);
        }
        if self.direction == PaymentDirection::Outgoing {
            if self.account_id.is_none() {
                c.errors.add("account_id", msg::OUTGOING_NEEDS_ACCOUNT);
            }
            if !self.allocations.is_empty() {
                c.errors.add("allocations", msg::INCOMING_ONLY);
            }
        }
        for (i, a) in self.allocations.iter().enumerate() {
            if let Some(amount) = a.amount {
                if amount <= Decimal::ZERO {
                    c.errors
                        .add(format!("allocations[{i}].amount"), msg::POSITIVE);
                } else {
                    c.errors
                        .check(&format!("allocations[{i}].amount"), money::to_minor(amount));
                }
            }
            if self.allocations[..i]
                .iter()
                .any(|b| b.invoice_id == a.invoice_id)
            {
                c.errors.add(
                    format!("allocations[{i}].invoice_id"),
                    msg::SAME_INVOICE_TWICE,
                );
            }
        }
        let out = PaymentData {
            amount: self.amount.normalize(),
            reference: c.text("reference", self.reference, 200),
            description: c.long_text("description", self.description),
            paid_on: c.day("paid_on", self.paid_on),
            ..self
        };
        c.finish(out)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Allocation {
    pub invoice_id: Id,
    pub invoice_number: Option<String>,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: Id,
    pub direction: PaymentDirection,
    pub account_id: Option<Id>,
    pub contact_id: Option<Id>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub currency: Currency,
    pub paid_on: Day,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub description: Option<String>,
    pub allocations: Vec<Allocation>,
    /// Not yet applied to an invoice: the account's credit.
    #[schema(value_type = String)]
    pub unallocated: Decimal,
    #[serde(flatten)]
    pub meta: Meta,
}

/// An account's money position in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Balance {
    pub currency: Currency,
    /// Issued, not canceled invoices.
    #[schema(value_type = String)]
    pub invoiced: Decimal,
    /// Allocated to those invoices.
    #[schema(value_type = String)]
    pub paid: Decimal,
    /// Invoiced − paid.
    #[schema(value_type = String)]
    pub balance: Decimal,
    /// Received but not allocated.
    #[schema(value_type = String)]
    pub credit: Decimal,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> DocumentData {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_line_needs_a_product_or_a_name() {
        let d = parse(json!({"lines": [{"quantity": "2"}, {"name": "Монтаж", "quantity": "1"}]}));
        let e = d.validate().unwrap_err().0.into_map();
        assert!(e.contains_key("lines[0].name"), "{e:?}");
        assert!(!e.contains_key("lines[1].name"), "{e:?}");
    }

    #[test]
    fn dates_must_follow_the_document_date() {
        let d = parse(
            json!({"doc_date": "2026-03-10", "valid_until": "2026-03-01", "due_date": "2026-03-09"}),
        );
        let e = d.validate().unwrap_err().0;
        // Registered, so the interface shows it in the user's language.
        let ids: Vec<_> = e.messages().map(|(k, m)| (k.as_str(), m.id())).collect();
        assert_eq!(
            ids,
            [
                ("due_date", Some("err-before-doc-date")),
                ("valid_until", Some("err-before-doc-date"))
            ]
        );
    }

    #[test]
    fn fields_of_another_kind_are_refused() {
        let d = parse(json!({"due_date": "2026-03-10"}));
        assert!(d.check_kind(DocKind::Invoice).is_ok());
        let e = d.check_kind(DocKind::Quote).unwrap_err().0.into_map();
        assert_eq!(e["due_date"], "applies to invoices only");
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<DocumentData>(json!({"totl": "1"})).is_err());
    }

    #[test]
    fn payments_are_positive_and_allocate_each_invoice_once() {
        let p: PaymentData = serde_json::from_value(json!({
            "amount": "0", "account_id": 1,
            "allocations": [{"invoice_id": 5}, {"invoice_id": 5, "amount": "-1"}]
        }))
        .unwrap();
        let e = p.validate().unwrap_err().0.into_map();
        assert!(e.contains_key("amount"), "{e:?}");
        assert!(e.contains_key("allocations[1].invoice_id"), "{e:?}");
        assert!(e.contains_key("allocations[1].amount"), "{e:?}");
    }

    #[test]
    fn outgoing_payments_go_to_a_vendor_and_pay_no_invoice() {
        let p: PaymentData = serde_json::from_value(json!({
            "direction": "outgoing", "contact_id": 3, "amount": "10",
            "allocations": [{"invoice_id": 5}]
        }))
        .unwrap();
        let e = p.validate().unwrap_err().0.into_map();
        assert!(
            e.contains_key("account_id") && e.contains_key("allocations"),
            "{e:?}"
        );
    }

    #[test]
    fn copying_a_line_keeps_every_resolved_value() {
        let line = Line {
            id: 1,
            position: 0,
            product_id: Some(7),
            source_line_id: None,
            name: "Лицензия".into(),
            unit_code: "796".into(),
            quantity: Decimal::new(25, 1),
            unit_price: Decimal::new(100_000, 2),
            discount: Some(Discount::Percent(Decimal::TEN)),
            vat_rate: VatRate::Percent(22),
            unit_cost: Decimal::new(40_000, 2),
            amount: Decimal::new(250_000, 2),
            discount_amount: Decimal::new(25_000, 2),
            net: Decimal::new(225_000, 2),
            vat: Decimal::new(49_500, 2),
            total: Decimal::new(274_500, 2),
            cost: Decimal::new(100_000, 2),
        };
        let d = line.to_data();
        assert_eq!(d.unit_price, Some(line.unit_price));
        assert_eq!(d.vat_rate, Some(line.vat_rate));
        assert_eq!(d.unit_cost, Some(line.unit_cost));
        assert_eq!(d.discount, line.discount);
        assert_eq!(d.quantity, line.quantity);
    }
}
