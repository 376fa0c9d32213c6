//! The catalog: products, units of measure, VAT rates, currencies with their
//! exchange rates, price books with their entries — and what documents ask
//! of it: [`price_for`], [`rate_on`], [`default_vat_rate`].
//!
//! Everyone signed in reads the catalog. Products and price books are
//! written by administrators and heads of sales; VAT rates, currencies and
//! exchange rates by administrators only.

use crate::actor::Actor;
use crate::audit::{self, Change, creation, diff};
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, field, fold, money_field};
use crate::pipelines::require_admin;
use crate::rules::{Flags, Rules, refuse_if_referenced};
use crate::table::{self, Columns, Table, merge, object, parse, to_json};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;
use voronka_core::money::{self, Currency};
use voronka_core::records::{
    CurrencyData, EntityKind, ExchangeRate, Id, PriceBook, PriceBookData, PriceBookEntry,
    PriceInput, Product, ProductData, ProductPrice, RateInput, RecordData, Role, Unit, VatRate,
    VatRateData,
};
use voronka_core::vat::{self, TaxRegime, VatRule};
use voronka_core::{Day, FieldErrors, Invalid, msg};

// ---------------------------------------------------------------- permissions

/// Administrators and heads of sales keep the catalog (products, price books).
pub fn can_edit_catalog(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Head)
}

pub fn require_catalog_writer(actor: &Actor) -> Result<()> {
    if can_edit_catalog(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only an administrator or a head of sales can change the catalog".into(),
        ))
    }
}

fn currency_col(r: &AnyRow, c: &str) -> Result<Currency> {
    let v = col::s(r, c)?;
    Currency::parse(&v).map_err(|e| StoreError::corrupt(format!("{c}: {e}")))
}

fn minor(field: &str, amount: Decimal) -> Result<i64, Invalid> {
    money::to_minor_non_negative(amount).map_err(|e| Invalid::field(field, e))
}

async fn count(c: &mut impl Conn, sql: &str, bind: &str) -> Result<i64> {
    Ok(sqlx::query(sql)
        .bind(bind)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?)
}

async fn count_id(c: &mut impl Conn, sql: &str, id: Id) -> Result<i64> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?)
}

// ---------------------------------------------------------------- units

pub async fn units(c: &mut impl Conn) -> Result<Vec<Unit>> {
    let rows = sqlx::query("SELECT * FROM units ORDER BY position, code")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                code: col::s(r, "code")?,
                name_ru: col::s(r, "name_ru")?,
                name_en: col::s(r, "name_en")?,
                position: col::i(r, "position")?,
            })
        })
        .collect()
}

pub async fn list_units(db: &Db) -> Result<Vec<Unit>> {
    let mut c = db.reader().await?;
    units(&mut c).await
}

// ---------------------------------------------------------------- products

impl Table for Product {
    const KIND: EntityKind = EntityKind::Product;
    const SPEC: ListSpec = ListSpec {
        table: "products",
        fields: &[
            field("id", Id, false),
            field("kind", Enum, false),
            field("name", Text, false),
            field("sku", Text, true),
            field("unit_code", Enum, false),
            money_field("price", "price_minor", false),
            money_field("cost", "cost_minor", false),
            field("currency", Enum, false),
            field("vat_rate", Enum, false),
            field("category", Text, true),
            field("active", Bool, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
        ],
        searchable: true,
        owned: false,
    };
    type Data = ProductData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &ProductData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        None
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Product {
            id: col::i(r, "id")?,
            data: ProductData {
                kind: col::en(r, "kind")?,
                name: col::s(r, "name")?,
                sku: col::os(r, "sku")?,
                unit_code: col::s(r, "unit_code")?,
                price: money::from_minor(col::i(r, "price_minor")?),
                cost: money::from_minor(col::i(r, "cost_minor")?),
                currency: currency_col(r, "currency")?,
                vat_rate: col::s(r, "vat_rate")?,
                category: col::os(r, "category")?,
                active: col::b(r, "active")?,
                description: col::os(r, "description")?,
            },
            created_at: col::ts(r, "created_at")?,
            created_by: col::oi(r, "created_by")?,
            updated_at: col::ts(r, "updated_at")?,
            updated_by: col::oi(r, "updated_by")?,
        })
    }

    fn columns(d: &ProductData) -> Result<Columns> {
        let key = [
            Some(d.name.as_str()),
            d.sku.as_deref(),
            d.category.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        Ok(vec![
            ("kind", d.kind.as_str().to_owned().into()),
            ("name", d.name.clone().into()),
            ("sku", table::opt_string(&d.sku)),
            ("unit_code", d.unit_code.clone().into()),
            ("price_minor", minor("price", d.price)?.into()),
            ("cost_minor", minor("cost", d.cost)?.into()),
            ("currency", d.currency.as_str().to_owned().into()),
            ("vat_rate", d.vat_rate.clone().into()),
            ("category", table::opt_string(&d.category)),
            ("active", d.active.into()),
            ("description", table::opt_string(&d.description)),
            ("search_key", fold(&key).into()),
        ])
    }
}

