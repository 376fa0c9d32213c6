//! Quotes, sales orders and invoices, and the products of a deal: priced
//! documents that share one header shape and one table of lines
//! (`doc_lines`, keyed by kind and document id).
//!
//! Every write prices the document again with `voronka_core::pricing` and
//! stores the resolved lines (name, unit, price, VAT rate and cost as they
//! were then), so a document never changes when the catalog does. VAT rates
//! are those in force on the document's date under our company's regime.

use crate::actor::Actor;
use crate::audit::{self, Change};
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, Page, field, fold, money_field};
use crate::table::{self, Columns};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_query::Value as SqValue;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;
use voronka_core::documents::{
    InvoiceAction, InvoiceStatus, NumberFormat, OrderAction, OrderStatus, QuoteAction, QuoteStatus,
};
use voronka_core::money::{self, Currency};
use voronka_core::pricing::{self, Discount, DocInput, DocTotals, LineInput, LineTotals, TaxMode};
use voronka_core::records::{
    Account, Contact, Deal, DocKind, DocStatus, Document, DocumentData, EntityKind, Id, Line,
    LineData, RecordData, StageKind,
};
use voronka_core::vat::{self, TaxRegime, VatRate, VatRule};
use voronka_core::{Day as Date, FieldErrors, Invalid, Message, msg};

const QUOTES: ListSpec = ListSpec {
    table: "quotes",
    fields: &[
        field("id", Id, false),
        field("number", Text, false),
        field("revision", Int, false),
        field("status", Enum, false),
        field("title", Text, false),
        field("deal_id", Id, true),
        field("account_id", Id, true),
        field("contact_id", Id, true),
        field("doc_date", Day, false),
        field("valid_until", Day, true),
        field("currency", Enum, false),
        money_field("total", "total_minor", false),
        field("owner_id", Id, false),
        field("created_at", Timestamp, false),
        field("updated_at", Timestamp, false),
    ],
    searchable: true,
    owned: true,
};

const ORDERS: ListSpec = ListSpec {
    table: "sales_orders",
    fields: &[
        field("id", Id, false),
        field("number", Text, false),
        field("status", Enum, false),
        field("title", Text, false),
        field("quote_id", Id, true),
        field("deal_id", Id, true),
        field("account_id", Id, true),
        field("contact_id", Id, true),
        field("doc_date", Day, false),
        field("currency", Enum, false),
        money_field("total", "total_minor", false),
        field("owner_id", Id, false),
        field("created_at", Timestamp, false),
        field("updated_at", Timestamp, false),
    ],
    searchable: true,
    owned: true,
};

const INVOICES: ListSpec = ListSpec {
    table: "invoices",
    fields: &[
        field("id", Id, false),
        field("number", Text, true),
        field("status", Enum, false),
        field("title", Text, false),
        field("order_id", Id, true),
        field("quote_id", Id, true),
        field("deal_id", Id, true),
        field("account_id", Id, true),
        field("contact_id", Id, true),
        field("doc_date", Day, false),
        field("due_date", Day, true),
        field("currency", Enum, false),
        money_field("total", "total_minor", false),
        money_field("paid", "paid_minor", false),
        field("owner_id", Id, false),
        field("created_at", Timestamp, false),
        field("updated_at", Timestamp, false),
    ],
    searchable: true,
    owned: true,
};

fn spec(kind: DocKind) -> Result<&'static ListSpec> {
    match kind {
        DocKind::Quote => Ok(&QUOTES),
        DocKind::Order => Ok(&ORDERS),
        DocKind::Invoice => Ok(&INVOICES),
        _ => Err(StoreError::NotFound),
    }
}

fn entity(kind: DocKind) -> EntityKind {
    match kind {
        DocKind::Quote => EntityKind::Quote,
        DocKind::Order => EntityKind::SalesOrder,
        DocKind::Invoice => EntityKind::Invoice,
        DocKind::Act => EntityKind::Act,
        DocKind::Shipment => EntityKind::Shipment,
        DocKind::Deal => EntityKind::Deal,
    }
}

// ---------------------------------------------------------------- encoding

/// Discounts are stored as a kind and an integer: hundredths of a percent, or kopecks.
pub(crate) fn discount_columns(d: Option<Discount>) -> Result<(SqValue, SqValue)> {
    let value = |v: Decimal, field: &str| -> Result<i64> {
        money::to_minor(v).map_err(|e| Invalid::field(field, e).into())
    };
    Ok(match d {
        None => (Option::<String>::None.into(), Option::<i64>::None.into()),
        Some(Discount::Percent(p)) => ("percent".to_owned().into(), value(p, "discount")?.into()),
        Some(Discount::Amount(a)) => ("amount".to_owned().into(), value(a, "discount")?.into()),
    })
}

pub(crate) fn discount_from(r: &AnyRow, kind: &str, value: &str) -> Result<Option<Discount>> {
    let v = col::oi(r, value)?.map(money::from_minor);
    Ok(match (col::os(r, kind)?.as_deref(), v) {
        (Some("percent"), Some(v)) => Some(Discount::Percent(v.normalize())),
        (Some("amount"), Some(v)) => Some(Discount::Amount(v)),
        _ => None,
    })
}

pub(crate) fn minor(d: Decimal, field: &str) -> Result<i64> {
    money::to_minor(d).map_err(|e| Invalid::field(field, e).into())
}

/// Quantities are stored in thousandths so both backends sum them exactly.
pub(crate) fn milli(q: Decimal, field: &str) -> Result<i64> {
    (q * Decimal::ONE_THOUSAND)
        .normalize()
        .to_i64()
        .filter(|m| Decimal::from(*m) == q * Decimal::ONE_THOUSAND)
        .ok_or_else(|| Invalid::field(field, msg::QUANTITY_DIGITS).into())
}

pub(crate) fn from_milli(m: i64) -> Decimal {
    Decimal::new(m, 3).normalize()
}

fn rate(r: &AnyRow, c: &str) -> Result<VatRate> {
    VatRate::parse(&col::s(r, c)?).map_err(|e| StoreError::corrupt(format!("{c}: {e}")))
}

fn day(r: &AnyRow, c: &str) -> Result<Date> {
    col::oday(r, c)?.ok_or_else(|| StoreError::corrupt(format!("{c} is empty")))
}

fn status(kind: DocKind, s: &str) -> Result<DocStatus> {
    let bad = || StoreError::corrupt(format!("status {s}"));
    Ok(match kind {
        DocKind::Quote => DocStatus::Quote(QuoteStatus::parse(s).ok_or_else(bad)?),
        DocKind::Order => DocStatus::Order(OrderStatus::parse(s).ok_or_else(bad)?),
        _ => DocStatus::Invoice(InvoiceStatus::parse(s).ok_or_else(bad)?),
    })
}

fn has(r: &AnyRow, c: &str) -> bool {
    r.try_column(c).is_ok()
}

