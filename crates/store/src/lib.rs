//! Persistence for Voronka: one SQL code path for SQLite and PostgreSQL.
//!
//! Architecture invariant: only this crate speaks SQL. Every write is one
//! transaction ([`Db::write`]); every read of sales records goes through the
//! visibility rule of [`Actor`].

pub mod accounts;
pub mod activities;
pub mod actor;
pub mod audit;
pub mod builder;
pub mod catalog;
pub mod company;
pub mod contacts;
pub mod db;
pub mod deals;
pub mod demo;
pub mod documents;
pub mod error;
pub mod leads;
pub mod list;
pub mod lookups;
pub mod migrate;
pub mod notes;
pub mod payments;
pub mod pipelines;
mod related;
pub mod reports;
pub mod rollup;
pub mod rules;
pub mod search;
pub mod table;
pub mod testing;
pub mod timeline;
pub mod users;
pub mod views;

pub use actor::Actor;
pub use db::{Backend, Db};
pub use error::{DuplicateCandidate, Result, StoreError};
pub use list::Page;

/// The text, or the fallback when it is blank.
pub(crate) fn text_or(v: Option<String>, fallback: String) -> String {
    voronka_core::text::clean(v).unwrap_or(fallback)
}