async fn unit_exists(c: &mut impl Conn, code: &str) -> Result<bool> {
    Ok(count(c, "SELECT COUNT(*) FROM units WHERE code = $1", code).await? > 0)
}

/// A currency in use must be known and, when newly chosen, active.
pub(crate) async fn check_currency(
    c: &mut impl Conn,
    code: &Currency,
    changed: bool,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<()> {
    if !changed {
        return Ok(());
    }
    let row = sqlx::query("SELECT active FROM currencies WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(c.conn())
        .await?;
    match row.map(|r| col::b(&r, "active")).transpose()? {
        Some(true) => {}
        Some(false) => errors.add(field, msg::CURRENCY_INACTIVE),
        None => errors.add(field, msg::CURRENCY_UNKNOWN),
    }
    Ok(())
}

impl Rules for Product {
    const OWNED: bool = false;

    fn defaults<'a>(
        tx: &'a mut Tx,
        body: &'a mut serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::company::default_currency(tx, body))
    }

    fn prepare<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        data: &'a mut ProductData,
        old: Option<&'a Self>,
        _flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async move {
            require_catalog_writer(actor)?;
            let mut errors = FieldErrors::new();
            if old.is_none_or(|o| o.data.unit_code != data.unit_code)
                && !unit_exists(tx, &data.unit_code).await?
            {
                errors.add("unit_code", msg::UNIT_UNKNOWN);
            }
            let changed = old.is_none_or(|o| o.data.currency != data.currency);
            check_currency(tx, &data.currency, changed, "currency", &mut errors).await?;
            if let Some(sku) = &data.sku {
                let row = sqlx::query("SELECT id, name FROM products WHERE sku = $1 AND id <> $2")
                    .bind(sku)
                    .bind(old.map_or(0, |o| o.id))
                    .fetch_optional(tx.conn())
                    .await?;
                if let Some(r) = row {
                    errors.add(
                        "sku",
                        msg::SKU_USED_BY
                            .with("id", col::i(&r, "id")?)
                            .with("name", col::s(&r, "name")?),
                    );
                }
            }
            errors.finish()?;
            let now = tx.now().to_db();
            let mut cols: Columns = vec![
                ("updated_at", now.clone().into()),
                ("updated_by", actor.user_id.into()),
            ];
            if old.is_none() {
                cols.push(("created_at", now.into()));
                cols.push(("created_by", actor.user_id.into()));
            }
            Ok(cols)
        })
    }

    fn before_delete<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        r: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            require_catalog_writer(actor)?;
            refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM doc_lines WHERE product_id = $1",
                r.id,
                msg::PRODUCT_ON_LINES.english(),
            )
            .await?;
            sqlx::query("DELETE FROM price_book_entries WHERE product_id = $1")
                .bind(r.id)
                .execute(tx.conn())
                .await?;
            Ok(())
        })
    }
}

/// Two products saved with one SKU at the same instant (PostgreSQL): the
/// unique index refuses the second; say so like the check in `prepare`.
fn sku_taken(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        Invalid::field("sku", msg::SKU_TAKEN).into()
    } else {
        e
    }
}

/// [`rules::create`](crate::rules::create) for products, with a SKU race reported on the field.
pub async fn create_product(db: &Db, actor: &Actor, body: Value) -> Result<Product> {
    require_catalog_writer(actor)?;
    crate::rules::create::<Product>(db, actor, body)
        .await
        .map_err(sku_taken)
}

