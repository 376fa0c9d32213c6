//! The registry of every validation and conflict message core and store
//! produce: a stable id (the key of its translation in the interface's
//! catalogs, `crates/web/i18n/*.ftl`) and the English template the JSON API
//! answers with. `{name}` in a template is a named argument.
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
        d.english.to_owned()
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
    DEAL_MOVE_LOST_REASON = "err-deal-move-lost-reason": "is required to move a deal to a lost stage (POST /deals/{id}/close or /move with a reason)";
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
}

/// A template with its arguments put in; an argument not given stays `{name}`.
pub fn render(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(t),
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
/// an argument of a longer template.
pub fn parse(text: &str) -> Option<(MessageDef, Vec<(&'static str, String)>)> {
    if let Some(def) = ALL.iter().find(|d| d.english == text) {
        return Some((*def, Vec::new()));
    }
    ALL.iter()
        .filter(|d| d.english.contains('{'))
        .find_map(|d| matches(d.english, text).map(|args| (*d, args)))
}

enum Piece<'a> {
    Text(&'a str),
    Arg(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Arg(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn matches(template: &'static str, text: &str) -> Option<Vec<(&'static str, String)>> {
    let pieces = pieces(template);
    let mut rest = text;
    let mut args = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        match pieces[i] {
            Piece::Text(t) => rest = rest.strip_prefix(t)?,
            Piece::Arg(name) => {
                // The argument runs up to the next literal (or to the end).
                let value = match pieces.get(i + 1) {
                    Some(Piece::Text(next)) if i + 2 == pieces.len() => rest.strip_suffix(next)?,
                    Some(Piece::Text(next)) => &rest[..rest.find(next)?],
                    _ => rest,
                };
                if value.is_empty() {
                    return None;
                }
                args.push((name, value.to_owned()));
                rest = &rest[value.len()..];
            }
        }
        i += 1;
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
            let args: Vec<(&'static str, String)> = pieces(d.english)
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Arg(name) => Some((name, format!("7{name}"))),
                    Piece::Text(_) => None,
                })
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
        use crate::email::EmailError;
        use crate::legal::LegalError;
        use crate::money::MoneyError;
        use crate::phone::PhoneError;
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
        ];
        for (text, id) in cases {
            assert_eq!(Message::from_text(&text).id(), Some(id), "{text}");
        }
        let m = Message::from_text("must be 10 or 12 digits, got 3");
        assert_eq!(
            m.args(),
            &[("expected", "10 or 12".to_owned()), ("got", "3".to_owned())]
        );
    }
}