fn doc_from_row(kind: DocKind, r: &AnyRow) -> Result<Document> {
    let opt_i =
        |c: &str| -> Result<Option<i64>> { if has(r, c) { col::oi(r, c) } else { Ok(None) } };
    let json_col = |c: &str| -> Result<Option<Value>> {
        if !has(r, c) {
            return Ok(None);
        }
        col::os(r, c)?
            .map(|s| serde_json::from_str(&s).map_err(|e| StoreError::corrupt(format!("{c}: {e}"))))
            .transpose()
    };
    let net = money::from_minor(col::i(r, "net_minor")?);
    let cost = money::from_minor(col::i(r, "cost_minor")?);
    Ok(Document {
        id: col::i(r, "id")?,
        kind,
        number: col::os(r, "number")?.filter(|n| !n.is_empty()),
        status: status(kind, &col::s(r, "status")?)?,
        revision: opt_i("revision")?,
        previous_id: opt_i("previous_id")?,
        quote_id: opt_i("quote_id")?,
        order_id: opt_i("order_id")?,
        title: col::s(r, "title")?,
        deal_id: col::oi(r, "deal_id")?,
        account_id: col::oi(r, "account_id")?,
        contact_id: col::oi(r, "contact_id")?,
        doc_date: day(r, "doc_date")?,
        valid_until: if has(r, "valid_until") {
            col::oday(r, "valid_until")?
        } else {
            None
        },
        due_date: if has(r, "due_date") {
            col::oday(r, "due_date")?
        } else {
            None
        },
        currency: col::en(r, "currency")?,
        price_book_id: col::oi(r, "price_book_id")?,
        tax_mode: col::en(r, "tax_mode")?,
        group_vat: rate(r, "group_vat")?,
        discount: discount_from(r, "discount_kind", "discount_value")?,
        shipping: money::from_minor(col::i(r, "shipping_minor")?),
        shipping_vat: rate(r, "shipping_vat")?,
        terms: col::os(r, "terms")?,
        lines: Vec::new(),
        net,
        vat: money::from_minor(col::i(r, "vat_minor")?),
        total: money::from_minor(col::i(r, "total_minor")?),
        cost,
        gross_profit: net - cost,
        paid: opt_i("paid_minor")?.map(money::from_minor),
        payer: json_col("payer")?,
        seller: json_col("seller")?,
        issued_at: if has(r, "issued_at") {
            col::ots(r, "issued_at")?
        } else {
            None
        },
        meta: table::meta(r)?,
    })
}

pub(crate) fn line_from_row(r: &AnyRow) -> Result<Line> {
    Ok(Line {
        id: col::i(r, "id")?,
        position: col::i(r, "position")?,
        product_id: col::oi(r, "product_id")?,
        source_line_id: col::oi(r, "source_line_id")?,
        name: col::s(r, "name")?,
        unit_code: col::s(r, "unit_code")?,
        quantity: from_milli(col::i(r, "quantity_milli")?),
        unit_price: money::from_minor(col::i(r, "unit_price_minor")?),
        discount: discount_from(r, "discount_kind", "discount_value")?,
        vat_rate: rate(r, "vat_rate")?,
        unit_cost: money::from_minor(col::i(r, "unit_cost_minor")?),
        amount: money::from_minor(col::i(r, "amount_minor")?),
        discount_amount: money::from_minor(col::i(r, "discount_minor")?),
        net: money::from_minor(col::i(r, "net_minor")?),
        vat: money::from_minor(col::i(r, "vat_minor")?),
        total: money::from_minor(col::i(r, "total_minor")?),
        cost: money::from_minor(col::i(r, "cost_minor")?),
    })
}

pub(crate) async fn load_lines(c: &mut impl Conn, kind: DocKind, id: Id) -> Result<Vec<Line>> {
    sqlx::query("SELECT * FROM doc_lines WHERE doc_kind = $1 AND doc_id = $2 ORDER BY position, id")
        .bind(kind.as_str())
        .bind(id)
        .fetch_all(c.conn())
        .await?
        .iter()
        .map(line_from_row)
        .collect()
}

/// The document with its lines, whoever asks.
pub(crate) async fn load(c: &mut impl Conn, kind: DocKind, id: Id) -> Result<Option<Document>> {
    let sql = format!("SELECT * FROM {} WHERE id = $1", spec(kind)?.table);
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(c.conn()).await? else {
        return Ok(None);
    };
    let mut doc = doc_from_row(kind, &row)?;
    doc.lines = load_lines(c, kind, id).await?;
    Ok(Some(doc))
}

/// Takes the row's lock before it is read, so concurrent actions on one
/// document (two payments, a payment and a cancel, two wins) queue instead
/// of both acting on what they read. An UPDATE that changes nothing does it
/// on both backends; SQLite has a single writer anyway.
pub(crate) async fn lock(tx: &mut Tx, table: &str, id: Id) -> Result<()> {
    let sql = format!("UPDATE {table} SET updated_at = updated_at WHERE id = $1");
    sqlx::query(&sql).bind(id).execute(tx.conn()).await?;
    Ok(())
}

/// The document if the actor may see it (its owner is visible), else `NotFound`.
pub(crate) async fn get_in(
    c: &mut impl Conn,
    actor: &Actor,
    kind: DocKind,
    id: Id,
) -> Result<Document> {
    match load(c, kind, id).await? {
        Some(d) if actor.can_see_owner(d.meta.owner_id) => Ok(d),
        _ => Err(StoreError::NotFound),
    }
}

pub async fn get(db: &Db, actor: &Actor, kind: DocKind, id: Id) -> Result<Document> {
    let mut r = db.reader().await?;
    get_in(&mut r, actor, kind, id).await
}

/// Headers only (no lines): what a list page shows.
pub async fn list(
    db: &Db,
    actor: &Actor,
    kind: DocKind,
    params: &[(String, String)],
) -> Result<Page<Document>> {
    let mut r = db.reader().await?;
    crate::list::list(&mut r, actor, spec(kind)?, params, None, |row| {
        doc_from_row(kind, row)
    })
    .await
}

// ---------------------------------------------------------------- context

/// What pricing needs from the settings: our regime, base currency and the rate table.
pub(crate) struct Context {
    pub regime: TaxRegime,
    pub base: Currency,
    pub invoice_format: NumberFormat,
    pub rules: Vec<VatRule>,
}

pub(crate) async fn context(c: &mut impl Conn) -> Result<Context> {
    let company = crate::company::current(c).await?.data;
    let regime = company
        .regime()
        .ok_or_else(|| StoreError::corrupt("company.tax_regime"))?;
    let invoice_format = company
        .number_format()
        .map_err(|e| StoreError::corrupt(format!("company.invoice_number_format: {e}")))?;
    let rules = crate::catalog::vat_rules(c).await?;
    Ok(Context {
        regime,
        base: company.base_currency,
        invoice_format,
        rules,
    })
}

/// Quotes, orders, acts and shipments are numbered per year in their own series.
const OTHER_FORMAT: &str = "{year}-{seq:04}";

/// The next number of a series, taken inside the caller's transaction: the
/// counter row is locked by the upsert, so concurrent issuers queue on it
/// (PostgreSQL) or on the single writer (SQLite) and never share a value;
/// a rolled-back action rolls its number back too, so none is skipped.
pub(crate) async fn next_number(tx: &mut Tx, series: &str, year: i32) -> Result<i64> {
    // One statement: concurrent first issuers of a year cannot both insert.
    let row = sqlx::query(
        "INSERT INTO doc_counters (kind, year, last_seq) VALUES ($1, $2, 1) \
         ON CONFLICT (kind, year) DO UPDATE SET last_seq = doc_counters.last_seq + 1 \
         RETURNING last_seq",
    )
    .bind(series)
    .bind(i64::from(year))
    .fetch_one(tx.conn())
    .await?;
    col::i(&row, "last_seq")
}