/// [`rules::update`](crate::rules::update) for products, with a SKU race reported on the field.
pub async fn update_product(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<Product> {
    require_catalog_writer(actor)?;
    crate::rules::update::<Product>(db, actor, id, body)
        .await
        .map_err(sku_taken)
}

// ---------------------------------------------------------------- VAT rates

fn vat_from_row(r: &AnyRow) -> Result<VatRate> {
    Ok(VatRate {
        id: col::i(r, "id")?,
        data: VatRateData {
            regime: col::s(r, "regime")?,
            rate: col::s(r, "rate")?,
            valid_from: col::oday(r, "valid_from")?,
            valid_to: col::oday(r, "valid_to")?,
            is_default: col::b(r, "is_default")?,
        },
    })
}

pub async fn vat_rates(c: &mut impl Conn) -> Result<Vec<VatRate>> {
    let rows = sqlx::query("SELECT * FROM vat_rates ORDER BY regime, id")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(vat_from_row).collect()
}

pub async fn list_vat_rates(db: &Db) -> Result<Vec<VatRate>> {
    let mut c = db.reader().await?;
    vat_rates(&mut c).await
}

async fn load_vat(c: &mut impl Conn, id: Id) -> Result<VatRate> {
    let row = sqlx::query("SELECT * FROM vat_rates WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    vat_from_row(&row)
}

/// The rate table as the typed rules pricing reads (rows that do not parse are left out).
pub async fn vat_rules(c: &mut impl Conn) -> Result<Vec<VatRule>> {
    Ok(vat_rates(c)
        .await?
        .iter()
        .filter_map(|r| r.data.rule())
        .collect())
}

/// The rate code new lines get under `regime` on `day`, e.g. `"22"` for
/// general from 2026, `"20"` before; `None` when no default rate covers the
/// day (or the regime is unknown). The rule is [`vat::default_rate`].
pub async fn default_vat_rate(c: &mut impl Conn, regime: &str, day: Day) -> Result<Option<String>> {
    let Some(regime) = TaxRegime::parse(regime) else {
        return Ok(None);
    };
    let rules = vat_rules(c).await?;
    Ok(vat::default_rate(&rules, regime, day).map(|r| r.code()))
}

/// VAT rates and currencies are our company's settings: their audit entries
/// go to the company record, with the row named in the action.
async fn audit_settings(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    changes: &[Change],
) -> Result<()> {
    audit::record(tx, EntityKind::Company, 1, action, actor.user_id, changes).await
}

fn vat_columns(d: &VatRateData) -> Columns {
    vec![
        ("regime", d.regime.clone().into()),
        ("rate", d.rate.clone().into()),
        ("valid_from", table::opt_day(&d.valid_from)),
        ("valid_to", table::opt_day(&d.valid_to)),
        ("is_default", d.is_default.into()),
    ]
}

pub async fn create_vat_rate(db: &Db, actor: &Actor, body: Value) -> Result<VatRate> {
    require_admin(actor)?;
    let data = parse::<VatRateData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let id = table::insert_row(tx, "vat_rates", vat_columns(&data)).await?;
            let v = load_vat(tx, id).await?;
            audit_settings(tx, &actor, "vat_rate_create", &creation(&to_json(&v))).await?;
            Ok(v)
        })
    })
    .await
}

pub async fn update_vat_rate(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<VatRate> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_vat(tx, id).await?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            table::update_row(tx, "vat_rates", id, vat_columns(&data)).await?;
            let new = load_vat(tx, id).await?;
            let changes = diff(&to_json(&old), &to_json(&new));
            if !changes.is_empty() {
                audit_settings(tx, &actor, "vat_rate_update", &changes).await?;
            }
            Ok(new)
        })
    })
    .await
}

pub async fn delete_vat_rate(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    require_admin(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_vat(tx, id).await?;
            sqlx::query("DELETE FROM vat_rates WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            let changes = diff(&to_json(&old), &Value::Null);
            audit_settings(tx, &actor, "vat_rate_delete", &changes).await
        })
    })
    .await
}

// ---------------------------------------------------------------- currencies

fn currency_from_row(r: &AnyRow) -> Result<CurrencyData> {
    Ok(CurrencyData {
        code: currency_col(r, "code")?,
        name: col::s(r, "name")?,
        active: col::b(r, "active")?,
    })
}

