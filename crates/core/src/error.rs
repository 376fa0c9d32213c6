//! Validation errors that name the field and the problem.
//!
//! Every input type collects *all* of its problems before failing, so a form
//! shows every message at once instead of one per submit.
//!
//! A problem is a [`Message`]: a stable id from the registry in
//! [`crate::messages`] (the key of its translation in the interface's
//! catalogs), its named arguments, and the English text the JSON API answers
//! with. Text added without an id (any `impl Display`) is matched against the
//! registry's English templates; what matches nothing stays English only.

use crate::messages::{self, MessageDef};
use std::collections::BTreeMap;
use std::fmt;

/// One problem: its registry id (when known), arguments and English text.
///
/// Deliberately not `Display`: anything `Display` becomes a message through
/// [`IntoMessage`], and this type has its own, id-keeping conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    def: Option<MessageDef>,
    args: Vec<(&'static str, String)>,
    english: String,
}

impl Message {
    /// A message of the registry without arguments.
    pub fn new(def: MessageDef) -> Message {
        Message {
            def: Some(def),
            args: Vec::new(),
            english: def.text(),
        }
    }

    /// The same message with one more named argument (`{name}` in the template).
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Message {
        self.args.retain(|(k, _)| *k != name);
        self.args.push((name, value.to_string()));
        if let Some(def) = self.def {
            self.english = messages::render(def.english(), &self.args);
        }
        self
    }

    /// A registry message whose English text is more precise than its
    /// template (a parser's own words); translations use the id.
    pub fn detailed(def: MessageDef, english: impl Into<String>) -> Message {
        Message {
            def: Some(def),
            args: Vec::new(),
            english: english.into(),
        }
    }

    /// Text from elsewhere: the registry message it was rendered from, if
    /// any (with its arguments read back), else English only.
    pub fn from_text(text: &str) -> Message {
        match messages::parse(text) {
            Some((def, args)) => Message {
                def: Some(def),
                args,
                english: text.to_owned(),
            },
            None => Message {
                def: None,
                args: Vec::new(),
                english: text.to_owned(),
            },
        }
    }

    /// The catalog key, e.g. `err-required`.
    pub fn id(&self) -> Option<&'static str> {
        self.def.map(|d| d.id())
    }

    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// What the JSON API says.
    pub fn english(&self) -> &str {
        &self.english
    }

    pub fn into_english(self) -> String {
        self.english
    }
}

/// Anything that can be recorded as a field's problem: a [`Message`], a
/// registry entry, or any `Display` text (matched against the registry).
pub trait IntoMessage {
    fn into_message(self) -> Message;
}

impl IntoMessage for Message {
    fn into_message(self) -> Message {
        self
    }
}

impl IntoMessage for MessageDef {
    fn into_message(self) -> Message {
        Message::new(self)
    }
}

impl<T: fmt::Display> IntoMessage for T {
    fn into_message(self) -> Message {
        Message::from_text(&self.to_string())
    }
}

/// Field name → problem. Ordered so responses are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Message>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl IntoMessage) {
        // The first problem of a field is the one worth showing.
        self.0
            .entry(field.into())
            .or_insert_with(|| message.into_message());
    }

    /// Records the error of a fallible check under `field`, returning the value on success.
    pub fn check<T, E: IntoMessage>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Field → English text, as the JSON API answers.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
            .into_iter()
            .map(|(k, m)| (k, m.into_english()))
            .collect()
    }

    /// Field → English text.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, m)| (k, &m.english))
    }

    /// Field → message, for translation.
    pub fn messages(&self) -> impl Iterator<Item = (&String, &Message)> {
        self.0.iter()
    }

    pub fn into_messages(self) -> BTreeMap<String, Message> {
        self.0
    }

    /// `Ok(())` when nothing was recorded, so validators end with `errors.finish()?`.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self))
        }
    }
}

/// Input that breaks a rule; carries every offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", describe(.0))]
pub struct Invalid(pub FieldErrors);

impl Invalid {
    pub fn field(field: &str, message: impl IntoMessage) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self(errors)
    }
}

fn describe(errors: &FieldErrors) -> String {
    errors
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages as msg;

    #[test]
    fn ids_survive_add_and_check() {
        let mut e = FieldErrors::new();
        e.add("a", msg::REQUIRED);
        e.add("b", msg::TOO_LONG.with("max", 100));
        e.check::<(), _>("c", Err(crate::phone::PhoneError::TooShort));
        e.add("d", "is required");
        e.add("e", format_args!("something {} new", 1));
        let m: BTreeMap<_, _> = e.messages().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(m["a"].id(), Some("err-required"));
        assert_eq!(m["b"].id(), Some("err-too-long"));
        assert_eq!(m["b"].args(), &[("max", "100".to_owned())]);
        assert_eq!(m["b"].english(), "must be at most 100 characters");
        assert_eq!(m["c"].id(), Some("err-phone-too-few-digits"));
        assert_eq!(m["d"].id(), Some("err-required"));
        assert_eq!(m["e"].id(), None);
        assert_eq!(e.into_map()["e"], "something 1 new");
    }

    #[test]
    fn invalid_field_keeps_the_english_text() {
        let e = Invalid::field(
            "inn",
            msg::LEGAL_WRONG_LENGTH.with("expected", 10).with("got", 9),
        );
        assert_eq!(e.to_string(), "invalid input: inn must be 10 digits, got 9");
    }
}
