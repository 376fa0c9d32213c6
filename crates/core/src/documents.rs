//! The lifecycles of quotes, sales orders and invoices, and invoice numbering.
//!
//! Each lifecycle is a table of (status, action) → status; everything not in
//! the table is refused with a [`TransitionError`] that names the status and
//! the action, so the API can answer 409 with a sentence a person understands.
//! Side effects (the order a won quote makes, the new draft of a revision,
//! the number an invoice gets when sent) belong to the store; here are only
//! the rules, so they can be tested exhaustively.

use crate::error::Message;
use crate::messages::{self as msg, MessageDef};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A refused action. `from` and `action` are the API names (`active`, `activate`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", message.english())]
pub struct TransitionError {
    pub from: String,
    pub action: String,
    /// Boxed: the error stays small beside the status it is returned instead of.
    message: Box<Message>,
}

impl TransitionError {
    /// `refused`: the document's message (`msg::QUOTE_TRANSITION` …), which
    /// says the status and the action's participle.
    fn new(refused: MessageDef, from: &str, action: &str, participle: &str) -> Self {
        TransitionError {
            from: from.to_owned(),
            action: action.to_owned(),
            message: Box::new(refused.with("status", from).with("action", participle)),
        }
    }

    fn with_paid(mut self, paid: Decimal) -> Self {
        self.message = Box::new(self.message.with("paid", paid));
        self
    }

    /// The message, with its registry id for translation.
    pub fn message(&self) -> &Message {
        &self.message
    }
}

/// as_str / parse / ALL for a fieldless enum whose serde names are snake_case.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }
    };
}

// ---- quotes ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    /// Sent to the customer; waiting for an answer.
    Active,
    Won,
    Lost,
    /// Replaced by a new draft; kept as it was sent.
    Revised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteAction {
    Activate,
    Win,
    Lose,
    Revise,
}

names!(QuoteStatus {
    Draft => "draft",
    Active => "active",
    Won => "won",
    Lost => "lost",
    Revised => "revised",
});

names!(QuoteAction {
    Activate => "activate",
    Win => "win",
    Lose => "lose",
    Revise => "revise",
});

impl QuoteAction {
    fn participle(self) -> &'static str {
        match self {
            QuoteAction::Activate => "activated",
            QuoteAction::Win => "won",
            QuoteAction::Lose => "lost",
            QuoteAction::Revise => "revised",
        }
    }
}

impl QuoteStatus {
    /// A lost quote can be revised too: the customer said no to these terms,
    /// and a new offer is the usual answer.
    pub fn apply(self, action: QuoteAction) -> Result<QuoteStatus, TransitionError> {
        use QuoteAction as A;
        use QuoteStatus as S;
        match (self, action) {
            (S::Draft, A::Activate) => Ok(S::Active),
            (S::Active, A::Win) => Ok(S::Won),
            (S::Active, A::Lose) => Ok(S::Lost),
            (S::Active | S::Lost, A::Revise) => Ok(S::Revised),
            _ => Err(TransitionError::new(
                msg::QUOTE_TRANSITION,
                self.as_str(),
                action.as_str(),
                action.participle(),
            )),
        }
    }

    /// Only a draft: once the customer has seen a quote, a change is a revision.
    pub fn editable(self) -> bool {
        self == QuoteStatus::Draft
    }

    /// The actions a button may offer.
    pub fn actions(self) -> Vec<QuoteAction> {
        QuoteAction::ALL
            .into_iter()
            .filter(|a| self.apply(*a).is_ok())
            .collect()
    }
}

// ---- sales orders ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Created,
    Approved,
    Shipped,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Approve,
    Ship,
    Cancel,
}

names!(OrderStatus {
    Created => "created",
    Approved => "approved",
    Shipped => "shipped",
    Canceled => "canceled",
});

names!(OrderAction {
    Approve => "approve",
    Ship => "ship",
    Cancel => "cancel",
});