pub async fn currencies(c: &mut impl Conn) -> Result<Vec<CurrencyData>> {
    let rows = sqlx::query("SELECT * FROM currencies ORDER BY code")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(currency_from_row).collect()
}

pub async fn list_currencies(db: &Db) -> Result<Vec<CurrencyData>> {
    let mut c = db.reader().await?;
    currencies(&mut c).await
}

/// `NotFound` for a malformed code too: it names no currency.
fn parse_code(code: &str) -> Result<Currency> {
    Currency::parse(code).map_err(|_| StoreError::NotFound)
}

async fn load_currency(c: &mut impl Conn, code: &Currency) -> Result<CurrencyData> {
    let row = sqlx::query("SELECT * FROM currencies WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    currency_from_row(&row)
}

pub async fn get_currency(db: &Db, code: &str) -> Result<CurrencyData> {
    let code = parse_code(code)?;
    let mut c = db.reader().await?;
    load_currency(&mut c, &code).await
}

pub async fn create_currency(db: &Db, actor: &Actor, body: Value) -> Result<CurrencyData> {
    require_admin(actor)?;
    let data = parse::<CurrencyData>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            if count(
                tx,
                "SELECT COUNT(*) FROM currencies WHERE code = $1",
                data.code.as_str(),
            )
            .await?
                > 0
            {
                return Err(Invalid::field("code", msg::ALREADY_IN_LIST).into());
            }
            sqlx::query("INSERT INTO currencies (code, name, active) VALUES ($1, $2, $3)")
                .bind(data.code.as_str())
                .bind(&data.name)
                .bind(data.active)
                .execute(tx.conn())
                .await?;
            audit_settings(tx, &actor, "currency_create", &creation(&to_json(&data))).await?;
            Ok(data)
        })
    })
    .await
}

/// Renames, activates or deactivates a currency; its code stays.
pub async fn update_currency(
    db: &Db,
    actor: &Actor,
    code: &str,
    body: Value,
) -> Result<CurrencyData> {
    require_admin(actor)?;
    let code = parse_code(code)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_currency(tx, &code).await?;
            let data = merge(&old, object(body)?)?.validate()?;
            if data.code != old.code {
                return Err(Invalid::field("code", msg::CANNOT_CHANGE).into());
            }
            if !data.active && crate::company::current(tx).await?.data.base_currency == code {
                return Err(Invalid::field("active", msg::BASE_CURRENCY_ACTIVE).into());
            }
            sqlx::query("UPDATE currencies SET name = $1, active = $2 WHERE code = $3")
                .bind(&data.name)
                .bind(data.active)
                .bind(code.as_str())
                .execute(tx.conn())
                .await?;
            let changes = diff(&to_json(&old), &to_json(&data));
            if !changes.is_empty() {
                audit_settings(tx, &actor, "currency_update", &changes).await?;
            }
            Ok(data)
        })
    })
    .await
}

// ---------------------------------------------------------------- exchange rates

fn rate_text(r: &AnyRow) -> Result<Decimal> {
    let v = col::s(r, "rate")?;
    Decimal::from_str(&v).map_err(|e| StoreError::corrupt(format!("rate: {e}")))
}

/// A currency's rates, newest day first (at most 1000).
pub async fn list_rates(db: &Db, code: &str) -> Result<Vec<ExchangeRate>> {
    let code = parse_code(code)?;
    let mut c = db.reader().await?;
    load_currency(&mut c, &code).await?;
    let rows = sqlx::query(
        "SELECT day, rate FROM exchange_rates WHERE currency = $1 ORDER BY day DESC LIMIT 1000",
    )
    .bind(code.as_str())
    .fetch_all(c.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ExchangeRate {
                currency: code.clone(),
                day: Day::parse(&col::s(r, "day")?)
                    .map_err(|e| StoreError::corrupt(format!("day: {e}")))?,
                rate: rate_text(r)?,
            })
        })
        .collect()
}

