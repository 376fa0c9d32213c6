//! Validation errors that name the field and the problem.
//!
//! Every input type collects *all* of its problems before failing, so a form
//! shows every message at once instead of one per submit.

use std::collections::BTreeMap;
use std::fmt;

/// Field name → human-readable problem. Ordered so responses are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl fmt::Display) {
        // The first problem of a field is the one worth showing.
        self.0
            .entry(field.into())
            .or_insert_with(|| message.to_string());
    }

    /// Records the error of a fallible check under `field`, returning the value on success.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
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

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
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
    pub fn field(field: &str, message: impl fmt::Display) -> Self {
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