impl OrderAction {
    fn participle(self) -> &'static str {
        match self {
            OrderAction::Approve => "approved",
            OrderAction::Ship => "shipped",
            OrderAction::Cancel => "canceled",
        }
    }
}

impl OrderStatus {
    /// Shipping skips no step: goods leave only on an approved order.
    pub fn apply(self, action: OrderAction) -> Result<OrderStatus, TransitionError> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, action) {
            (S::Created, A::Approve) => Ok(S::Approved),
            (S::Approved, A::Ship) => Ok(S::Shipped),
            (S::Created | S::Approved, A::Cancel) => Ok(S::Canceled),
            _ => Err(TransitionError::new(
                msg::ORDER_TRANSITION,
                self.as_str(),
                action.as_str(),
                action.participle(),
            )),
        }
    }

    /// Only before approval: approval is agreement on exactly these lines.
    pub fn editable(self) -> bool {
        self == OrderStatus::Created
    }

    pub fn actions(self) -> Vec<OrderAction> {
        OrderAction::ALL
            .into_iter()
            .filter(|a| self.apply(*a).is_ok())
            .collect()
    }
}

// ---- invoices ----

/// `PartiallyPaid` and `Paid` are never chosen by a person: they follow the
/// payments allocated to the invoice ([`InvoiceStatus::from_payments`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Sent,
    PartiallyPaid,
    Paid,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceAction {
    Send,
    Cancel,
}

names!(InvoiceStatus {
    Draft => "draft",
    Sent => "sent",
    PartiallyPaid => "partially_paid",
    Paid => "paid",
    Canceled => "canceled",
});

names!(InvoiceAction {
    Send => "send",
    Cancel => "cancel",
});

impl InvoiceAction {
    fn participle(self) -> &'static str {
        match self {
            InvoiceAction::Send => "sent",
            InvoiceAction::Cancel => "canceled",
        }
    }
}

impl InvoiceStatus {
    /// `paid` is what is allocated to the invoice. Money received against an
    /// invoice must not vanish with it, so canceling needs the payments removed
    /// (or moved to another invoice) first.
    pub fn apply(
        self,
        action: InvoiceAction,
        paid: Decimal,
    ) -> Result<InvoiceStatus, TransitionError> {
        use InvoiceAction as A;
        use InvoiceStatus as S;
        let refused = || {
            TransitionError::new(
                msg::INVOICE_TRANSITION,
                self.as_str(),
                action.as_str(),
                action.participle(),
            )
        };
        match (self, action) {
            (S::Draft, A::Send) => Ok(S::Sent),
            (S::Draft | S::Sent | S::PartiallyPaid | S::Paid, A::Cancel)
                if paid > Decimal::ZERO =>
            {
                Err(TransitionError::new(
                    msg::INVOICE_CANCEL_PAID,
                    self.as_str(),
                    action.as_str(),
                    action.participle(),
                )
                .with_paid(paid))
            }
            (S::Draft | S::Sent, A::Cancel) => Ok(S::Canceled),
            _ => Err(refused()),
        }
    }

    /// The status the allocations imply for an issued invoice: nothing paid →
    /// Sent (even for a zero total: no money has come), less than the total →
    /// PartiallyPaid, the total or more → Paid. Draft and Canceled stay as they
    /// are: payments do not issue or revive an invoice.
    pub fn from_payments(self, total: Decimal, paid: Decimal) -> InvoiceStatus {
        match self {
            InvoiceStatus::Draft | InvoiceStatus::Canceled => self,
            InvoiceStatus::Sent | InvoiceStatus::PartiallyPaid | InvoiceStatus::Paid => {
                if paid <= Decimal::ZERO {
                    InvoiceStatus::Sent
                } else if paid < total {
                    InvoiceStatus::PartiallyPaid
                } else {
                    InvoiceStatus::Paid
                }
            }
        }
    }

    /// Issued and not canceled: what the invoices' gross profit counts. A
    /// draft may still change; a canceled invoice was never owed.
    pub fn is_revenue(self) -> bool {
        matches!(
            self,
            InvoiceStatus::Sent | InvoiceStatus::PartiallyPaid | InvoiceStatus::Paid
        )
    }