async fn number_for(tx: &mut Tx, kind: DocKind, on: Date) -> Result<String> {
    let year = on.inner().year();
    let seq = next_number(tx, kind.as_str(), year).await?;
    let format =
        NumberFormat::parse(OTHER_FORMAT).map_err(|e| StoreError::corrupt(e.to_string()))?;
    Ok(format.render(year, seq))
}

// ---------------------------------------------------------------- pricing

/// A line with everything resolved, ready to price and store.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub product_id: Option<Id>,
    pub source_line_id: Option<Id>,
    pub name: String,
    pub unit_code: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub discount: Option<Discount>,
    pub vat_rate: VatRate,
    pub unit_cost: Decimal,
}

/// The price book a document uses: the one named (it must exist), else the default.
async fn price_book(c: &mut impl Conn, id: Option<Id>) -> Result<Option<(Id, Currency)>> {
    let book = match id {
        Some(id) => match crate::catalog::load_price_book(c, id).await {
            Ok(b) => Some(b),
            Err(StoreError::NotFound) => {
                return Err(Invalid::field("price_book_id", msg::PRICE_BOOK_MISSING).into());
            }
            Err(e) => return Err(e),
        },
        None => crate::catalog::default_price_book(c).await?,
    };
    Ok(book.map(|b| (b.id, b.data.currency)))
}

/// Resolves every line of `data` against the catalog and prices the
/// document. Fills in the defaults it used, so what is stored says exactly
/// how the figures came about.
pub(crate) async fn price_data(
    tx: &mut impl Conn,
    ctx: &Context,
    data: &mut DocumentData,
    fallback_currency: Option<Currency>,
    today: Date,
) -> Result<(Vec<Resolved>, DocTotals)> {
    let on = *data.doc_date.get_or_insert(today);
    let book = price_book(tx, data.price_book_id).await?;
    data.price_book_id = book.as_ref().map(|b| b.0);
    let currency = data
        .currency
        .clone()
        .or(fallback_currency)
        .or_else(|| book.as_ref().map(|b| b.1.clone()))
        .unwrap_or_else(|| ctx.base.clone());
    data.currency = Some(currency.clone());
    let book_id = book.as_ref().filter(|b| b.1 == currency).map(|b| b.0);
    let default_rate = vat::default_rate(&ctx.rules, ctx.regime, on).unwrap_or(VatRate::None);
    let mut errors = FieldErrors::new();
    let check_rate = |field: &str, r: VatRate, errors: &mut FieldErrors| {
        if let Err(e) = vat::check_rate(&ctx.rules, ctx.regime, on, r) {
            errors.add(field, e);
        }
    };
    let mut out = Vec::with_capacity(data.lines.len());
    for (i, l) in data.lines.iter_mut().enumerate() {
        let mut resolved = Resolved {
            product_id: l.product_id,
            source_line_id: None,
            name: l.name.clone().unwrap_or_default(),
            unit_code: l.unit_code.clone().unwrap_or_else(|| "796".into()),
            quantity: l.quantity,
            unit_price: l.unit_price.unwrap_or_default(),
            discount: l.discount,
            vat_rate: l.vat_rate.unwrap_or(default_rate),
            unit_cost: l.unit_cost.unwrap_or_default(),
        };
        if let Some(pid) = l.product_id {
            // The book's price when it has the product, else the product's own.
            let Some(p) = crate::catalog::price_for(tx, book_id, pid).await? else {
                errors.add(format!("lines[{i}].product_id"), msg::PRODUCT_MISSING);
                continue;
            };
            if l.name.is_none() {
                resolved.name = p.name.clone();
            }
            if l.unit_code.is_none() {
                resolved.unit_code = p.unit_code.clone();
            }
            if l.unit_cost.is_none() {
                resolved.unit_cost = p.cost;
            }
            if l.unit_price.is_none() {
                if p.price_book_id.is_some() || p.currency == currency {
                    resolved.unit_price = p.price;
                } else {
                    errors.add(
                        format!("lines[{i}].unit_price"),
                        msg::PRICE_CURRENCY
                            .with("product", &p.currency)
                            .with("document", &currency),
                    );
                }
            }
            if l.vat_rate.is_none() {
                // The product's rate if the law still allows it on this date, else the base rate.
                let own = VatRate::parse(&p.vat_rate)
                    .map_err(|e| StoreError::corrupt(format!("products.vat_rate: {e}")))?;
                if vat::check_rate(&ctx.rules, ctx.regime, on, own).is_ok() {
                    resolved.vat_rate = own;
                }
            }
        }
        if data.tax_mode != TaxMode::Group {
            check_rate(
                &format!("lines[{i}].vat_rate"),
                resolved.vat_rate,
                &mut errors,
            );
        }
        l.name = Some(resolved.name.clone());
        l.unit_code = Some(resolved.unit_code.clone());
        l.unit_price = Some(resolved.unit_price);
        l.vat_rate = Some(resolved.vat_rate);
        l.unit_cost = Some(resolved.unit_cost);
        out.push(resolved);
    }
    let group_vat = *data.group_vat.get_or_insert(default_rate);
    let shipping_vat = *data.shipping_vat.get_or_insert(default_rate);
    if data.tax_mode == TaxMode::Group {
        check_rate("group_vat", group_vat, &mut errors);
    }
    if !data.shipping.is_zero() {
        check_rate("shipping_vat", shipping_vat, &mut errors);
    }
    errors.finish()?;
    let totals = price_resolved(
        &out,
        data.tax_mode,
        group_vat,
        data.discount,
        data.shipping,
        shipping_vat,
    )?;
    Ok((out, totals))
}

pub(crate) fn price_resolved(
    lines: &[Resolved],
    tax_mode: TaxMode,
    group_vat: VatRate,
    discount: Option<Discount>,
    shipping: Decimal,
    shipping_vat: VatRate,
) -> Result<DocTotals> {
    let input = DocInput {
        lines: lines
            .iter()
            .map(|l| LineInput {
                quantity: l.quantity,
                unit_price: l.unit_price,
                discount: l.discount,
                vat: l.vat_rate,
            })
            .collect(),
        tax_mode,
        group_vat,
        discount,
        shipping,
        shipping_vat,
    };
    Ok(pricing::price(&input)?)
}

pub(crate) fn cost_of(lines: &[Resolved]) -> Decimal {
    lines
        .iter()
        .map(|l| pricing::line_cost(l.quantity, l.unit_cost))
        .sum()
}

/// A stored line's money figures.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Figures {
    pub amount: Decimal,
    /// The line's discount and its share of the document's.
    pub discount: Decimal,
    pub net: Decimal,
    pub vat: Decimal,
    pub total: Decimal,
    pub cost: Decimal,
}

/// Writes one line of any document.
pub(crate) async fn insert_line(
    tx: &mut Tx,
    kind: DocKind,
    doc_id: Id,
    position: usize,
    l: &Resolved,
    t: &Figures,
) -> Result<()> {
    table::insert_row(tx, "doc_lines", line_columns(kind, doc_id, position, l, t)?).await?;
    Ok(())
}