/// Sets the rate of a currency for a day (replacing the day's rate, if any).
pub async fn put_rate(db: &Db, actor: &Actor, code: &str, body: Value) -> Result<ExchangeRate> {
    require_admin(actor)?;
    let code = parse_code(code)?;
    let input = parse::<RateInput>(body)?.validate()?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            load_currency(tx, &code).await?;
            if crate::company::current(tx).await?.data.base_currency == code {
                return Err(Invalid::field("currency", msg::BASE_CURRENCY_RATE).into());
            }
            let day = input.day.to_db();
            let old =
                sqlx::query("SELECT rate FROM exchange_rates WHERE currency = $1 AND day = $2")
                    .bind(code.as_str())
                    .bind(&day)
                    .fetch_optional(tx.conn())
                    .await?
                    .map(|r| rate_text(&r))
                    .transpose()?;
            sqlx::query(
                "INSERT INTO exchange_rates (currency, day, rate) VALUES ($1, $2, $3) \
                 ON CONFLICT (currency, day) DO UPDATE SET rate = excluded.rate",
            )
            .bind(code.as_str())
            .bind(&day)
            .bind(input.rate.to_string())
            .execute(tx.conn())
            .await?;
            let changes = vec![Change {
                field: format!("rate.{code}.{day}"),
                old: old.map_or(Value::Null, |r| json!(r)),
                new: json!(input.rate),
            }];
            audit_settings(tx, &actor, "exchange_rate_set", &changes).await?;
            Ok(ExchangeRate {
                currency: code,
                day: input.day,
                rate: input.rate,
            })
        })
    })
    .await
}

/// Units of the base currency for one unit of `currency` on `day`: the
/// latest rate entered on or before the day; 1 for the base currency itself;
/// `None` when no rate is known yet.
pub async fn rate_on(c: &mut impl Conn, currency: &str, day: Day) -> Result<Option<Decimal>> {
    let base = crate::company::current(c).await?.data.base_currency;
    if base.as_str().eq_ignore_ascii_case(currency.trim()) {
        return Ok(Some(Decimal::ONE));
    }
    let Ok(code) = Currency::parse(currency) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT rate FROM exchange_rates WHERE currency = $1 AND day <= $2 ORDER BY day DESC LIMIT 1",
    )
    .bind(code.as_str())
    .bind(day.to_db())
    .fetch_optional(c.conn())
    .await?;
    row.map(|r| rate_text(&r)).transpose()
}

// ---------------------------------------------------------------- price books

fn book_from_row(r: &AnyRow) -> Result<PriceBook> {
    Ok(PriceBook {
        id: col::i(r, "id")?,
        data: PriceBookData {
            name: col::s(r, "name")?,
            currency: currency_col(r, "currency")?,
            is_default: col::b(r, "is_default")?,
            active: col::b(r, "active")?,
        },
        created_at: col::ts(r, "created_at")?,
        updated_at: col::ts(r, "updated_at")?,
    })
}

pub async fn price_books(c: &mut impl Conn) -> Result<Vec<PriceBook>> {
    let rows = sqlx::query("SELECT * FROM price_books ORDER BY is_default DESC, name, id")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(book_from_row).collect()
}

pub async fn list_price_books(db: &Db) -> Result<Vec<PriceBook>> {
    let mut c = db.reader().await?;
    price_books(&mut c).await
}

pub async fn load_price_book(c: &mut impl Conn, id: Id) -> Result<PriceBook> {
    let row = sqlx::query("SELECT * FROM price_books WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    book_from_row(&row)
}

pub async fn get_price_book(db: &Db, id: Id) -> Result<PriceBook> {
    let mut c = db.reader().await?;
    load_price_book(&mut c, id).await
}

/// The default price book, if one is set and active (new documents start with it).
pub async fn default_price_book(c: &mut impl Conn) -> Result<Option<PriceBook>> {
    let row = sqlx::query(
        "SELECT * FROM price_books WHERE is_default = $1 AND active = $1 ORDER BY id LIMIT 1",
    )
    .bind(true)
    .fetch_optional(c.conn())
    .await?;
    row.map(|r| book_from_row(&r)).transpose()
}

/// Makes `id` the only default, in the caller's transaction.
async fn clear_other_default_books(tx: &mut Tx, id: Id) -> Result<()> {
    sqlx::query("UPDATE price_books SET is_default = $1 WHERE id <> $2 AND is_default = $3")
        .bind(false)
        .bind(id)
        .bind(true)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn create_price_book(db: &Db, actor: &Actor, body: Value) -> Result<PriceBook> {
    require_catalog_writer(actor)?;
    let mut body = object(body)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            crate::company::default_currency(tx, &mut body).await?;
            let data = parse::<PriceBookData>(Value::Object(body))?.validate()?;
            let mut errors = FieldErrors::new();
            check_currency(tx, &data.currency, true, "currency", &mut errors).await?;
            errors.finish()?;
            let now = tx.now().to_db();
            let id = table::insert_row(
                tx,
                "price_books",
                vec![
                    ("name", data.name.clone().into()),
                    ("currency", data.currency.as_str().to_owned().into()),
                    ("is_default", data.is_default.into()),
                    ("active", data.active.into()),
                    ("created_at", now.clone().into()),
                    ("updated_at", now.into()),
                ],
            )
            .await?;
            if data.is_default {
                clear_other_default_books(tx, id).await?;
            }
            let book = load_price_book(tx, id).await?;
            audit::record(
                tx,
                EntityKind::PriceBook,
                id,
                "create",
                actor.user_id,
                &creation(&to_json(&book)),
            )
            .await?;
            Ok(book)
        })
    })
    .await
}

