//! Static files, embedded in the binary. The vendored libraries come from npm
//! through build.rs and are never committed.

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const APP_CSS: &str = include_str!("../../assets/app.css");
const APP_JS: &str = include_str!("../../assets/app.js");
const CALENDAR_JS: &str = include_str!("../../assets/calendar.js");
const HTMX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js"));
const SORTABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/Sortable.min.js"));

fn cached(content_type: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async { cached("text/css; charset=utf-8", APP_CSS.as_bytes()) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { cached("text/javascript; charset=utf-8", APP_JS.as_bytes()) }),
        )
        .route(
            "/assets/calendar.js",
            get(|| async { cached("text/javascript; charset=utf-8", CALENDAR_JS.as_bytes()) }),
        )
        .route(
            "/assets/htmx.min.js",
            get(|| async { cached("text/javascript; charset=utf-8", HTMX) }),
        )
        .route(
            "/assets/Sortable.min.js",
            get(|| async { cached("text/javascript; charset=utf-8", SORTABLE) }),
        )
}