/// The stored columns of a line: one place for every writer of lines (the
/// demo's bulk loader too), so that reports read them all alike.
pub(crate) fn line_columns(
    kind: DocKind,
    doc_id: Id,
    position: usize,
    l: &Resolved,
    t: &Figures,
) -> Result<Columns> {
    let f = |name: &str| format!("lines[{position}].{name}");
    let (dk, dv) = discount_columns(l.discount)?;
    Ok(vec![
        ("doc_kind", kind.as_str().to_owned().into()),
        ("doc_id", doc_id.into()),
        ("position", (position as i64).into()),
        ("product_id", table::opt_id(l.product_id)),
        ("source_line_id", table::opt_id(l.source_line_id)),
        ("name", l.name.clone().into()),
        ("unit_code", l.unit_code.clone().into()),
        ("quantity_milli", milli(l.quantity, &f("quantity"))?.into()),
        (
            "unit_price_minor",
            minor(l.unit_price, &f("unit_price"))?.into(),
        ),
        ("discount_kind", dk),
        ("discount_value", dv),
        ("vat_rate", l.vat_rate.code().into()),
        (
            "unit_cost_minor",
            minor(l.unit_cost, &f("unit_cost"))?.into(),
        ),
        ("amount_minor", minor(t.amount, &f("amount"))?.into()),
        ("discount_minor", minor(t.discount, &f("discount"))?.into()),
        ("net_minor", minor(t.net, &f("net"))?.into()),
        ("vat_minor", minor(t.vat, &f("vat"))?.into()),
        ("total_minor", minor(t.total, &f("total"))?.into()),
        ("cost_minor", minor(t.cost, &f("unit_cost"))?.into()),
    ])
}

/// A priced line's stored figures: the document discount's share counts
/// as the line's discount, and the cost is the quantity's.
pub(crate) fn figures(l: &Resolved, t: &LineTotals) -> Figures {
    Figures {
        amount: t.amount,
        discount: t.discount + t.doc_discount,
        net: t.net,
        vat: t.vat,
        total: t.total,
        cost: pricing::line_cost(l.quantity, l.unit_cost),
    }
}

/// Replaces the lines of a document.
pub(crate) async fn write_lines(
    tx: &mut Tx,
    kind: DocKind,
    doc_id: Id,
    lines: &[Resolved],
    totals: &DocTotals,
) -> Result<()> {
    sqlx::query("DELETE FROM doc_lines WHERE doc_kind = $1 AND doc_id = $2")
        .bind(kind.as_str())
        .bind(doc_id)
        .execute(tx.conn())
        .await?;
    for (i, (l, t)) in lines.iter().zip(&totals.lines).enumerate() {
        insert_line(tx, kind, doc_id, i, l, &figures(l, t)).await?;
    }
    Ok(())
}

pub(crate) fn header_columns(
    data: &DocumentData,
    totals: &DocTotals,
    cost: Decimal,
    kind: DocKind,
) -> Result<Columns> {
    let (dk, dv) = discount_columns(data.discount)?;
    let title = data.title.clone().unwrap_or_default();
    let mut cols: Columns = vec![
        ("title", title.clone().into()),
        ("deal_id", table::opt_id(data.deal_id)),
        ("account_id", table::opt_id(data.account_id)),
        ("contact_id", table::opt_id(data.contact_id)),
        ("doc_date", table::opt_day(&data.doc_date)),
        (
            "currency",
            data.currency
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default()
                .into(),
        ),
        ("price_book_id", table::opt_id(data.price_book_id)),
        ("tax_mode", data.tax_mode.as_str().to_owned().into()),
        (
            "group_vat",
            data.group_vat.unwrap_or(VatRate::None).code().into(),
        ),
        ("discount_kind", dk),
        ("discount_value", dv),
        ("shipping_minor", minor(data.shipping, "shipping")?.into()),
        (
            "shipping_vat",
            data.shipping_vat.unwrap_or(VatRate::None).code().into(),
        ),
        ("terms", table::opt_string(&data.terms)),
        ("net_minor", minor(totals.net, "net")?.into()),
        ("vat_minor", minor(totals.vat, "vat")?.into()),
        ("total_minor", minor(totals.total, "total")?.into()),
        ("cost_minor", minor(cost, "cost")?.into()),
    ];
    match kind {
        DocKind::Quote => cols.push(("valid_until", table::opt_day(&data.valid_until))),
        DocKind::Invoice => {
            // The lines' net without the shipping's: gross profit by deal
            // ranks invoices by it.
            let lines_net: Decimal = totals.lines.iter().map(|l| l.net).sum();
            cols.extend([
                ("due_date", table::opt_day(&data.due_date)),
                ("lines_net_minor", minor(lines_net, "net")?.into()),
            ]);
        }
        _ => {}
    }
    Ok(cols)
}

pub(crate) fn search_key(number: Option<&str>, title: &str) -> SqValue {
    fold(&format!("{} {title}", number.unwrap_or(""))).into()
}

// ---------------------------------------------------------------- references

/// Checks the deal, account and contact exist and are visible, and fills the
/// customer, title and currency from the deal when they are not given.
async fn resolve_refs(
    tx: &mut Tx,
    actor: &Actor,
    data: &mut DocumentData,
    old: Option<&Document>,
) -> Result<Option<Currency>> {
    let mut errors = FieldErrors::new();
    let deal = table::check_ref::<Deal>(
        tx,
        actor,
        table::changed_ref(data.deal_id, old.map(|o| o.deal_id)),
        "deal_id",
        &mut errors,
    )
    .await?;
    if let Some(d) = &deal {
        if data.account_id.is_none() && data.contact_id.is_none() {
            data.account_id = d.data.account_id;
            data.contact_id = d.data.contact_id;
        }
        if data.title.is_none() {
            data.title = Some(d.data.title.clone());
        }
    }
    table::check_ref::<Account>(
        tx,
        actor,
        table::changed_ref(data.account_id, old.map(|o| o.account_id)),
        "account_id",
        &mut errors,
    )
    .await?;
    table::check_ref::<Contact>(
        tx,
        actor,
        table::changed_ref(data.contact_id, old.map(|o| o.contact_id)),
        "contact_id",
        &mut errors,
    )
    .await?;
    if data.account_id.is_none() && data.contact_id.is_none() {
        errors.add("account_id", msg::DOCUMENT_NEEDS_CUSTOMER);
    }
    errors.finish()?;
    Ok(deal.map(|d| d.data.currency))
}

// ---------------------------------------------------------------- create / update

/// Links a new document carries besides its data.
#[derive(Debug, Default, Clone)]
pub(crate) struct Links {
    pub quote_id: Option<Id>,
    pub order_id: Option<Id>,
    pub previous_id: Option<Id>,
    pub revision: Option<i64>,
    pub number: Option<String>,
}

pub async fn create(db: &Db, actor: &Actor, kind: DocKind, body: Value) -> Result<Document> {
    spec(kind)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let mut body = table::object(body)?;
            let owner = table::take_id(&mut body, "owner_id")?;
            let data = table::parse::<DocumentData>(Value::Object(body))?.validate()?;
            data.check_kind(kind)?;
            create_in(tx, &actor, kind, data, owner, Links::default()).await
        })
    })
    .await
}