    /// Issued and not fully paid. A draft is not a demand for money yet; a paid
    /// invoice would be overpaid.
    pub fn accepts_payments(self) -> bool {
        matches!(self, InvoiceStatus::Sent | InvoiceStatus::PartiallyPaid)
    }

    /// Only a draft: a sent invoice is a document the customer holds.
    pub fn editable(self) -> bool {
        self == InvoiceStatus::Draft
    }

    pub fn actions(self, paid: Decimal) -> Vec<InvoiceAction> {
        InvoiceAction::ALL
            .into_iter()
            .filter(|a| self.apply(*a, paid).is_ok())
            .collect()
    }
}

// ---- numbering ----

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberFormatError {
    #[error("must contain {{seq}}, the running number")]
    MissingSeq,
    #[error("must contain {{seq}} only once")]
    RepeatedSeq,
    #[error("has an unknown placeholder {{{0}}}; use {{seq}}, {{seq:05}} or {{year}}")]
    UnknownPlaceholder(String),
    #[error(
        "has an invalid width in {{{0}}}; write it as 0 and the number of digits, as in {{seq:05}}"
    )]
    BadWidth(String),
    #[error("has a {{ without its closing }}")]
    Unclosed,
    #[error("has a }} without its opening {{")]
    StrayClose,
    #[error("must be at most {max} characters", max = NumberFormat::MAX_LEN)]
    TooLong,
}

/// How invoice numbers look, e.g. `{year}-{seq:05}` → `2026-00042`.
///
/// `{seq}` is the running number (`{seq:05}`: zero-padded to 5 digits) and must
/// appear exactly once, which is what makes two invoices of one year never
/// share a number; `{year}` is the document's year; everything else is copied
/// as is. Braces are only for placeholders, so a typo such as `{seq` or
/// `{yaer}` is refused instead of printed on every invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year,
    Seq { width: usize },
}

impl NumberFormat {
    pub const MAX_LEN: usize = 64;
    /// Wider than any `i64`, so padding never matters beyond it.
    const MAX_WIDTH: usize = 20;

    pub fn parse(s: &str) -> Result<Self, NumberFormatError> {
        if s.chars().count() > Self::MAX_LEN {
            return Err(NumberFormatError::TooLong);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            match c {
                '{' => {
                    let end = rest.find('}').ok_or(NumberFormatError::Unclosed)?;
                    let inner = &rest[1..end];
                    if inner.contains('{') {
                        return Err(NumberFormatError::Unclosed);
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Self::placeholder(inner)?);
                    rest = &rest[end + 1..];
                }
                '}' => return Err(NumberFormatError::StrayClose),
                _ => {
                    literal.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        match parts
            .iter()
            .filter(|p| matches!(p, Part::Seq { .. }))
            .count()
        {
            0 => Err(NumberFormatError::MissingSeq),
            1 => Ok(NumberFormat {
                text: s.to_owned(),
                parts,
            }),
            _ => Err(NumberFormatError::RepeatedSeq),
        }
    }

    fn placeholder(inner: &str) -> Result<Part, NumberFormatError> {
        match inner.split_once(':') {
            None if inner == "seq" => Ok(Part::Seq { width: 0 }),
            None if inner == "year" => Ok(Part::Year),
            Some(("seq", width)) => {
                let digits = width.strip_prefix('0').unwrap_or("");
                match digits.parse::<usize>() {
                    Ok(w)
                        if digits.bytes().all(|b| b.is_ascii_digit())
                            && (1..=Self::MAX_WIDTH).contains(&w) =>
                    {
                        Ok(Part::Seq { width: w })
                    }
                    _ => Err(NumberFormatError::BadWidth(inner.to_owned())),
                }
            }
            _ => Err(NumberFormatError::UnknownPlaceholder(inner.to_owned())),
        }
    }

    pub fn render(&self, year: i32, seq: i64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Year => out.push_str(&year.to_string()),
                Part::Seq { width } => out.push_str(&format!("{seq:0width$}")),
            }
        }
        out
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            text: "{year}-{seq:05}".to_owned(),
            parts: vec![
                Part::Year,
                Part::Literal("-".to_owned()),
                Part::Seq { width: 5 },
            ],
        }
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for NumberFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for NumberFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NumberFormat::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for NumberFormat {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Invoice number format: {seq} (or {seq:05}, zero-padded) exactly once, \
                 optional {year}, anything else literal",
            ))
            .examples([serde_json::json!("{year}-{seq:05}")])
            .into()
    }
}
impl utoipa::ToSchema for NumberFormat {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The lifecycle tables as the spec gives them, written independently of `apply`.
    fn quote_table(s: QuoteStatus, a: QuoteAction) -> Option<QuoteStatus> {
        use QuoteAction::*;
        use QuoteStatus::*;
        [
            (Draft, Activate, Active),
            (Active, Win, Won),
            (Active, Lose, Lost),
            (Active, Revise, Revised),
            (Lost, Revise, Revised),
        ]
        .into_iter()
        .find(|(f, x, _)| *f == s && *x == a)
        .map(|(_, _, to)| to)
    }

