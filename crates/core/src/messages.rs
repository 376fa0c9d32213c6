//! The registry of every validation and conflict message core and store
//! produce: a stable id (the key of its translation in the interface's
//! catalogs, `crates/web/i18n/*.ftl`) and the English template the JSON API
//! answers with. `{name}` in a template is a named argument; `{{` and `}}`
//! are literal braces (`must contain {{seq}}` reads "must contain {seq}").
//!
//! Add a message here, use the constant where the problem is found
//! (`errors.add(field, msg::REQUIRED)`, `msg::TOO_LONG.with("max", 100)`),
//! and give it a translation in both catalogs: a test in the web crate fails
//! while a catalog lacks an id listed in [`ALL`].

use crate::error::Message;
use std::fmt;

/// One entry of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageDef {
    id: &'static str,
    english: &'static str,
}

impl MessageDef {
    pub const fn id(&self) -> &'static str {
        self.id
    }

    /// The English template, `{name}` where an argument goes.
    pub const fn english(&self) -> &'static str {
        self.english
    }

    /// The English text without arguments (literal braces unescaped).
    pub fn text(&self) -> String {
        render(self.english, &[])
    }

    /// The names of the template's arguments, in order.
    pub fn arg_names(&self) -> Vec<&'static str> {
        pieces(self.english)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Arg(name) => Some(name),
                Piece::Text(_) => None,
            })
            .collect()
    }

    pub fn msg(self) -> Message {
        Message::new(self)
    }

    /// The message with a named argument.
    pub fn with(self, name: &'static str, value: impl fmt::Display) -> Message {
        Message::new(self).with(name, value)
    }
}

/// The English text, for the places that carry plain text
/// (`StoreError::Conflict`); the interface reads the id back from it.
impl From<MessageDef> for String {
    fn from(d: MessageDef) -> String {
        d.text()
    }
}

macro_rules! registry {
    ($($name:ident = $id:literal : $en:literal;)*) => {
        $(pub const $name: MessageDef = MessageDef { id: $id, english: $en };)*
        /// Every message, for the catalog test and for reading text back.
        pub const ALL: &[MessageDef] = &[$($name),*];
    };
}