pub(crate) async fn create_in(
    tx: &mut Tx,
    actor: &Actor,
    kind: DocKind,
    mut data: DocumentData,
    owner: Option<Id>,
    links: Links,
) -> Result<Document> {
    let deal_currency = resolve_refs(tx, actor, &mut data, None).await?;
    let owner = table::resolve_owner(tx, actor, owner, None).await?;
    let ctx = context(tx).await?;
    let today = tx.now().day();
    let (lines, totals) = price_data(tx, &ctx, &mut data, deal_currency, today).await?;
    let on = data.doc_date.unwrap_or_else(|| tx.now().day());
    let number = match (kind, links.number) {
        (DocKind::Invoice, _) => None,
        (_, Some(n)) => Some(n),
        (_, None) => Some(number_for(tx, kind, on).await?),
    };
    let mut cols = header_columns(&data, &totals, cost_of(&lines), kind)?;
    let now = tx.now().to_db();
    cols.extend([
        ("number", number.clone().into()),
        (
            "search_key",
            search_key(number.as_deref(), data.title.as_deref().unwrap_or("")),
        ),
        ("owner_id", owner.into()),
        ("created_at", now.clone().into()),
        ("created_by", actor.user_id.into()),
        ("updated_at", now.into()),
        ("updated_by", actor.user_id.into()),
    ]);
    match kind {
        DocKind::Quote => cols.extend([
            ("status", QuoteStatus::Draft.as_str().to_owned().into()),
            ("revision", links.revision.unwrap_or(1).into()),
            ("previous_id", table::opt_id(links.previous_id)),
        ]),
        DocKind::Order => cols.extend([
            ("status", OrderStatus::Created.as_str().to_owned().into()),
            ("quote_id", table::opt_id(links.quote_id)),
        ]),
        _ => cols.extend([
            ("status", InvoiceStatus::Draft.as_str().to_owned().into()),
            ("quote_id", table::opt_id(links.quote_id)),
            ("order_id", table::opt_id(links.order_id)),
            ("paid_minor", 0i64.into()),
        ]),
    }
    let table_name = spec(kind)?.table;
    let id = table::insert_row(tx, table_name, cols).await?;
    write_lines(tx, kind, id, &lines, &totals).await?;
    let doc = load(tx, kind, id).await?.ok_or(StoreError::NotFound)?;
    audit::record(
        tx,
        entity(kind),
        id,
        "create",
        actor.user_id,
        &audit::creation(&table::to_json(&doc)),
    )
    .await?;
    let number = doc.number.as_deref();
    trace(
        tx,
        actor,
        doc.deal_id,
        kind,
        id,
        number,
        doc.status.as_str(),
    )
    .await?;
    Ok(doc)
}

/// A conflict in the registry's English (the interface reads its id back).
pub(crate) fn conflict(m: Message) -> StoreError {
    StoreError::Conflict(m.into_english())
}

fn read_only(doc: &Document) -> StoreError {
    let message = match doc.status {
        DocStatus::Quote(_) => msg::QUOTE_READ_ONLY,
        DocStatus::Order(_) => msg::ORDER_READ_ONLY,
        DocStatus::Invoice(_) => msg::INVOICE_READ_ONLY,
    };
    conflict(message.with("status", doc.status.as_str()))
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    kind: DocKind,
    id: Id,
    body: Value,
) -> Result<Document> {
    spec(kind)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            lock(tx, spec(kind)?.table, id).await?;
            let old = get_in(tx, &actor, kind, id).await?;
            if !old.status.editable() {
                return Err(read_only(&old));
            }
            let mut patch = table::object(body)?;
            let owner = table::take_id(&mut patch, "owner_id")?;
            let mut data = table::merge(&old.to_data(), patch)?.validate()?;
            data.check_kind(kind)?;
            let deal_currency = resolve_refs(tx, &actor, &mut data, Some(&old)).await?;
            let owner = table::resolve_owner(tx, &actor, owner, Some(old.meta.owner_id)).await?;
            let ctx = context(tx).await?;
            let today = tx.now().day();
            let (lines, totals) = price_data(tx, &ctx, &mut data, deal_currency, today).await?;
            let mut cols = header_columns(&data, &totals, cost_of(&lines), kind)?;
            cols.extend([
                (
                    "search_key",
                    search_key(old.number.as_deref(), data.title.as_deref().unwrap_or("")),
                ),
                ("owner_id", owner.into()),
                ("updated_at", tx.now().to_db().into()),
                ("updated_by", actor.user_id.into()),
            ]);
            table::update_row(tx, spec(kind)?.table, id, cols).await?;
            write_lines(tx, kind, id, &lines, &totals).await?;
            let new = load(tx, kind, id).await?.ok_or(StoreError::NotFound)?;
            record_change(tx, &actor, &old, &new, "update").await?;
            Ok(new)
        })
    })
    .await
}

/// Leaves a trace of a document's step on its deal's timeline (created,
/// activated, won, issued, paid, delivered…).
pub(crate) async fn trace(
    tx: &mut Tx,
    actor: &Actor,
    deal_id: Option<Id>,
    kind: DocKind,
    id: Id,
    number: Option<&str>,
    status: &str,
) -> Result<()> {
    let Some(deal_id) = deal_id else {
        return Ok(());
    };
    let change = Change {
        field: kind.as_str().to_owned(),
        old: Value::Null,
        new: json!({"id": id, "number": number, "status": status}),
    };
    audit::record(
        tx,
        EntityKind::Deal,
        deal_id,
        "document",
        actor.user_id,
        &[change],
    )
    .await
}

async fn record_change(
    tx: &mut Tx,
    actor: &Actor,
    old: &Document,
    new: &Document,
    action: &str,
) -> Result<()> {
    let mut changes = audit::diff(&table::to_json(old), &table::to_json(new));
    changes.retain(|c| c.field != "updated_at" && c.field != "updated_by");
    if !changes.is_empty() || action != "update" {
        audit::record(
            tx,
            entity(new.kind),
            new.id,
            action,
            actor.user_id,
            &changes,
        )
        .await?;
    }
    if old.status != new.status {
        let number = new.number.as_deref();
        trace(
            tx,
            actor,
            new.deal_id,
            new.kind,
            new.id,
            number,
            new.status.as_str(),
        )
        .await?;
    }
    Ok(())
}

/// Only a draft can go: anything issued is kept (a canceled invoice keeps its number).
pub async fn delete(db: &Db, actor: &Actor, kind: DocKind, id: Id) -> Result<()> {
    spec(kind)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let doc = get_in(tx, &actor, kind, id).await?;
            let deletable = match doc.status {
                DocStatus::Quote(s) => s == QuoteStatus::Draft,
                DocStatus::Order(s) => s == OrderStatus::Created,
                DocStatus::Invoice(s) => s == InvoiceStatus::Draft,
            };
            if !deletable {
                return Err(conflict(
                    msg::ONLY_DRAFTS_DELETED.with("status", doc.status.as_str()),
                ));
            }
            let dependants: &[(&str, msg::MessageDef)] = match kind {
                DocKind::Quote => &[
                    (
                        "SELECT COUNT(*) FROM invoices WHERE quote_id = $1",
                        msg::INVOICES_MADE,
                    ),
                    (
                        "SELECT COUNT(*) FROM sales_orders WHERE quote_id = $1",
                        msg::ORDERS_MADE,
                    ),
                    (
                        "SELECT COUNT(*) FROM quotes WHERE previous_id = $1",
                        msg::REVISIONS_MADE,
                    ),
                ],
                DocKind::Order => &[(
                    "SELECT COUNT(*) FROM invoices WHERE order_id = $1",
                    msg::INVOICES_MADE,
                )],
                _ => &[],
            };
            for (sql, made) in dependants {
                let n: i64 = sqlx::query(sql)
                    .bind(id)
                    .fetch_one(tx.conn())
                    .await?
                    .try_get(0)?;
                if n > 0 {
                    return Err(conflict(made.with("n", n)));
                }
            }
            sqlx::query("DELETE FROM doc_lines WHERE doc_kind = $1 AND doc_id = $2")
                .bind(kind.as_str())
                .bind(id)
                .execute(tx.conn())
                .await?;
            let sql = format!("DELETE FROM {} WHERE id = $1", spec(kind)?.table);
            sqlx::query(&sql).bind(id).execute(tx.conn()).await?;
            audit::record(
                tx,
                entity(kind),
                id,
                "delete",
                actor.user_id,
                &audit::diff(&table::to_json(&doc), &Value::Object(Map::new())),
            )
            .await
        })
    })
    .await
}