pub async fn update_price_book(db: &Db, actor: &Actor, id: Id, body: Value) -> Result<PriceBook> {
    require_catalog_writer(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_price_book(tx, id).await?;
            let data = merge(&old.data, object(body)?)?.validate()?;
            let mut errors = FieldErrors::new();
            let changed = data.currency != old.data.currency;
            check_currency(tx, &data.currency, changed, "currency", &mut errors).await?;
            if changed
                && count_id(
                    tx,
                    "SELECT COUNT(*) FROM price_book_entries WHERE price_book_id = $1",
                    id,
                )
                .await?
                    > 0
            {
                errors.add("currency", msg::BOOK_CURRENCY_FIXED);
            }
            errors.finish()?;
            table::update_row(
                tx,
                "price_books",
                id,
                vec![
                    ("name", data.name.clone().into()),
                    ("currency", data.currency.as_str().to_owned().into()),
                    ("is_default", data.is_default.into()),
                    ("active", data.active.into()),
                    ("updated_at", tx.now().to_db().into()),
                ],
            )
            .await?;
            if data.is_default {
                clear_other_default_books(tx, id).await?;
            }
            let new = load_price_book(tx, id).await?;
            let changes = diff(&to_json(&old), &to_json(&new));
            if !changes.is_empty() {
                audit::record(
                    tx,
                    EntityKind::PriceBook,
                    id,
                    "update",
                    actor.user_id,
                    &changes,
                )
                .await?;
            }
            Ok(new)
        })
    })
    .await
}

/// Deletes a book and its prices, unless a document uses it.
pub async fn delete_price_book(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    require_catalog_writer(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_price_book(tx, id).await?;
            let mut uses = 0;
            for t in ["quotes", "sales_orders", "invoices"] {
                uses += count_id(
                    tx,
                    &format!("SELECT COUNT(*) FROM {t} WHERE price_book_id = $1"),
                    id,
                )
                .await?;
            }
            if uses > 0 {
                return Err(StoreError::Conflict(
                    msg::BOOK_IN_USE.with("n", uses).into_english(),
                ));
            }
            sqlx::query("DELETE FROM price_book_entries WHERE price_book_id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            sqlx::query("DELETE FROM price_books WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            let changes = diff(&to_json(&old), &Value::Null);
            audit::record(
                tx,
                EntityKind::PriceBook,
                id,
                "delete",
                actor.user_id,
                &changes,
            )
            .await
        })
    })
    .await
}

const ENTRY_SELECT: &str = "SELECT e.price_book_id, e.product_id, e.price_minor, p.name, p.sku, \
     p.unit_code, b.currency FROM price_book_entries e \
     JOIN products p ON p.id = e.product_id JOIN price_books b ON b.id = e.price_book_id";

fn entry_from_row(r: &AnyRow) -> Result<PriceBookEntry> {
    Ok(PriceBookEntry {
        price_book_id: col::i(r, "price_book_id")?,
        product_id: col::i(r, "product_id")?,
        product_name: col::s(r, "name")?,
        sku: col::os(r, "sku")?,
        unit_code: col::s(r, "unit_code")?,
        price: money::from_minor(col::i(r, "price_minor")?),
        currency: currency_col(r, "currency")?,
    })
}

