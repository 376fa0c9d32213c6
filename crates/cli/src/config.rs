//! One typed configuration: flags → environment → `voronka.toml` → defaults.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: String,
    pub locale: String,
    pub secure_cookies: bool,
    pub log: String,
}

/// `voronka.toml`. Unknown keys are refused so typos do not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    addr: Option<String>,
    locale: Option<String>,
    secure_cookies: Option<bool>,
    log: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// `database_url` comes from the flag or `VORONKA_DATABASE_URL` (clap reads both).
    pub fn load(path: &Path, database_url: Option<String>) -> Result<Config> {
        let file: FileConfig = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("in {}", path.display()))?
        } else {
            FileConfig::default()
        };
        let locale = env("VORONKA_LOCALE")
            .or(file.locale)
            .unwrap_or_else(|| "ru".into());
        if locale != "ru" && locale != "en" {
            anyhow::bail!("locale must be ru or en, not {locale:?}");
        }
        let secure_cookies = match env("VORONKA_SECURE_COOKIES") {
            Some(v) => matches!(v.as_str(), "1" | "true" | "yes"),
            None => file.secure_cookies.unwrap_or(false),
        };
        Ok(Config {
            database_url: database_url
                .or(file.database_url)
                .unwrap_or_else(|| "sqlite://voronka.db".into()),
            addr: env("VORONKA_ADDR")
                .or(file.addr)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            locale,
            secure_cookies,
            log: env("VORONKA_LOG")
                .or(env("RUST_LOG"))
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
        })
    }
}