// ---------------------------------------------------------------- lifecycles

async fn set_status(
    tx: &mut Tx,
    actor: &Actor,
    doc: &Document,
    status: &str,
    extra: Columns,
) -> Result<Document> {
    let mut cols: Columns = vec![
        ("status", status.to_owned().into()),
        ("updated_at", tx.now().to_db().into()),
        ("updated_by", actor.user_id.into()),
    ];
    cols.extend(extra);
    table::update_row(tx, spec(doc.kind)?.table, doc.id, cols).await?;
    load(tx, doc.kind, doc.id)
        .await?
        .ok_or(StoreError::NotFound)
}

fn transition(e: voronka_core::documents::TransitionError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// What a quote action answers: the quote, and what it made (the order of a
/// win, the new draft of a revision).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteOutcome {
    pub quote: Document,
    pub created: Option<Document>,
}

pub async fn quote_action(
    db: &Db,
    actor: &Actor,
    id: Id,
    action: QuoteAction,
) -> Result<QuoteOutcome> {
    let actor = actor.clone();
    db.write(move |tx| boxed(async move { quote_action_in(tx, &actor, id, action).await }))
        .await
}

async fn quote_action_in(
    tx: &mut Tx,
    actor: &Actor,
    id: Id,
    action: QuoteAction,
) -> Result<QuoteOutcome> {
    lock(tx, "quotes", id).await?;
    let old = get_in(tx, actor, DocKind::Quote, id).await?;
    let DocStatus::Quote(from) = old.status else {
        return Err(StoreError::NotFound);
    };
    let to = from.apply(action).map_err(transition)?;
    if action == QuoteAction::Activate && old.lines.is_empty() {
        return Err(Invalid::field("lines", msg::QUOTE_NEEDS_LINE).into());
    }
    let mut quote = set_status(tx, actor, &old, to.as_str(), Vec::new()).await?;
    record_change(tx, actor, &old, &quote, action_name(action)).await?;
    let created = match action {
        QuoteAction::Win => {
            let mut data = quote.to_data();
            data.valid_until = None;
            data.doc_date = Some(tx.now().day());
            let order = create_in(
                tx,
                actor,
                DocKind::Order,
                data,
                Some(quote.meta.owner_id),
                Links {
                    quote_id: Some(quote.id),
                    ..Links::default()
                },
            )
            .await?;
            table::update_row(tx, "quotes", quote.id, vec![("order_id", order.id.into())]).await?;
            if let Some(deal_id) = quote.deal_id {
                move_deal_on_win(tx, actor, deal_id).await?;
            }
            quote = load(tx, DocKind::Quote, id)
                .await?
                .ok_or(StoreError::NotFound)?;
            Some(order)
        }
        QuoteAction::Revise => {
            let mut data = quote.to_data();
            data.doc_date = Some(tx.now().day());
            if data.valid_until.is_some_and(|v| Some(v) < data.doc_date) {
                data.valid_until = None;
            }
            Some(
                create_in(
                    tx,
                    actor,
                    DocKind::Quote,
                    data,
                    Some(quote.meta.owner_id),
                    Links {
                        previous_id: Some(quote.id),
                        revision: Some(quote.revision.unwrap_or(1) + 1),
                        number: quote.number.clone(),
                        ..Links::default()
                    },
                )
                .await?,
            )
        }
        _ => None,
    };
    Ok(QuoteOutcome { quote, created })
}

fn action_name(a: QuoteAction) -> &'static str {
    match a {
        QuoteAction::Activate => "activate",
        QuoteAction::Win => "win",
        QuoteAction::Lose => "lose",
        QuoteAction::Revise => "revise",
    }
}

/// A won quote moves its open deal to the stage the pipeline names for it.
async fn move_deal_on_win(tx: &mut Tx, actor: &Actor, deal_id: Id) -> Result<()> {
    let Some(deal) = table::load::<Deal>(tx, deal_id).await? else {
        return Ok(());
    };
    if deal.status != StageKind::Open {
        return Ok(());
    }
    let Some(pipeline) =
        crate::pipelines::load(tx, deal.data.pipeline_id.unwrap_or_default()).await?
    else {
        return Ok(());
    };
    if let Some(stage) = pipeline.data.quote_won_stage_id
        && deal.data.stage_id != Some(stage)
        && pipeline.stage(stage).is_some()
    {
        crate::deals::move_in(tx, actor, &deal, stage, None, None, "quote_won").await?;
    }
    Ok(())
}

pub async fn order_action(db: &Db, actor: &Actor, id: Id, action: OrderAction) -> Result<Document> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            lock(tx, "sales_orders", id).await?;
            let old = get_in(tx, &actor, DocKind::Order, id).await?;
            let DocStatus::Order(from) = old.status else {
                return Err(StoreError::NotFound);
            };
            let to = from.apply(action).map_err(transition)?;
            let new = set_status(tx, &actor, &old, to.as_str(), Vec::new()).await?;
            record_change(tx, &actor, &old, &new, to.as_str()).await?;
            Ok(new)
        })
    })
    .await
}

pub async fn invoice_action(
    db: &Db,
    actor: &Actor,
    id: Id,
    action: InvoiceAction,
) -> Result<Document> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            // Its deal first, as a deal's own writes lock it before its
            // customer (writing the invoice holds the customer's key).
            crate::rollup::lock_invoice_deal(tx, id).await?;
            lock(tx, "invoices", id).await?;
            let old = get_in(tx, &actor, DocKind::Invoice, id).await?;
            let DocStatus::Invoice(from) = old.status else {
                return Err(StoreError::NotFound);
            };
            let to = from
                .apply(action, old.paid.unwrap_or_default())
                .map_err(transition)?;
            let mut extra = Columns::new();
            if action == InvoiceAction::Send {
                if old.lines.is_empty() {
                    return Err(Invalid::field("lines", msg::INVOICE_NEEDS_LINE).into());
                }
                let ctx = context(tx).await?;
                let year = old.doc_date.inner().year();
                let seq = next_number(tx, "invoice", year).await?;
                let number = ctx.invoice_format.render(year, seq);
                let payer = payer_details(tx, &old).await?;
                let seller = seller_details_in(tx).await?;
                extra.extend([
                    ("number", number.clone().into()),
                    ("year", i64::from(year).into()),
                    ("seq", seq.into()),
                    ("payer", payer.to_string().into()),
                    ("seller", seller.to_string().into()),
                    ("issued_at", tx.now().to_db().into()),
                    ("search_key", search_key(Some(&number), &old.title)),
                ]);
            }
            let before = crate::rollup::invoice_facts(tx, id).await?;
            let new = set_status(tx, &actor, &old, to.as_str(), extra).await?;
            crate::rollup::follow_invoice(tx, id, &before).await?;
            record_change(tx, &actor, &old, &new, to.as_str()).await?;
            Ok(new)
        })
    })
    .await
}