/// A book's prices, by product name.
pub async fn entries(c: &mut impl Conn, book_id: Id) -> Result<Vec<PriceBookEntry>> {
    load_price_book(c, book_id).await?;
    let rows = sqlx::query(&format!(
        "{ENTRY_SELECT} WHERE e.price_book_id = $1 ORDER BY p.name, p.id"
    ))
    .bind(book_id)
    .fetch_all(c.conn())
    .await?;
    rows.iter().map(entry_from_row).collect()
}

pub async fn list_entries(db: &Db, book_id: Id) -> Result<Vec<PriceBookEntry>> {
    let mut c = db.reader().await?;
    entries(&mut c, book_id).await
}

async fn load_entry(
    c: &mut impl Conn,
    book_id: Id,
    product_id: Id,
) -> Result<Option<PriceBookEntry>> {
    let row = sqlx::query(&format!(
        "{ENTRY_SELECT} WHERE e.price_book_id = $1 AND e.product_id = $2"
    ))
    .bind(book_id)
    .bind(product_id)
    .fetch_optional(c.conn())
    .await?;
    row.map(|r| entry_from_row(&r)).transpose()
}

/// Sets a product's price in a book (adding it to the book if needed).
pub async fn put_entry(
    db: &Db,
    actor: &Actor,
    book_id: Id,
    product_id: Id,
    body: Value,
) -> Result<PriceBookEntry> {
    require_catalog_writer(actor)?;
    let price = parse::<PriceInput>(body)?.validate()?;
    let price_minor = minor("price", price)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            load_price_book(tx, book_id).await?;
            if table::load::<Product>(tx, product_id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            let old = load_entry(tx, book_id, product_id).await?;
            sqlx::query(
                "INSERT INTO price_book_entries (price_book_id, product_id, price_minor) \
                 VALUES ($1, $2, $3) ON CONFLICT (price_book_id, product_id) \
                 DO UPDATE SET price_minor = excluded.price_minor",
            )
            .bind(book_id)
            .bind(product_id)
            .bind(price_minor)
            .execute(tx.conn())
            .await?;
            let new = load_entry(tx, book_id, product_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let changes = vec![Change {
                field: format!("price.{product_id}"),
                old: old.map_or(Value::Null, |o| json!(o.price)),
                new: json!(new.price),
            }];
            if changes[0].old != changes[0].new {
                audit::record(
                    tx,
                    EntityKind::PriceBook,
                    book_id,
                    "price_set",
                    actor.user_id,
                    &changes,
                )
                .await?;
            }
            Ok(new)
        })
    })
    .await
}

/// Removes a product's price from a book.
pub async fn delete_entry(db: &Db, actor: &Actor, book_id: Id, product_id: Id) -> Result<()> {
    require_catalog_writer(actor)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = load_entry(tx, book_id, product_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            sqlx::query(
                "DELETE FROM price_book_entries WHERE price_book_id = $1 AND product_id = $2",
            )
            .bind(book_id)
            .bind(product_id)
            .execute(tx.conn())
            .await?;
            let changes = vec![Change {
                field: format!("price.{product_id}"),
                old: json!(old.price),
                new: Value::Null,
            }];
            audit::record(
                tx,
                EntityKind::PriceBook,
                book_id,
                "price_removed",
                actor.user_id,
                &changes,
            )
            .await
        })
    })
    .await
}

/// What a document line takes from the catalog for a product: the price of
/// `price_book_id` when the book has the product, else the product's own
/// price (also when no book is given). `None` when the product does not exist.
pub async fn price_for(
    c: &mut impl Conn,
    price_book_id: Option<Id>,
    product_id: Id,
) -> Result<Option<ProductPrice>> {
    let Some(p) = table::load::<Product>(c, product_id).await? else {
        return Ok(None);
    };
    let entry = match price_book_id {
        Some(book) => load_entry(c, book, product_id).await?,
        None => None,
    };
    let (price, currency, book) = match entry {
        Some(e) => (e.price, e.currency, Some(e.price_book_id)),
        None => (p.data.price, p.data.currency.clone(), None),
    };
    Ok(Some(ProductPrice {
        product_id: p.id,
        name: p.data.name,
        kind: p.data.kind,
        unit_code: p.data.unit_code,
        price,
        cost: p.data.cost,
        vat_rate: p.data.vat_rate,
        currency,
        price_book_id: book,
    }))
}