registry! {
    // Generic field rules.
    REQUIRED = "err-required": "is required";
    TOO_LONG = "err-too-long": "must be at most {max} characters";
    TOO_SHORT = "err-too-short": "must be at least {min} characters";
    NOT_URL = "err-not-url": "is not a web address";
    PERCENT = "err-percent": "must be between 0 and 100";
    INVALID_VALUE = "err-invalid-value": "has an invalid value";
    UNKNOWN_FIELD = "err-unknown-field": "is not a known field";
    NOT_ID = "err-not-id": "must be an id (a whole number)";
    NOT_BOOL = "err-not-bool": "must be true or false";
    NOT_OBJECT = "err-not-object": "must be a JSON object";
    TOO_LARGE_TEXT = "err-too-large-text": "is too long";
    LISTED_TWICE = "err-listed-twice": "is listed twice";
    RELATED_TYPE = "err-related-type": "must be lead, account, contact or deal";
    RECORD_MISSING = "err-record-missing": "refers to a record that does not exist";
    NAME_REQUIRED = "err-name-required": "is required, at most 100 characters";
    // Dates and times.
    NOT_TIMESTAMP = "err-not-timestamp": "is not a date-time (expected RFC 3339, e.g. 2026-11-23T14:05:00Z)";
    NOT_DAY = "err-not-day": "is not a date (expected YYYY-MM-DD)";
    DATE_RANGE = "err-date-range": "must fall in the years 1900 to 2199";
    // Phones and e-mails.
    PHONE_INVALID = "err-phone-invalid": "is not a phone number";
    PHONE_TOO_FEW_DIGITS = "err-phone-too-few-digits": "has too few digits";
    PHONE_TOO_MANY_DIGITS = "err-phone-too-many-digits": "has too many digits";
    EMAIL_INVALID = "err-email-invalid": "is not an e-mail address";
    // Money.
    MONEY_SCALE = "err-money-scale": "must not have more than 2 digits after the decimal point";
    MONEY_TOO_LARGE = "err-money-too-large": "is too large";
    MONEY_NEGATIVE = "err-money-negative": "must not be negative";
    CURRENCY = "err-currency": "must be a three-letter ISO 4217 currency code such as RUB";
    // Legal identifiers.
    LEGAL_WRONG_LENGTH = "err-legal-wrong-length": "must be {expected} digits, got {got}";
    LEGAL_NOT_DIGITS = "err-legal-not-digits": "must contain digits only";
    LEGAL_CHECK_DIGIT = "err-legal-check-digit": "check digit does not match";
    LEGAL_FORMAT = "err-legal-format": "has an invalid format";
    BIC_FOR_ACCOUNTS = "err-bic-for-accounts": "is required to check the bank accounts";
    // Leads.
    LEAD_NEEDS_NAME = "err-lead-needs-name": "a lead needs a person's name or a company";
    LEAD_DISQUALIFY_REASON = "err-lead-disqualify-reason": "is required to disqualify a lead";
    LEAD_CONVERTED_STATUS = "err-lead-converted-status": "a converted lead cannot change status";
    LEAD_CONVERT_ONLY = "err-lead-convert-only": "a lead becomes converted only through conversion";
    LEAD_NOTHING_TO_CONVERT = "err-lead-nothing-to-convert": "the lead has neither a company nor a person to convert into";
    LEAD_ALREADY_CONVERTED = "err-lead-already-converted": "the lead is already converted";
    LEAD_DISQUALIFIED = "err-lead-disqualified": "a disqualified lead cannot be converted; set it to working first";
    // Contacts and accounts.
    CONTACT_NEEDS_NAME = "err-contact-needs-name": "a contact needs a first or last name";
    ACCOUNT_HAS_DEALS = "err-account-has-deals": "the account has {n} deal(s); delete or move them first";
    ACCOUNT_HAS_CONTACTS = "err-account-has-contacts": "the account has {n} contact(s); delete or move them first";
    CONTACT_HAS_DEALS = "err-contact-has-deals": "the contact has {n} deal(s); delete or move them first";
    STILL_REFERENCED = "err-still-referenced": "other records still refer to this one";
    // Deals.
    DEAL_NEEDS_CUSTOMER = "err-deal-needs-customer": "a deal needs a customer: an account or a contact";
    DEAL_STAGE_FOR_PIPELINE = "err-deal-stage-for-pipeline": "is required when the deal changes pipeline";
    DEAL_LOST_REASON = "err-deal-lost-reason": "is required to close a deal as lost";
    DEAL_REASON_ONLY_LOST = "err-deal-reason-only-lost": "only a deal closed as lost has a loss reason";
    DEAL_MOVE_LOST_REASON = "err-deal-move-lost-reason": "is required to move a deal to a lost stage (POST /deals/{{id}}/close or /move with a reason)";
    DEAL_CONTACT_ACCOUNT = "err-deal-contact-account": "works at another account than the deal's";
    DEAL_ALREADY_CLOSED = "err-deal-already-closed": "the deal is already closed as {status}; reopen it first";
    DEAL_ALREADY_OPEN = "err-deal-already-open": "the deal is open already";
    DEAL_OPEN_STAGE = "err-deal-open-stage": "must be an open stage of the deal's pipeline";
    PIPELINE_MISSING = "err-pipeline-missing": "refers to a pipeline that does not exist";
    NO_DEFAULT_PIPELINE = "err-no-default-pipeline": "is required: there is no default pipeline";
    NOT_STAGE_OF_PIPELINE = "err-not-stage-of-pipeline": "is not a stage of the deal's pipeline";
    PIPELINE_NO_OPEN_STAGE = "err-pipeline-no-open-stage": "has no open stage";
    PIPELINE_NO_STAGE_OF_KIND = "err-pipeline-no-stage-of-kind": "the pipeline has no {kind} stage";
    COMPETITOR_MISSING = "err-competitor-missing": "refers to a competitor that does not exist";
    COMPETITOR_ON_DEALS = "err-competitor-on-deals": "the competitor is on {n} deal(s); remove it from them first";
    // Pipelines and stages.
    STAGE_WON_PROBABILITY = "err-stage-won-probability": "must be 100 for a won stage";
    STAGE_LOST_PROBABILITY = "err-stage-lost-probability": "must be 0 for a lost stage";
    PIPELINE_NEEDS_OPEN_STAGE = "err-pipeline-needs-open-stage": "a pipeline needs at least one open stage";
    PIPELINE_DEFAULT_ELSEWHERE = "err-pipeline-default-elsewhere": "make another pipeline the default instead";
    PIPELINE_STAGES_ONCE = "err-pipeline-stages-once": "must list every stage of the pipeline exactly once";
    PIPELINE_DEFAULT_DELETE = "err-pipeline-default-delete": "the default pipeline cannot be deleted; make another one the default first";
    PIPELINE_HAS_DEALS = "err-pipeline-has-deals": "the pipeline holds {n} deal(s); move them to another pipeline first";
    STAGE_KIND_HAS_DEALS = "err-stage-kind-has-deals": "the stage holds {n} deal(s); its kind cannot change until they are moved";
    STAGE_HAS_DEALS = "err-stage-has-deals": "the stage holds {n} deal(s); move them to another stage first";
    LAST_OPEN_STAGE = "err-last-open-stage": "the last open stage of a pipeline cannot be deleted";
    // Activities and notes.
    ACTIVITY_STATUS_OF_KIND = "err-activity-status-of-kind": "{status} is not a status of {kind}";
    EVENT_NEEDS = "err-event-needs": "is required for an event";
    END_BEFORE_START = "err-end-before-start": "must not be before the start";
    INTERACTION_CHANNEL = "err-interaction-channel": "is required for an interaction: call, email, message or meeting";
    ACTIVITY_KIND_FIXED = "err-activity-kind-fixed": "cannot be changed; create a new activity";
    ACTIVITY_TRANSITION = "err-activity-transition": "cannot change from {from} to {to} for {kind}";
    NOTES_PER_RECORD = "err-notes-per-record": "notes are listed per record: give related_type and related_id";
    NOTE_CANNOT_MOVE = "err-note-cannot-move": "a note cannot move to another record";
    // Users, teams and ownership.
    LOGIN_FORMAT = "err-login-format": "may contain letters, digits and . _ - @, at most 64 characters";
    TIME_ZONE = "err-time-zone": "must be an IANA time zone such as Europe/Moscow";
    LOGIN_TAKEN = "err-login-taken": "is already taken";
    ADMIN_ONLY = "err-admin-only": "only an administrator can change this";
    NOT_YOURSELF = "err-not-yourself": "you cannot demote or disable yourself";
    TEAM_MISSING = "err-team-missing": "refers to a team that does not exist";
    USER_MISSING = "err-user-missing": "refers to a user that does not exist";
    USER_INACTIVE = "err-user-inactive": "is not an active user";
    OWNER_NOT_VISIBLE = "err-owner-not-visible": "must be yourself or a member of your team";
    TEAM_HAS_MEMBERS = "err-team-has-members": "the team has {n} member(s); move them to another team first";
    // Lookups.
    LOOKUP_INACTIVE = "err-lookup-inactive": "refers to an entry that is no longer in use";
    LOOKUP_MISSING = "err-lookup-missing": "refers to an entry that does not exist";
    LOOKUP_IN_USE = "err-lookup-in-use": "{n} record(s) use this entry; deactivate it instead (active: false)";
    // Lists.
    LIST_SORT = "err-list-sort": "cannot sort by {name}";
    LIST_LIMIT = "err-list-limit": "must be a number from 1 to 500";
    LIST_CURSOR = "err-list-cursor": "is not a cursor this server issued";
    LIST_TOTAL = "err-list-total": "must be true, false or capped";
    LIST_Q = "err-list-q": "is not supported for this list";
    LIST_FILTER_FIELD = "err-list-filter-field": "is not a field that can be filtered on";
    LIST_CURSOR_SORT = "err-list-cursor-sort": "was issued for another sort order";
    LIST_CURSOR_MISMATCH = "err-list-cursor-mismatch": "does not match the sort order";
    LIST_NEEDS_VALUE = "err-list-needs-value": "needs a value";
    LIST_OPERATOR = "err-list-operator": "does not support the {op} operator";
    // Numbers and amounts of documents.
    POSITIVE = "err-positive": "must be greater than zero";
    QUANTITY_SCALE = "err-quantity-scale": "must not have more than 3 digits after the decimal point";
    QUANTITY_DIGITS = "err-quantity-digits": "must have at most 3 digits after the point";
    LINE_AMOUNT_TOO_LARGE = "err-line-amount-too-large": "makes the line amount too large";
    DOCUMENT_SUM_TOO_LARGE = "err-document-sum-too-large": "add up to more than the largest amount a document can carry";
    NOT_PRICED = "err-not-priced": "could not be priced";
    DISCOUNT_OVER_100 = "err-discount-over-hundred": "must not be more than 100 percent";
    DISCOUNT_OVER_LINE = "err-discount-over-line": "must not exceed the line amount ({amount})";
    DISCOUNT_OVER_SUBTOTAL = "err-discount-over-subtotal": "must not exceed the subtotal ({amount})";
    LINES_MAX = "err-lines-max": "must have at most {max} lines";
    LINE_NAME_REQUIRED = "err-line-name-required": "is required when no product is chosen";
    QUOTES_ONLY = "err-quotes-only": "applies to quotes only";
    INVOICES_ONLY = "err-invoices-only": "applies to invoices only";
    // VAT and tax regimes.
    VAT_RATE = "err-vat-rate": "is not a VAT rate: expected a percent from 0 to 99 or \"none\"";
    TAX_REGIME = "err-tax-regime": "is not a tax regime: expected general, simplified5, simplified7 or exempt";
    VAT_NOT_IN_FORCE = "err-vat-not-in-force": "{rate} is not in force on {on} under the {regime} tax regime; allowed: {allowed}";
    // Invoice number formats.
    NUMBER_NO_SEQ = "err-number-no-seq": "must contain {{seq}}, the running number";
    NUMBER_SEQ_TWICE = "err-number-seq-twice": "must contain {{seq}} only once";
    NUMBER_PLACEHOLDER = "err-number-placeholder": "has an unknown placeholder {{{name}}}; use {{seq}}, {{seq:05}} or {{year}}";
    NUMBER_WIDTH = "err-number-width": "has an invalid width in {{{name}}}; write it as 0 and the number of digits, as in {{seq:05}}";
    NUMBER_UNCLOSED = "err-number-unclosed": "has a {{ without its closing }}";
    NUMBER_STRAY_CLOSE = "err-number-stray-close": "has a }} without its opening {{";
    // Document lifecycles (the longer invoice message first: it reads back before the general one).
    INVOICE_CANCEL_PAID = "err-invoice-cancel-paid": "an invoice in status {status} cannot be canceled: {paid} is paid against it; a paid or partly paid invoice cannot be canceled, remove its payments first";
    QUOTE_TRANSITION = "err-quote-transition": "a quote in status {status} cannot be {action}";
    ORDER_TRANSITION = "err-order-transition": "an order in status {status} cannot be {action}";
    INVOICE_TRANSITION = "err-invoice-transition": "an invoice in status {status} cannot be {action}";
    // Documents.
    PRICE_BOOK_MISSING = "err-price-book-missing": "refers to a price book that does not exist";
    PRODUCT_MISSING = "err-product-missing": "refers to a product that does not exist";
    PRICE_CURRENCY = "err-price-currency": "is required: the product is priced in {product}, the document is in {document}";
    DOCUMENT_NEEDS_CUSTOMER = "err-document-needs-customer": "a document needs a customer: an account, a contact or a deal that has one";
    QUOTE_READ_ONLY = "err-quote-read-only": "the document is {status}: only a draft quote can be edited; revise it to change it";
    ORDER_READ_ONLY = "err-order-read-only": "the document is {status}: only a created order can be edited";
    INVOICE_READ_ONLY = "err-invoice-read-only": "the document is {status}: only a draft invoice can be edited";
    ONLY_DRAFTS_DELETED = "err-only-drafts-deleted": "only drafts can be deleted; this one is {status} (cancel it instead)";
    INVOICES_MADE = "err-invoices-made": "{n} invoice(s) were made from this document; it cannot be deleted";
    ORDERS_MADE = "err-orders-made": "{n} order(s) were made from this document; it cannot be deleted";
    REVISIONS_MADE = "err-revisions-made": "{n} revision(s) were made from this document; it cannot be deleted";
    QUOTE_NEEDS_LINE = "err-quote-needs-line": "a quote needs at least one line to be activated";
    INVOICE_NEEDS_LINE = "err-invoice-needs-line": "an invoice needs at least one line to be issued";
    ORDER_FROM_WON_QUOTE = "err-order-from-won-quote": "an order is made from a won quote; win the quote first";
    QUOTE_NOT_INVOICED = "err-quote-not-invoiced": "the quote is {status}: only an active or won quote is invoiced";
    ORDER_CANCELED = "err-order-canceled": "the order is canceled";
    // Won only when paid and shipped.
    DEAL_WON_NEEDS_PAID = "err-deal-won-needs-paid": "the deal can be won only when it is fully paid and shipped: {missing}";
    DEAL_NO_INVOICE = "err-deal-no-invoice": "it has no invoice yet";
    DEAL_NO_ISSUED_INVOICE = "err-deal-no-issued-invoice": "it has no issued invoice yet";
    INVOICE_NOT_PAID = "err-invoice-not-paid": "invoice {number} is paid {paid} of {total} {currency}";
    INVOICE_NOT_SHIPPED = "err-invoice-not-shipped": "invoice {number}: {left} of «{name}» not shipped";
    // Payments.
    PAYMENT_NEEDS_PARTY = "err-payment-needs-party": "a payment needs a payer or payee: an account or a contact";
    OUTGOING_NEEDS_ACCOUNT = "err-outgoing-needs-account": "is required for an outgoing payment (the vendor)";
    INCOMING_ONLY = "err-incoming-only": "only incoming payments pay our invoices";
    SAME_INVOICE_TWICE = "err-same-invoice-twice": "names the same invoice twice";
    INVOICE_MISSING = "err-invoice-missing": "refers to an invoice that does not exist";
    INVOICE_TAKES_NO_PAYMENTS = "err-invoice-takes-no-payments": "invoice {number} is {status}: only a sent, unpaid invoice takes payments";
    PAYMENT_CURRENCY = "err-payment-currency": "the invoice is in {invoice}, the payment in {payment}";
    PAYMENT_OTHER_CUSTOMER = "err-payment-other-customer": "is an invoice of another customer than the payer";
    NOTHING_TO_ALLOCATE = "err-nothing-to-allocate": "nothing to allocate: the payment is used up or the invoice is paid";
    PAYMENT_LEFT = "err-payment-left": "is more than the payment has left ({left})";
    INVOICE_OWES = "err-invoice-owes": "is more than the invoice still owes ({balance})";
    // Acts and shipments.
    DELIVERY_NEEDS_ISSUED = "err-delivery-needs-issued": "the invoice is {status}: acts and shipments follow an issued invoice";
    NOT_INVOICE_LINE = "err-not-invoice-line": "is not a line of this invoice";
    OVER_DELIVERY = "err-over-delivery": "is more than is left to deliver of «{name}»: {left} of {quantity} (already {done})";
    GOODS_ALL_SHIPPED = "err-goods-all-shipped": "nothing is left to deliver: the invoice's goods are all on shipments already";
    SERVICES_ALL_ACTED = "err-services-all-acted": "nothing is left to deliver: the invoice's services are all on acts already";
    // The catalog and our company.
    CURRENCY_INACTIVE = "err-currency-inactive": "is a currency that is no longer in use";
    CURRENCY_UNKNOWN = "err-currency-unknown": "is not a currency of the catalog";
    UNIT_UNKNOWN = "err-unit-unknown": "is not a unit of measure of the catalog";
    SKU_USED_BY = "err-sku-used-by": "is already used by product #{id} «{name}»";
    SKU_TAKEN = "err-sku-taken": "is already used by another product";
    PRODUCT_ON_LINES = "err-product-on-lines": "the product is on {n} document line(s); deactivate it instead (active: false)";
    VALID_TO_BEFORE_FROM = "err-valid-to-before-from": "must not be before valid_from";
    BEFORE_DOC_DATE = "err-before-doc-date": "must not be before the document date";
    RATE_POSITIVE = "err-rate-positive": "must be more than zero";
    RATE_SCALE = "err-rate-scale": "must not have more than 6 digits after the decimal point";
    ALREADY_IN_LIST = "err-already-in-list": "is already in the list";
    CANNOT_CHANGE = "err-cannot-change": "cannot be changed";
    BASE_CURRENCY_ACTIVE = "err-base-currency-active": "the base currency of our company cannot be deactivated";
    BASE_CURRENCY_RATE = "err-base-currency-rate": "is the base currency: its rate is always 1";
    BOOK_CURRENCY_FIXED = "err-book-currency-fixed": "cannot change while the book has prices; remove them first";
    BOOK_IN_USE = "err-book-in-use": "{n} document(s) use this price book; deactivate it instead (active: false)";
    // Pipelines and quotes.
    QUOTE_WON_STAGE_LATER = "err-quote-won-stage-later": "can be set once the pipeline and its stages exist";
    NOT_STAGE_OF_THIS_PIPELINE = "err-not-stage-of-this-pipeline": "is not a stage of this pipeline";
    // The report builder.
    BUILDER_ENTITY = "err-builder-entity": "must be one of the entities: {allowed}";
    BUILDER_FIELD = "err-builder-field": "is not a field of {entity}";
    BUILDER_TOO_MANY = "err-builder-too-many": "must have at most {max} entries";
    BUILDER_OPERATOR = "err-builder-operator": "does not apply to {field}; use one of {allowed}";
    BUILDER_VALUES = "err-builder-values": "{op} takes {n} value(s)";
    BUILDER_BETWEEN_ORDER = "err-builder-between-order": "the first value must not be after the second";
    BUILDER_NOT_NUMBER = "err-builder-not-number": "{value} is not a number";
    BUILDER_CHOICE = "err-builder-choice": "must be one of: {allowed}";
    BUILDER_NOT_GROUPABLE = "err-builder-not-groupable": "{field} cannot be grouped by";
    BUILDER_GRAIN = "err-builder-grain": "must be one of the periods: {allowed}";
    BUILDER_GRAIN_NOT_DATE = "err-builder-grain-not-date": "applies to date fields only, and {field} is not one";
    BUILDER_FUNC = "err-builder-func": "must be one of the functions: {allowed}";
    BUILDER_COUNT_NO_FIELD = "err-builder-count-no-field": "count counts records and takes no field";
    BUILDER_NEEDS_FIELD = "err-builder-needs-field": "{func} needs a number or money field";
    BUILDER_NOT_AGGREGATABLE = "err-builder-not-aggregatable": "{field} is not a number or money: {func} does not apply";
    BUILDER_CHART = "err-builder-chart": "must be one of the charts: {allowed}";
    BUILDER_TOO_MANY_PERIODS = "err-builder-too-many-periods": "gives more than {max} periods; choose a longer period or filter the dates";
    REPORT_OWNER_ONLY = "err-report-owner-only": "only the report's owner or an administrator can change it";
}

