//! API integration tests: a real server on a random port and a real database.
//! Run against PostgreSQL with VORONKA_TEST_DATABASE_URL=postgres://…
// clippy.toml allows unwrap/expect in #[test] functions; the helpers here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod auth;
mod builder;
mod calendar;
mod catalog;
mod catalog_pages;
mod commerce;
mod commerce_pages;
mod currency;
mod helpers;
mod lists;
mod pages;
mod permissions;
mod records;
mod reports;
mod settings;
mod story;