/// The payer's legal details as they are now, frozen into the invoice.
async fn payer_details(tx: &mut Tx, doc: &Document) -> Result<Value> {
    if let Some(id) = doc.account_id
        && let Some(a) = table::load::<Account>(tx, id).await?
    {
        return Ok(payer_of(&a));
    }
    if let Some(id) = doc.contact_id
        && let Some(c) = table::load::<Contact>(tx, id).await?
    {
        return Ok(json!({"contact_id": c.id, "name": c.display_name()}));
    }
    Ok(Value::Null)
}

/// What an invoice keeps of the account that pays it: one shape for the
/// invoices issued here and the demo's.
pub(crate) fn payer_of(a: &Account) -> Value {
    let d = &a.data;
    json!({
        "account_id": a.id, "name": d.name, "inn": d.inn, "kpp": d.kpp, "ogrn": d.ogrn,
        "legal_address": d.legal_address, "bank_name": d.bank_name, "bic": d.bic,
        "settlement_account": d.settlement_account,
        "correspondent_account": d.correspondent_account,
    })
}

/// Our company's details as they are now (legal name, INN, KPP, bank,
/// director …), for documents that carry no frozen copy, such as a quote's
/// printed form. `Null` while the company has not been set up.
pub async fn seller_details(db: &Db) -> Result<Value> {
    let mut r = db.reader().await?;
    seller_details_in(&mut r).await
}

/// Our company's details as they are now, frozen into the invoice.
pub(crate) async fn seller_details_in(c: &mut impl Conn) -> Result<Value> {
    let company = crate::company::current(c).await?;
    if company.updated_at.is_none() {
        return Ok(Value::Null);
    }
    let Value::Object(all) = crate::table::to_json(&company.data) else {
        return Ok(Value::Null);
    };
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| SELLER_FIELDS.contains(&k.as_str()))
        .collect();
    Ok(Value::Object(m))
}

/// What an invoice keeps of our company.
const SELLER_FIELDS: &[&str] = &[
    "legal_name",
    "short_name",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "postal_address",
    "phone",
    "email",
    "bank_name",
    "bic",
    "settlement_account",
    "correspondent_account",
    "director",
    "chief_accountant",
    "tax_regime",
];

// ---------------------------------------------------------------- copying along the cycle

/// Where a new document's lines come from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Deal(Id),
    Quote(Id),
    Order(Id),
}

/// Makes a quote, order or invoice from a deal's products or from an earlier
/// document, lines copied as they are. `overrides` are document fields
/// (dates, terms, title) laid over the copy.
pub async fn create_from(
    db: &Db,
    actor: &Actor,
    kind: DocKind,
    source: Source,
    overrides: Value,
) -> Result<Document> {
    spec(kind)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let mut overrides = table::object(overrides)?;
            let owner = table::take_id(&mut overrides, "owner_id")?;
            let mut links = Links::default();
            let base = match source {
                Source::Deal(id) => {
                    let deal = table::get::<Deal>(tx, &actor, id).await?;
                    let lines = load_lines(tx, DocKind::Deal, id).await?;
                    let tax_mode = deal_tax_mode(tx, id).await?;
                    DocumentData {
                        title: Some(deal.data.title.clone()),
                        deal_id: Some(deal.id),
                        account_id: deal.data.account_id,
                        contact_id: deal.data.contact_id,
                        ..DocumentData::of_lines(
                            deal.data.currency.clone(),
                            tax_mode,
                            lines.iter().map(Line::to_data).collect(),
                        )
                    }
                }
                Source::Quote(id) | Source::Order(id) => {
                    let from_kind = if matches!(source, Source::Quote(_)) {
                        DocKind::Quote
                    } else {
                        DocKind::Order
                    };
                    let doc = get_in(tx, &actor, from_kind, id).await?;
                    match (from_kind, doc.status) {
                        (DocKind::Quote, DocStatus::Quote(s))
                            if kind == DocKind::Order && s != QuoteStatus::Won =>
                        {
                            return Err(StoreError::Conflict(msg::ORDER_FROM_WON_QUOTE.into()));
                        }
                        (DocKind::Quote, DocStatus::Quote(s))
                            if matches!(
                                s,
                                QuoteStatus::Draft | QuoteStatus::Revised | QuoteStatus::Lost
                            ) =>
                        {
                            return Err(conflict(
                                msg::QUOTE_NOT_INVOICED.with("status", s.as_str()),
                            ));
                        }
                        (DocKind::Order, DocStatus::Order(OrderStatus::Canceled)) => {
                            return Err(StoreError::Conflict(msg::ORDER_CANCELED.into()));
                        }
                        _ => {}
                    }
                    if from_kind == DocKind::Quote {
                        links.quote_id = Some(id);
                    } else {
                        links.order_id = Some(id);
                        links.quote_id = doc.quote_id;
                    }
                    let mut data = doc.to_data();
                    data.doc_date = None;
                    data.valid_until = None;
                    data.due_date = None;
                    data
                }
            };
            let mut merged = table::merge(&base, overrides)?.validate()?;
            merged.check_kind(kind)?;
            if merged.doc_date.is_none() {
                merged.doc_date = Some(tx.now().day());
            }
            create_in(tx, &actor, kind, merged, owner, links).await
        })
    })
    .await
}

/// A document priced as it would be saved, without saving it: the live
/// totals of the line editor. Catalog defaults are filled in.
pub async fn preview(db: &Db, body: Value) -> Result<(DocumentData, DocTotals)> {
    let mut r = db.reader().await?;
    let mut data = table::parse::<DocumentData>(body)?.validate()?;
    let ctx = context(&mut r).await?;
    let (_, totals) = price_data(&mut r, &ctx, &mut data, None, db.now().day()).await?;
    Ok((data, totals))
}

/// Active products for a line editor's choice: id, name, unit, price, currency.
pub async fn product_choices(db: &Db) -> Result<Vec<(Id, String, String, Decimal, Currency)>> {
    let mut r = db.reader().await?;
    sqlx::query(
        "SELECT id, name, unit_code, price_minor, currency FROM products WHERE active = $1 ORDER BY name, id LIMIT 1000",
    )
    .bind(true)
    .fetch_all(r.conn())
    .await?
    .iter()
    .map(|p| {
        Ok((
            col::i(p, "id")?,
            col::s(p, "name")?,
            col::s(p, "unit_code")?,
            money::from_minor(col::i(p, "price_minor")?),
            col::en(p, "currency")?,
        ))
    })
    .collect()
}

// ---------------------------------------------------------------- deal products

/// A deal's products and what they add up to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DealProducts {
    pub deal_id: Id,
    pub currency: Currency,
    pub tax_mode: TaxMode,
    pub lines: Vec<Line>,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub vat: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub cost: Decimal,
    /// Net revenue − cost.
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
    /// Whether the deal's amount follows the products (`false` once typed by hand).
    pub amount_from_lines: bool,
}