/// A template with its arguments put in; an argument not given stays `{name}`.
pub fn render(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Arg(name) => match args.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => out.push_str(v),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// The registry message `text` was rendered from, with its arguments. Exact
/// templates win over ones with arguments, so "is required" is never read as
/// an argument of a longer template; among those with arguments the first
/// listed wins.
pub fn parse(text: &str) -> Option<(MessageDef, Vec<(&'static str, String)>)> {
    if let Some(def) = ALL
        .iter()
        .find(|d| d.arg_names().is_empty() && d.text() == text)
    {
        return Some((*def, Vec::new()));
    }
    ALL.iter()
        .filter(|d| !d.arg_names().is_empty())
        .find_map(|d| matches(d.english, text).map(|args| (*d, args)))
}

enum Piece<'a> {
    Text(String),
    Arg(&'a str),
}

/// Literal text (with `{{`/`}}` unescaped, neighbours merged) and arguments.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        text.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            text.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if tail.starts_with('{')
            && let Some(close) = tail.find('}')
        {
            if !text.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut text)));
            }
            out.push(Piece::Arg(&tail[1..close]));
            rest = &tail[close + 1..];
        } else {
            text.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

fn matches(template: &'static str, text: &str) -> Option<Vec<(&'static str, String)>> {
    let pieces = pieces(template);
    let mut rest = text;
    let mut args = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) => rest = rest.strip_prefix(t.as_str())?,
            Piece::Arg(name) => {
                // The argument runs up to the next literal (or to the end).
                let value = match pieces.get(i + 1) {
                    Some(Piece::Text(next)) if i + 2 == pieces.len() => {
                        rest.strip_suffix(next.as_str())?
                    }
                    Some(Piece::Text(next)) => &rest[..rest.find(next.as_str())?],
                    _ => rest,
                };
                if value.is_empty() {
                    return None;
                }
                args.push((*name, value.to_owned()));
                rest = &rest[value.len()..];
            }
        }
    }
    rest.is_empty().then_some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_catalog_keys() {
        let mut ids: Vec<_> = ALL.iter().map(|d| d.id).collect();
        assert!(
            ids.iter().all(|id| id.starts_with("err-")
                && id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        let mut texts: Vec<_> = ALL.iter().map(|d| d.english).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), n, "two ids share an English template");
    }

    #[test]
    fn every_template_reads_back_as_itself() {
        for d in ALL {
            let args: Vec<(&'static str, String)> = d
                .arg_names()
                .into_iter()
                .map(|name| (name, format!("7{name}")))
                .collect();
            let text = render(d.english, &args);
            let (found, back) = parse(&text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(found.id, d.id, "{text}");
            assert_eq!(back, args, "{text}");
        }
    }

    #[test]
    fn core_errors_map_to_registry_ids() {
        use crate::datetime::TimeError;
        use crate::documents::NumberFormatError;
        use crate::email::EmailError;
        use crate::legal::LegalError;
        use crate::money::MoneyError;
        use crate::phone::PhoneError;
        use crate::vat::VatError;
        let cases: Vec<(String, &str)> = vec![
            (
                LegalError::WrongLength {
                    expected: "10 or 12",
                    got: 3,
                }
                .to_string(),
                "err-legal-wrong-length",
            ),
            (LegalError::NotDigits.to_string(), "err-legal-not-digits"),
            (
                LegalError::BadCheckDigit.to_string(),
                "err-legal-check-digit",
            ),
            (LegalError::BadFormat.to_string(), "err-legal-format"),
            (PhoneError::NotAPhone.to_string(), "err-phone-invalid"),
            (PhoneError::TooShort.to_string(), "err-phone-too-few-digits"),
            (PhoneError::TooLong.to_string(), "err-phone-too-many-digits"),
            (EmailError::Invalid.to_string(), "err-email-invalid"),
            (MoneyError::TooPrecise.to_string(), "err-money-scale"),
            (MoneyError::TooLarge.to_string(), "err-money-too-large"),
            (MoneyError::Negative.to_string(), "err-money-negative"),
            (MoneyError::BadCurrency.to_string(), "err-currency"),
            (TimeError::BadTimestamp.to_string(), "err-not-timestamp"),
            (TimeError::BadDay.to_string(), "err-not-day"),
            (VatError::BadRate.to_string(), "err-vat-rate"),
            (VatError::BadRegime.to_string(), "err-tax-regime"),
            (
                VatError::NotInForce {
                    rate: "20%".into(),
                    on: crate::Day::parse("2026-01-01").unwrap(),
                    regime: "general",
                    allowed: "22%, 10%, 0%".into(),
                }
                .to_string(),
                "err-vat-not-in-force",
            ),
            (
                NumberFormatError::MissingSeq.to_string(),
                "err-number-no-seq",
            ),
            (
                NumberFormatError::RepeatedSeq.to_string(),
                "err-number-seq-twice",
            ),
            (
                NumberFormatError::UnknownPlaceholder("yaer".into()).to_string(),
                "err-number-placeholder",
            ),
            (
                NumberFormatError::BadWidth("seq:5".into()).to_string(),
                "err-number-width",
            ),
            (
                NumberFormatError::Unclosed.to_string(),
                "err-number-unclosed",
            ),
            (
                NumberFormatError::StrayClose.to_string(),
                "err-number-stray-close",
            ),
            (NumberFormatError::TooLong.to_string(), "err-too-long"),
        ];
        for (text, id) in cases {
            assert_eq!(Message::from_text(&text).id(), Some(id), "{text}");
        }
        let m =
            Message::from_text(&NumberFormatError::UnknownPlaceholder("yaer".into()).to_string());
        assert_eq!(m.args(), &[("name", "yaer".to_owned())]);
        assert_eq!(
            NUMBER_NO_SEQ.text(),
            "must contain {seq}, the running number"
        );
        let m = Message::from_text("must be 10 or 12 digits, got 3");
        assert_eq!(
            m.args(),
            &[("expected", "10 or 12".to_owned()), ("got", "3".to_owned())]
        );
    }
}