    fn order_table(s: OrderStatus, a: OrderAction) -> Option<OrderStatus> {
        use OrderAction::*;
        use OrderStatus::*;
        [
            (Created, Approve, Approved),
            (Approved, Ship, Shipped),
            (Created, Cancel, Canceled),
            (Approved, Cancel, Canceled),
        ]
        .into_iter()
        .find(|(f, x, _)| *f == s && *x == a)
        .map(|(_, _, to)| to)
    }

    fn invoice_table(s: InvoiceStatus, a: InvoiceAction, paid: Decimal) -> Option<InvoiceStatus> {
        use InvoiceAction::*;
        use InvoiceStatus::*;
        match (s, a) {
            (Draft, Send) => Some(Sent),
            (Draft | Sent, Cancel) if paid.is_zero() => Some(Canceled),
            _ => None,
        }
    }

    #[test]
    fn every_quote_pair_moves_per_the_table_or_is_refused() {
        for s in QuoteStatus::ALL {
            for a in QuoteAction::ALL {
                match (s.apply(a), quote_table(s, a)) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected),
                    (Err(e), None) => {
                        assert_eq!(
                            (e.from.as_str(), e.action.as_str()),
                            (s.as_str(), a.as_str())
                        );
                        assert!(
                            e.to_string().starts_with(&format!(
                                "a quote in status {} cannot be",
                                s.as_str()
                            ))
                        );
                    }
                    (got, want) => panic!("{s:?} {a:?}: {got:?}, expected {want:?}"),
                }
            }
            assert_eq!(s.editable(), s == QuoteStatus::Draft);
        }
        assert_eq!(
            QuoteStatus::Active
                .apply(QuoteAction::Activate)
                .unwrap_err()
                .to_string(),
            "a quote in status active cannot be activated"
        );
        assert_eq!(
            QuoteStatus::Active.actions(),
            [QuoteAction::Win, QuoteAction::Lose, QuoteAction::Revise]
        );
        assert!(QuoteStatus::Won.actions().is_empty());
    }

    #[test]
    fn every_order_pair_moves_per_the_table_or_is_refused() {
        for s in OrderStatus::ALL {
            for a in OrderAction::ALL {
                match (s.apply(a), order_table(s, a)) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected),
                    (Err(e), None) => {
                        assert_eq!(
                            (e.from.as_str(), e.action.as_str()),
                            (s.as_str(), a.as_str())
                        );
                        assert!(e.to_string().starts_with("an order in status "), "{e}");
                    }
                    (got, want) => panic!("{s:?} {a:?}: {got:?}, expected {want:?}"),
                }
            }
        }
        assert_eq!(
            OrderStatus::Created
                .apply(OrderAction::Ship)
                .unwrap_err()
                .to_string(),
            "an order in status created cannot be shipped"
        );
    }

    #[test]
    fn invoice_lifecycle() {
        for s in InvoiceStatus::ALL {
            for a in InvoiceAction::ALL {
                for paid in [d("0"), d("0.01"), d("1000")] {
                    match (s.apply(a, paid), invoice_table(s, a, paid)) {
                        (Ok(to), Some(expected)) => assert_eq!(to, expected),
                        (Err(e), None) => {
                            assert_eq!(
                                (e.from.as_str(), e.action.as_str()),
                                (s.as_str(), a.as_str())
                            );
                            assert!(e.to_string().starts_with("an invoice in status "), "{e}");
                        }
                        (got, want) => panic!("{s:?} {a:?} {paid}: {got:?}, expected {want:?}"),
                    }
                }
            }
        }
        assert_eq!(
            InvoiceStatus::PartiallyPaid
                .apply(InvoiceAction::Cancel, d("500.00"))
                .unwrap_err()
                .to_string(),
            "an invoice in status partially_paid cannot be canceled: 500.00 is paid against it; \
             a paid or partly paid invoice cannot be canceled, remove its payments first"
        );
        assert_eq!(
            InvoiceStatus::Sent
                .apply(InvoiceAction::Send, Decimal::ZERO)
                .unwrap_err()
                .to_string(),
            "an invoice in status sent cannot be sent"
        );
        // The text reads back as its registry message, for the interface.
        let e = InvoiceStatus::PartiallyPaid
            .apply(InvoiceAction::Cancel, d("500.00"))
            .unwrap_err();
        assert_eq!(e.message().id(), Some("err-invoice-cancel-paid"));
        let back = crate::Message::from_text(&e.to_string());
        assert_eq!(back.id(), Some("err-invoice-cancel-paid"));
        assert_eq!(
            back.args(),
            &[
                ("status", "partially_paid".to_owned()),
                ("paid", "500.00".to_owned())
            ]
        );
        let e = InvoiceStatus::Sent
            .apply(InvoiceAction::Send, Decimal::ZERO)
            .unwrap_err();
        assert_eq!(
            crate::Message::from_text(&e.to_string()).id(),
            Some("err-invoice-transition")
        );
        assert_eq!(
            InvoiceStatus::Draft.actions(Decimal::ZERO),
            [InvoiceAction::Send, InvoiceAction::Cancel]
        );
        assert_eq!(InvoiceStatus::Sent.actions(d("1")), []);
    }

    #[test]
    fn payments_decide_the_issued_statuses() {
        use InvoiceStatus::*;
        let total = d("1000.00");
        for s in [Sent, PartiallyPaid, Paid] {
            assert_eq!(s.from_payments(total, d("0")), Sent);
            assert_eq!(s.from_payments(total, d("0.01")), PartiallyPaid);
            assert_eq!(s.from_payments(total, d("999.99")), PartiallyPaid);
            assert_eq!(s.from_payments(total, d("1000")), Paid);
            assert_eq!(s.from_payments(total, d("1200")), Paid);
            assert_eq!(s.from_payments(Decimal::ZERO, Decimal::ZERO), Sent);
        }
        assert_eq!(Draft.from_payments(total, total), Draft);
        assert_eq!(Canceled.from_payments(total, total), Canceled);
        let accepting: Vec<InvoiceStatus> = InvoiceStatus::ALL
            .into_iter()
            .filter(|s| s.accepts_payments())
            .collect();
        assert_eq!(accepting, [Sent, PartiallyPaid]);
        let revenue: Vec<InvoiceStatus> = InvoiceStatus::ALL
            .into_iter()
            .filter(|s| s.is_revenue())
            .collect();
        assert_eq!(revenue, [Sent, PartiallyPaid, Paid]);
    }

    #[test]
    fn names_round_trip() {
        fn check<T: Copy + PartialEq + fmt::Debug + Serialize>(
            all: &[T],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(name(*v)), Some(*v));
                assert_eq!(
                    serde_json::to_string(v).unwrap(),
                    format!("\"{}\"", name(*v))
                );
            }
        }
        check(&QuoteStatus::ALL, QuoteStatus::as_str, QuoteStatus::parse);
        check(&QuoteAction::ALL, QuoteAction::as_str, QuoteAction::parse);
        check(&OrderStatus::ALL, OrderStatus::as_str, OrderStatus::parse);
        check(&OrderAction::ALL, OrderAction::as_str, OrderAction::parse);
        check(
            &InvoiceStatus::ALL,
            InvoiceStatus::as_str,
            InvoiceStatus::parse,
        );
        check(
            &InvoiceAction::ALL,
            InvoiceAction::as_str,
            InvoiceAction::parse,
        );
        assert_eq!(
            InvoiceStatus::parse("partially_paid"),
            Some(InvoiceStatus::PartiallyPaid)
        );
        assert_eq!(QuoteStatus::parse("Draft"), None);
    }

    #[test]
    fn number_formats() {
        let f = NumberFormat::parse("{year}-{seq:05}").unwrap();
        assert_eq!(f.render(2026, 42), "2026-00042");
        assert_eq!(f.render(2026, 1234567), "2026-1234567");
        assert_eq!(f.as_str(), "{year}-{seq:05}");
        assert_eq!(f, NumberFormat::default());
        assert_eq!(NumberFormat::parse("{seq}").unwrap().render(2026, 7), "7");
        assert_eq!(
            NumberFormat::parse("СЧ-{year}/{seq:04}")
                .unwrap()
                .render(2026, 42),
            "СЧ-2026/0042"
        );
        assert_eq!(
            NumberFormat::parse("{seq:01}").unwrap().render(2026, 42),
            "42"
        );
        assert_eq!(
            NumberFormat::parse("{year}{year}-{seq}")
                .unwrap()
                .render(2026, 3),
            "20262026-3"
        );
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, "\"{year}-{seq:05}\"");
        assert_eq!(serde_json::from_str::<NumberFormat>(&json).unwrap(), f);
        assert!(serde_json::from_str::<NumberFormat>("\"{yaer}-{seq}\"").is_err());
    }

    #[test]
    fn bad_number_formats_are_refused_by_name() {
        use NumberFormatError::*;
        let cases = [
            ("", MissingSeq),
            ("{year}-", MissingSeq),
            ("СЧ-", MissingSeq),
            ("{seq}-{seq}", RepeatedSeq),
            ("{seq:03}{seq}", RepeatedSeq),
            ("{yaer}-{seq}", UnknownPlaceholder("yaer".into())),
            ("{Seq}", UnknownPlaceholder("Seq".into())),
            ("{}{seq}", UnknownPlaceholder(String::new())),
            ("{year:02}-{seq}", UnknownPlaceholder("year:02".into())),
            ("{seq:5}", BadWidth("seq:5".into())),
            ("{seq:0}", BadWidth("seq:0".into())),
            ("{seq:0x}", BadWidth("seq:0x".into())),
            ("{seq:021}", BadWidth("seq:021".into())),
            ("{seq:0+5}", BadWidth("seq:0+5".into())),
            ("{seq", Unclosed),
            ("{year{seq}", Unclosed),
            ("{seq}}", StrayClose),
        ];
        for (text, expected) in cases {
            assert_eq!(NumberFormat::parse(text), Err(expected), "{text}");
        }
        assert_eq!(
            NumberFormat::parse("{yaer}-{seq}").unwrap_err().to_string(),
            "has an unknown placeholder {yaer}; use {seq}, {seq:05} or {year}"
        );
        assert_eq!(
            NumberFormat::parse(&format!("{}{{seq}}", "x".repeat(60))),
            Err(TooLong)
        );
    }

    const LITERAL: &str = "[A-Za-zА-Яа-я0-9/\\-_. №]{0,4}";

    fn literal() -> impl Strategy<Value = String> {
        proptest::string::string_regex(LITERAL).unwrap()
    }

    fn literal_or_year() -> impl Strategy<Value = String> {
        prop_oneof![Just("{year}".to_owned()), literal()]
    }

    /// A valid format: literals and years around exactly one {seq}.
    fn format_text() -> impl Strategy<Value = String> {
        let seq = prop_oneof![
            Just("{seq}".to_owned()),
            (1usize..=20).prop_map(|w| format!("{{seq:0{w}}}")),
        ];
        (
            proptest::collection::vec(literal_or_year(), 0..3),
            seq,
            proptest::collection::vec(literal_or_year(), 0..3),
        )
            .prop_map(|(before, seq, after)| {
                let mut s: String = before.concat();
                s.push_str(&seq);
                s.push_str(&after.concat());
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn quote_moves_are_exactly_the_table(s in 0usize..5, a in 0usize..4) {
            let (s, a) = (QuoteStatus::ALL[s], QuoteAction::ALL[a]);
            prop_assert_eq!(s.apply(a).ok(), quote_table(s, a));
        }

        #[test]
        fn order_moves_are_exactly_the_table(s in 0usize..4, a in 0usize..3) {
            let (s, a) = (OrderStatus::ALL[s], OrderAction::ALL[a]);
            prop_assert_eq!(s.apply(a).ok(), order_table(s, a));
        }

        #[test]
        fn invoice_moves_are_exactly_the_table(s in 0usize..5, a in 0usize..2, paid in 0i64..1_000_000) {
            let (s, a, paid) = (InvoiceStatus::ALL[s], InvoiceAction::ALL[a], Decimal::new(paid, 2));
            prop_assert_eq!(s.apply(a, paid).ok(), invoice_table(s, a, paid));
            if paid > Decimal::ZERO {
                prop_assert!(s.apply(InvoiceAction::Cancel, paid).is_err());
            }
        }

        #[test]
        fn derived_status_is_stable_and_agrees_with_payments(
            s in 0usize..5, total in 0i64..1_000_000, paid in 0i64..1_000_000
        ) {
            let (s, total, paid) = (InvoiceStatus::ALL[s], Decimal::new(total, 2), Decimal::new(paid, 2));
            let to = s.from_payments(total, paid);
            prop_assert_eq!(to.from_payments(total, paid), to);
            // Payments never move an invoice into or out of revenue.
            prop_assert_eq!(to.is_revenue(), s.is_revenue());
            if s.accepts_payments() || s == InvoiceStatus::Paid {
                prop_assert_eq!(to == InvoiceStatus::Paid, paid >= total && paid > Decimal::ZERO);
                prop_assert_eq!(to == InvoiceStatus::Sent, paid.is_zero());
            } else {
                prop_assert_eq!(to, s);
            }
        }

        #[test]
        fn numbers_of_a_year_never_repeat(
            text in format_text(), year in 1990i32..2100, a in 0i64..10_000_000, b in 0i64..10_000_000
        ) {
            let f = NumberFormat::parse(&text).unwrap();
            prop_assert_eq!(f.as_str(), text.as_str());
            prop_assert_eq!(NumberFormat::parse(f.as_str()).unwrap(), f.clone());
            prop_assert_eq!(f.render(year, a) == f.render(year, b), a == b);
        }

        #[test]
        fn formats_without_exactly_one_seq_are_refused(text in format_text(), extra in format_text()) {
            let twice = format!("{text}{extra}");
            let expected = if twice.chars().count() > NumberFormat::MAX_LEN {
                NumberFormatError::TooLong
            } else {
                NumberFormatError::RepeatedSeq
            };
            prop_assert_eq!(NumberFormat::parse(&twice), Err(expected));
            // Without braces every placeholder is literal text.
            let without = text.replace(['{', '}'], "");
            prop_assert_eq!(NumberFormat::parse(&without), Err(NumberFormatError::MissingSeq));
        }
    }
}
