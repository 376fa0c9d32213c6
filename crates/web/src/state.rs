use std::sync::Arc;
use voronka_store::Db;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie Secure (behind TLS).
    pub secure_cookies: bool,
    pub session_ttl_seconds: i64,
    /// Locale of seeded names and of users who have not chosen one.
    pub default_locale: String,
    /// Failed logins allowed per login and per address within the window.
    pub login_attempts: i64,
    pub login_window_seconds: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_ttl_seconds: 30 * 24 * 3600,
            default_locale: "ru".into(),
            login_attempts: 10,
            login_window_seconds: 15 * 60,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
}
