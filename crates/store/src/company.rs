//! Our own company: one row (id = 1), created on the first save. Until then
//! [`current`] answers the defaults (general tax regime, roubles, invoice
//! numbers `{year}-{seq:05}`). Administrators write it; everyone reads it.

use crate::actor::Actor;
use crate::audit::{self, diff};
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::pipelines::require_admin;
use crate::table::{self, merge, object, parse, to_json};
use serde_json::Value;
use voronka_core::FieldErrors;
use voronka_core::money::Currency;
use voronka_core::records::{Company, CompanyData, EntityKind, RecordData};

/// The currency the company keeps its books in (a new deal's), without
/// reading the rest of its details: every deal created reads it.
pub async fn base_currency(c: &mut impl Conn) -> Result<Currency> {
    let row = sqlx::query("SELECT base_currency FROM company WHERE id = 1")
        .fetch_optional(c.conn())
        .await?;
    match row {
        Some(r) => Currency::parse(&col::s(&r, "base_currency")?)
            .map_err(|e| StoreError::corrupt(format!("base_currency: {e}"))),
        None => Ok(CompanyData::default().base_currency),
    }
}

/// Puts the company's own currency into a new record's body where it names
/// none: a deal, a product or a price book is in the books' currency unless
/// told otherwise.
pub(crate) async fn default_currency(
    tx: &mut Tx,
    body: &mut serde_json::Map<String, Value>,
) -> Result<()> {
    if body.get("currency").is_none_or(Value::is_null) {
        let base = base_currency(tx).await?;
        body.insert("currency".into(), base.as_str().into());
    }
    Ok(())
}

/// [`base_currency`] on a connection of its own: the currency that pages
/// and reports show sums in unless told another.
pub async fn read_base_currency(db: &Db) -> Result<Currency> {
    let mut c = db.reader().await?;
    base_currency(&mut c).await
}

/// Our company's details, or the defaults when they were never saved.
pub async fn current(c: &mut impl Conn) -> Result<Company> {
    let row = sqlx::query("SELECT * FROM company WHERE id = 1")
        .fetch_optional(c.conn())
        .await?;
    let Some(r) = row else {
        return Ok(Company::new(CompanyData::default(), None, None));
    };
    let base = col::s(&r, "base_currency")?;
    let data = CompanyData {
        legal_name: col::s(&r, "legal_name")?,
        short_name: col::os(&r, "short_name")?,
        inn: col::os(&r, "inn")?,
        kpp: col::os(&r, "kpp")?,
        ogrn: col::os(&r, "ogrn")?,
        legal_address: col::os(&r, "legal_address")?,
        postal_address: col::os(&r, "postal_address")?,
        phone: col::os(&r, "phone")?,
        email: col::os(&r, "email")?,
        bank_name: col::os(&r, "bank_name")?,
        bic: col::os(&r, "bic")?,
        settlement_account: col::os(&r, "settlement_account")?,
        correspondent_account: col::os(&r, "correspondent_account")?,
        director: col::os(&r, "director")?,
        chief_accountant: col::os(&r, "chief_accountant")?,
        tax_regime: col::s(&r, "tax_regime")?,
        base_currency: Currency::parse(&base)
            .map_err(|e| StoreError::corrupt(format!("base_currency: {e}")))?,
        invoice_number_format: col::s(&r, "invoice_number_format")?,
    };
    Ok(Company::new(
        data,
        Some(col::ts(&r, "updated_at")?),
        col::oi(&r, "updated_by")?,
    ))
}

pub async fn get(db: &Db) -> Result<Company> {
    let mut c = db.reader().await?;
    current(&mut c).await
}

/// Saves our company's details: with `replace` the body is the whole record
/// (absent fields take their defaults), otherwise the sent fields are laid
/// over the current ones. Either way the result is validated as a whole.
pub async fn save(db: &Db, actor: &Actor, body: Value, replace: bool) -> Result<Company> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = current(tx).await?;
            let data = if replace {
                parse::<CompanyData>(body)?
            } else {
                merge(&old.data, object(body)?)?
            }
            .validate()?;
            if data.base_currency != old.data.base_currency || old.updated_at.is_none() {
                let mut errors = FieldErrors::new();
                crate::catalog::check_currency(
                    tx,
                    &data.base_currency,
                    true,
                    "base_currency",
                    &mut errors,
                )
                .await?;
                errors.finish()?;
            }
            write(tx, &actor, &data, old.updated_at.is_some()).await?;
            let new = current(tx).await?;
            let changes = diff(&to_json(&old.data), &to_json(&new.data));
            if !changes.is_empty() {
                let action = if old.updated_at.is_some() {
                    "update"
                } else {
                    "create"
                };
                audit::record(tx, EntityKind::Company, 1, action, actor.user_id, &changes).await?;
            }
            Ok(new)
        })
    })
    .await
}

async fn write(tx: &mut Tx, actor: &Actor, d: &CompanyData, exists: bool) -> Result<()> {
    let cols: table::Columns = vec![
        ("legal_name", d.legal_name.clone().into()),
        ("short_name", table::opt_string(&d.short_name)),
        ("inn", table::opt_string(&d.inn)),
        ("kpp", table::opt_string(&d.kpp)),
        ("ogrn", table::opt_string(&d.ogrn)),
        ("legal_address", table::opt_string(&d.legal_address)),
        ("postal_address", table::opt_string(&d.postal_address)),
        ("phone", table::opt_string(&d.phone)),
        ("email", table::opt_string(&d.email)),
        ("bank_name", table::opt_string(&d.bank_name)),
        ("bic", table::opt_string(&d.bic)),
        (
            "settlement_account",
            table::opt_string(&d.settlement_account),
        ),
        (
            "correspondent_account",
            table::opt_string(&d.correspondent_account),
        ),
        ("director", table::opt_string(&d.director)),
        ("chief_accountant", table::opt_string(&d.chief_accountant)),
        ("tax_regime", d.tax_regime.clone().into()),
        ("base_currency", d.base_currency.as_str().to_owned().into()),
        (
            "invoice_number_format",
            d.invoice_number_format.clone().into(),
        ),
        ("updated_at", tx.now().to_db().into()),
        ("updated_by", actor.user_id.into()),
    ];
    if exists {
        table::update_row(tx, "company", 1, cols).await
    } else {
        let mut cols = cols;
        cols.push(("id", 1i64.into()));
        table::insert_row(tx, "company", cols).await.map(drop)
    }
}
