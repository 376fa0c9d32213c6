//! The `voronka` binary: the server and its administration commands.
//!
//! Configuration, highest precedence first: command-line flags, `VORONKA_*`
//! environment variables, `voronka.toml`, built-in defaults.

mod config;
mod demo;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use rand::Rng;
use serde_json::json;
use voronka_store::{Actor, Db, migrate, pipelines, users};

#[derive(Parser)]
#[command(
    name = "voronka",
    version,
    about = "Voronka CRM: the whole sales cycle in one binary"
)]
struct Cli {
    /// Database URL: sqlite://voronka.db (default) or postgres://user@host/db.
    #[arg(long, global = true, env = "VORONKA_DATABASE_URL")]
    database_url: Option<String>,
    /// Configuration file (read if it exists).
    #[arg(
        long,
        global = true,
        env = "VORONKA_CONFIG",
        default_value = "voronka.toml"
    )]
    config: std::path::PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database and creates the administrator if there is none).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "VORONKA_ADDR")]
        addr: Option<String>,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Fill the database with realistic Russian demo data.
    Demo {
        /// How many deals to create.
        #[arg(long, default_value_t = 2000)]
        deals: u64,
        /// Seed of the random generator, for repeatable data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; prints the password when none is given.
    Add {
        login: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// admin, head or manager.
        #[arg(long, default_value = "manager")]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// Team id.
        #[arg(long)]
        team: Option<i64>,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        locale: String,
        /// Password; read from VORONKA_PASSWORD when not given, else generated and printed.
        #[arg(long, env = "VORONKA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List users.
    List,
    /// Set a user's password; prints it when generated.
    Passwd {
        login: String,
        #[arg(long, env = "VORONKA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable a user: they can no longer log in, their records stay.
    Disable { login: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (it is shown only once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let config = Config::load(&cli.config, cli.database_url.clone())?;
    init_tracing(&config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli, config))
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Logs to stderr: stdout carries what commands print for people and scripts.
        .with_writer(std::io::stderr)
        .init();
}

async fn open(config: &Config) -> Result<Db> {
    let db = Db::connect(&config.database_url).await.with_context(|| {
        format!(
            "opening {}",
            voronka_store::db::redact(&config.database_url)
        )
    })?;
    let applied = migrate::migrate(&db)
        .await
        .context("migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "database migrated");
    }
    pipelines::seed(&db, &config.locale)
        .await
        .context("seeding defaults")?;
    Ok(db)
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn hash(password: String) -> Result<String> {
    users::check_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    voronka_web::auth::hash_password(password)
        .await
        .map_err(|_| anyhow::anyhow!("could not hash the password"))
}

async fn find_user(db: &Db, login: &str) -> Result<voronka_core::records::User> {
    match users::find_by_login(db, login).await? {
        Some((u, _)) => Ok(u),
        None => bail!("no user with login {login:?}"),
    }
}

async fn run(cli: Cli, config: Config) -> Result<()> {
    match cli.command {
        Command::Serve { addr } => serve(config, addr).await,
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            let applied = migrate::migrate(&db).await?;
            pipelines::seed(&db, &config.locale).await?;
            println!(
                "schema at version {} (applied now: {:?})",
                migrate::latest_version(),
                applied
            );
            Ok(())
        }
        Command::User { command } => {
            let db = open(&config).await?;
            user_command(&db, command).await
        }
        Command::Token {
            command: TokenCommand::Create { user, name },
        } => {
            let db = open(&config).await?;
            let u = find_user(&db, &user).await?;
            let (_, secret) = users::create_token(&db, &Actor::system(), u.id, &name).await?;
            println!("{secret}");
            Ok(())
        }
        Command::Demo { deals, seed } => {
            let db = open(&config).await?;
            demo::run(&db, deals, seed).await
        }
    }
}

async fn user_command(db: &Db, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            email,
            team,
            locale,
            password,
        } => {
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (random_password(), true),
            };
            let body = json!({"login": login, "name": name, "role": role, "email": email, "team_id": team, "locale": locale});
            let user = users::create_user(
                db,
                &Actor::system(),
                body,
                Some(hash(password.clone()).await?),
            )
            .await?;
            println!("created user {} (id {})", user.data.login, user.id);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::List => {
            for u in users::list_users(db).await? {
                println!(
                    "{:>5}  {:<20} {:<8} {:<8} {}",
                    u.id,
                    u.data.login,
                    u.data.role.as_str(),
                    if u.data.active { "active" } else { "disabled" },
                    u.data.name
                );
            }
            Ok(())
        }
        UserCommand::Passwd { login, password } => {
            let u = find_user(db, &login).await?;
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (random_password(), true),
            };
            users::set_password_hash(
                db,
                &Actor::system(),
                u.id,
                hash(password.clone()).await?,
                None,
            )
            .await?;
            println!("password of {} changed", u.data.login);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::Disable { login } => {
            let u = find_user(db, &login).await?;
            users::update_user(db, &Actor::system(), u.id, json!({"active": false})).await?;
            println!("{} disabled", u.data.login);
            Ok(())
        }
    }
}

async fn serve(config: Config, addr: Option<String>) -> Result<()> {
    let addr = addr.unwrap_or_else(|| config.addr.clone());
    let db = open(&config).await?;
    if users::count_users(&db).await? == 0 {
        let (password, generated) = match std::env::var("VORONKA_ADMIN_PASSWORD") {
            Ok(p) if !p.is_empty() => (p, false),
            _ => (random_password(), true),
        };
        let body = json!({"login": "admin", "name": "Administrator", "role": "admin", "locale": config.locale});
        users::create_user(
            &db,
            &Actor::system(),
            body,
            Some(hash(password.clone()).await?),
        )
        .await?;
        println!("Created the administrator. Log in at http://{addr} as: admin");
        if generated {
            println!("Password (shown once, change it after logging in): {password}");
        } else {
            println!("Password: the one in VORONKA_ADMIN_PASSWORD");
        }
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!(%addr, database = %voronka_store::db::redact(&config.database_url), "Voronka is serving");
    println!("Voronka is running at http://{addr}");
    let web = voronka_web::WebConfig {
        secure_cookies: config.secure_cookies,
        default_locale: config.locale.clone(),
        ..Default::default()
    };
    voronka_web::serve(
        listener,
        voronka_web::app(db.clone(), web),
        shutdown_signal(),
    )
    .await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