/// The new products of a deal.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDealProducts {
    #[serde(default)]
    pub lines: Vec<LineData>,
    #[serde(default)]
    pub tax_mode: Option<TaxMode>,
    /// Set the deal's amount to the products' total. Default: yes on the
    /// first save, then as before (an amount typed on the deal turns it off).
    #[serde(default)]
    pub amount_from_lines: Option<bool>,
}

async fn deal_tax_mode(c: &mut impl Conn, deal_id: Id) -> Result<TaxMode> {
    let row = sqlx::query("SELECT lines_tax_mode FROM deals WHERE id = $1")
        .bind(deal_id)
        .fetch_one(c.conn())
        .await?;
    col::en(&row, "lines_tax_mode")
}

pub async fn deal_products(db: &Db, actor: &Actor, deal_id: Id) -> Result<DealProducts> {
    let mut r = db.reader().await?;
    let deal = table::get::<Deal>(&mut r, actor, deal_id).await?;
    deal_products_in(&mut r, &deal).await
}

async fn deal_products_in(c: &mut impl Conn, deal: &Deal) -> Result<DealProducts> {
    let lines = load_lines(c, DocKind::Deal, deal.id).await?;
    let row = sqlx::query("SELECT amount_from_lines FROM deals WHERE id = $1")
        .bind(deal.id)
        .fetch_one(c.conn())
        .await?;
    let net: Decimal = lines.iter().map(|l| l.net).sum();
    let cost: Decimal = lines.iter().map(|l| l.cost).sum();
    Ok(DealProducts {
        deal_id: deal.id,
        currency: deal.data.currency.clone(),
        tax_mode: deal_tax_mode(c, deal.id).await?,
        net,
        vat: lines.iter().map(|l| l.vat).sum(),
        total: lines.iter().map(|l| l.total).sum(),
        cost,
        gross_profit: net - cost,
        amount_from_lines: col::b(&row, "amount_from_lines")?,
        lines,
    })
}

pub async fn set_deal_products(
    db: &Db,
    actor: &Actor,
    deal_id: Id,
    req: SetDealProducts,
) -> Result<DealProducts> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let deal = table::get::<Deal>(tx, &actor, deal_id).await?;
            let mut data = DocumentData::of_lines(
                deal.data.currency.clone(),
                req.tax_mode.unwrap_or(TaxMode::Individual),
                req.lines,
            )
            .validate()?;
            let ctx = context(tx).await?;
            let today = tx.now().day();
            let (lines, totals) = price_data(tx, &ctx, &mut data, None, today).await?;
            let old_lines = load_lines(tx, DocKind::Deal, deal_id).await?;
            write_lines(tx, DocKind::Deal, deal_id, &lines, &totals).await?;
            let cost = cost_of(&lines);
            // Unless told, the amount follows the products from their first
            // save until someone types an amount on the deal by hand.
            let following: bool = {
                let r = sqlx::query("SELECT amount_from_lines FROM deals WHERE id = $1")
                    .bind(deal_id)
                    .fetch_one(tx.conn())
                    .await?;
                col::b(&r, "amount_from_lines")?
            };
            let from_lines = req
                .amount_from_lines
                .unwrap_or(following || old_lines.is_empty());
            let extra: Columns = vec![
                ("amount_from_lines", from_lines.into()),
                ("lines_net_minor", minor(totals.net, "net")?.into()),
                ("lines_cost_minor", minor(cost, "cost")?.into()),
                ("lines_count", (lines.len() as i64).into()),
                ("lines_tax_mode", data.tax_mode.as_str().to_owned().into()),
            ];
            if from_lines {
                crate::deals::set_amount_in(tx, &actor, &deal, totals.total, extra).await?;
            } else {
                table::update_row(tx, "deals", deal_id, extra).await?;
            }
            let new_lines = load_lines(tx, DocKind::Deal, deal_id).await?;
            crate::rollup::follow_lines(tx, &deal, &old_lines, &new_lines).await?;
            let changes = vec![Change {
                field: "products".into(),
                old: table::to_json(&old_lines.iter().map(|l| &l.name).collect::<Vec<_>>()),
                new: table::to_json(&new_lines.iter().map(|l| &l.name).collect::<Vec<_>>()),
            }];
            audit::record(
                tx,
                EntityKind::Deal,
                deal_id,
                "products",
                actor.user_id,
                &changes,
            )
            .await?;
            let deal = table::load::<Deal>(tx, deal_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            deal_products_in(tx, &deal).await
        })
    })
    .await
}

// ---------------------------------------------------------------- won check

/// What keeps a deal from being won under "won only when paid and shipped":
/// unpaid invoices and goods not yet shipped, in words. Empty when nothing does.
pub(crate) async fn won_blockers(tx: &mut Tx, deal_id: Id) -> Result<Vec<Message>> {
    let rows = sqlx::query(
        "SELECT id, number, status, total_minor, paid_minor, currency FROM invoices \
         WHERE deal_id = $1 AND status <> $2 AND status <> $3 ORDER BY id",
    )
    .bind(deal_id)
    .bind(InvoiceStatus::Canceled.as_str())
    .bind(InvoiceStatus::Draft.as_str())
    .fetch_all(tx.conn())
    .await?;
    if rows.is_empty() {
        return Ok(vec![msg::DEAL_NO_ISSUED_INVOICE.msg()]);
    }
    let mut missing = Vec::new();
    for r in &rows {
        let number = col::os(r, "number")?.unwrap_or_default();
        let total = money::from_minor(col::i(r, "total_minor")?);
        let paid = money::from_minor(col::i(r, "paid_minor")?);
        if paid < total {
            missing.push(
                msg::INVOICE_NOT_PAID
                    .with("number", &number)
                    .with("paid", paid)
                    .with("total", total)
                    .with("currency", col::s(r, "currency")?),
            );
        }
        let id = col::i(r, "id")?;
        for (name, left) in undelivered(tx, id, DocKind::Shipment, true).await? {
            missing.push(
                msg::INVOICE_NOT_SHIPPED
                    .with("number", &number)
                    .with("left", left)
                    .with("name", name),
            );
        }
    }
    Ok(missing)
}

/// Lines of an invoice with what is left to deliver on `kind` (act or
/// shipment): (name, quantity left). `goods_only` keeps lines of goods.
pub(crate) async fn undelivered(
    tx: &mut Tx,
    invoice_id: Id,
    kind: DocKind,
    goods_only: bool,
) -> Result<Vec<(String, Decimal)>> {
    let rows = sqlx::query(
        "SELECT l.id, l.name, l.quantity_milli, p.kind AS product_kind, \
         (SELECT CAST(COALESCE(SUM(d.quantity_milli), 0) AS BIGINT) FROM doc_lines d \
          WHERE d.doc_kind = $2 AND d.source_line_id = l.id) AS delivered \
         FROM doc_lines l LEFT JOIN products p ON p.id = l.product_id \
         WHERE l.doc_kind = $1 AND l.doc_id = $3 ORDER BY l.position",
    )
    .bind(DocKind::Invoice.as_str())
    .bind(kind.as_str())
    .bind(invoice_id)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        if goods_only && col::os(&r, "product_kind")?.as_deref() != Some("goods") {
            continue;
        }
        let left = col::i(&r, "quantity_milli")? - col::i(&r, "delivered")?;
        if left > 0 {
            out.push((col::s(&r, "name")?, from_milli(left)));
        }
    }
    Ok(out)
}
