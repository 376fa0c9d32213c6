//! Voronka's domain: the records a sales team keeps and the rules they obey.
//!
//! Architecture invariant: this crate does no I/O. Everything here is a pure
//! function of its inputs, so every rule can be unit- and property-tested
//! without a database or a clock (the current time is always passed in).

pub mod activity;
pub mod builder;
pub mod datetime;
pub mod documents;
pub mod email;
pub mod error;
pub mod legal;
pub mod messages;
pub mod money;
pub mod phone;
pub mod pricing;
pub mod records;
pub mod reports;
pub mod rollup;
pub mod text;
pub mod vat;
pub mod words;

pub use datetime::{Day, Timestamp};
pub use error::{FieldErrors, IntoMessage, Invalid, Message};
pub use messages as msg;
pub use money::Money;
