//! API integration tests: a real server on a random port and a real database.
//! Run against PostgreSQL with VORONKA_TEST_DATABASE_URL=postgres://…

mod auth;
mod helpers;
mod story;
