//! Payments and their allocation to invoices, acts and shipments against
//! invoices, and an account's balance.
//!
//! An invoice's paid amount and status are derived from its allocations,
//! inside the transaction that changes them; what a payment does not cover
//! stays unallocated as the account's credit.

use crate::actor::Actor;
use crate::audit;
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::documents::{
    self, Figures, Resolved, from_milli, get_in, load, load_lines, milli, minor,
};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, Page, field, fold, money_field};
use crate::table;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use voronka_core::documents::InvoiceStatus;
use voronka_core::money::{self, Currency};
use voronka_core::pricing;
use voronka_core::records::{
    Account, Allocation, AllocationData, Balance, Contact, Delivery, DeliveryData, DocKind,
    DocStatus, EntityKind, Id, Payment, PaymentData, PaymentDirection, RecordData,
};
use voronka_core::{FieldErrors, Invalid, msg};

const PAYMENTS: ListSpec = ListSpec {
    table: "payments",
    fields: &[
        field("id", Id, false),
        field("direction", Enum, false),
        field("account_id", Id, true),
        field("contact_id", Id, true),
        money_field("amount", "amount_minor", false),
        money_field("allocated", "allocated_minor", false),
        field("currency", Enum, false),
        field("paid_on", Day, false),
        field("method", Enum, false),
        field("reference", Text, true),
        field("owner_id", Id, false),
        field("created_at", Timestamp, false),
        field("updated_at", Timestamp, false),
    ],
    searchable: true,
    owned: true,
};

fn payment_from_row(r: &AnyRow) -> Result<Payment> {
    let amount = money::from_minor(col::i(r, "amount_minor")?);
    Ok(Payment {
        id: col::i(r, "id")?,
        direction: col::en(r, "direction")?,
        account_id: col::oi(r, "account_id")?,
        contact_id: col::oi(r, "contact_id")?,
        amount,
        currency: col::en(r, "currency")?,
        paid_on: col::oday(r, "paid_on")?
            .ok_or_else(|| StoreError::corrupt("payments.paid_on is empty"))?,
        method: col::en(r, "method")?,
        reference: col::os(r, "reference")?,
        description: col::os(r, "description")?,
        allocations: Vec::new(),
        unallocated: amount - money::from_minor(col::i(r, "allocated_minor")?),
        meta: table::meta(r)?,
    })
}

async fn allocations(c: &mut impl Conn, payment_id: Id) -> Result<Vec<Allocation>> {
    sqlx::query(
        "SELECT a.invoice_id, a.amount_minor, i.number FROM payment_allocations a \
         JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $1 ORDER BY a.invoice_id",
    )
    .bind(payment_id)
    .fetch_all(c.conn())
    .await?
    .iter()
    .map(|r| {
        Ok(Allocation {
            invoice_id: col::i(r, "invoice_id")?,
            invoice_number: col::os(r, "number")?,
            amount: money::from_minor(col::i(r, "amount_minor")?),
        })
    })
    .collect()
}

async fn load_payment(c: &mut impl Conn, id: Id) -> Result<Option<Payment>> {
    let Some(row) = sqlx::query("SELECT * FROM payments WHERE id = $1")
        .bind(id)
        .fetch_optional(c.conn())
        .await?
    else {
        return Ok(None);
    };
    let mut p = payment_from_row(&row)?;
    p.allocations = allocations(c, id).await?;
    Ok(Some(p))
}

async fn get_payment_in(c: &mut impl Conn, actor: &Actor, id: Id) -> Result<Payment> {
    match load_payment(c, id).await? {
        Some(p) if actor.can_see_owner(p.meta.owner_id) => Ok(p),
        _ => Err(StoreError::NotFound),
    }
}

pub async fn get(db: &Db, actor: &Actor, id: Id) -> Result<Payment> {
    let mut r = db.reader().await?;
    get_payment_in(&mut r, actor, id).await
}

pub async fn list(db: &Db, actor: &Actor, params: &[(String, String)]) -> Result<Page<Payment>> {
    let mut r = db.reader().await?;
    crate::list::list(&mut r, actor, &PAYMENTS, params, None, payment_from_row).await
}

/// Records a payment and applies its allocations, all or nothing.
pub async fn create(db: &Db, actor: &Actor, body: Value) -> Result<Payment> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let mut body = table::object(body)?;
            let owner = table::take_id(&mut body, "owner_id")?;
            let data = table::parse::<PaymentData>(Value::Object(body))?.validate()?;
            let mut errors = FieldErrors::new();
            table::check_ref::<Account>(tx, &actor, data.account_id, "account_id", &mut errors)
                .await?;
            table::check_ref::<Contact>(tx, &actor, data.contact_id, "contact_id", &mut errors)
                .await?;
            errors.finish()?;
            let owner = table::resolve_owner(tx, &actor, owner, None).await?;
            let ctx = documents::context(tx).await?;
            let currency = data.currency.clone().unwrap_or(ctx.base);
            let paid_on = data.paid_on.unwrap_or_else(|| tx.now().day());
            let now = tx.now().to_db();
            let id = table::insert_row(
                tx,
                "payments",
                vec![
                    ("direction", data.direction.as_str().to_owned().into()),
                    ("account_id", table::opt_id(data.account_id)),
                    ("contact_id", table::opt_id(data.contact_id)),
                    ("amount_minor", minor(data.amount, "amount")?.into()),
                    ("allocated_minor", 0i64.into()),
                    ("currency", currency.as_str().to_owned().into()),
                    ("paid_on", paid_on.to_db().into()),
                    ("method", data.method.as_str().to_owned().into()),
                    ("reference", table::opt_string(&data.reference)),
                    ("description", table::opt_string(&data.description)),
                    (
                        "search_key",
                        fold(data.reference.as_deref().unwrap_or("")).into(),
                    ),
                    ("owner_id", owner.into()),
                    ("created_at", now.clone().into()),
                    ("created_by", actor.user_id.into()),
                    ("updated_at", now.into()),
                    ("updated_by", actor.user_id.into()),
                ],
            )
            .await?;
            // Invoices are locked in id order, so two payments sharing invoices cannot deadlock.
            let mut order: Vec<(usize, &AllocationData)> =
                data.allocations.iter().enumerate().collect();
            order.sort_by_key(|(_, a)| a.invoice_id);
            for (i, a) in order {
                allocate_in(tx, &actor, id, a, &format!("allocations[{i}]")).await?;
            }
            let p = load_payment(tx, id).await?.ok_or(StoreError::NotFound)?;
            audit::record(
                tx,
                EntityKind::Payment,
                id,
                "create",
                actor.user_id,
                &audit::creation(&table::to_json(&p)),
            )
            .await?;
            Ok(p)
        })
    })
    .await
}

/// Applies more of a payment to an invoice.
pub async fn allocate(
    db: &Db,
    actor: &Actor,
    payment_id: Id,
    req: AllocationData,
) -> Result<Payment> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            get_payment_in(tx, &actor, payment_id).await?;
            allocate_in(tx, &actor, payment_id, &req, "allocation").await?;
            load_payment(tx, payment_id)
                .await?
                .ok_or(StoreError::NotFound)
        })
    })
    .await
}

async fn allocate_in(
    tx: &mut Tx,
    actor: &Actor,
    payment_id: Id,
    req: &AllocationData,
    field: &str,
) -> Result<()> {
    documents::lock(tx, "payments", payment_id).await?;
    documents::lock(tx, "invoices", req.invoice_id).await?;
    let payment = load_payment(tx, payment_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if payment.direction != PaymentDirection::Incoming {
        return Err(Invalid::field(field, msg::INCOMING_ONLY).into());
    }
    let invoice = match get_in(tx, actor, DocKind::Invoice, req.invoice_id).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => {
            return Err(
                Invalid::field(&format!("{field}.invoice_id"), msg::INVOICE_MISSING).into(),
            );
        }
        Err(e) => return Err(e),
    };
    let DocStatus::Invoice(status) = invoice.status else {
        return Err(StoreError::NotFound);
    };
    if !status.accepts_payments() {
        return Err(documents::conflict(
            msg::INVOICE_TAKES_NO_PAYMENTS
                .with("number", invoice.number.as_deref().unwrap_or("(draft)"))
                .with("status", status.as_str()),
        ));
    }
    if invoice.currency != payment.currency {
        return Err(Invalid::field(
            &format!("{field}.invoice_id"),
            msg::PAYMENT_CURRENCY
                .with("invoice", &invoice.currency)
                .with("payment", &payment.currency),
        )
        .into());
    }
    let payer_matches = (payment.account_id.is_some() && payment.account_id == invoice.account_id)
        || (payment.contact_id.is_some() && payment.contact_id == invoice.contact_id);
    if !payer_matches {
        return Err(
            Invalid::field(&format!("{field}.invoice_id"), msg::PAYMENT_OTHER_CUSTOMER).into(),
        );
    }
    let balance = invoice.balance();
    let amount = req
        .amount
        .unwrap_or_else(|| balance.min(payment.unallocated));
    if amount <= Decimal::ZERO {
        return Err(Invalid::field(&format!("{field}.amount"), msg::NOTHING_TO_ALLOCATE).into());
    }
    if amount > payment.unallocated {
        return Err(Invalid::field(
            &format!("{field}.amount"),
            msg::PAYMENT_LEFT.with("left", payment.unallocated),
        )
        .into());
    }
    if amount > balance {
        return Err(Invalid::field(
            &format!("{field}.amount"),
            msg::INVOICE_OWES.with("balance", balance),
        )
        .into());
    }
    let m = minor(amount, &format!("{field}.amount"))?;
    let existing = sqlx::query(
        "UPDATE payment_allocations SET amount_minor = amount_minor + $1 WHERE payment_id = $2 AND invoice_id = $3",
    )
    .bind(m)
    .bind(payment_id)
    .bind(invoice.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if existing == 0 {
        sqlx::query(
            "INSERT INTO payment_allocations (payment_id, invoice_id, amount_minor) VALUES ($1, $2, $3)",
        )
        .bind(payment_id)
        .bind(invoice.id)
        .bind(m)
        .execute(tx.conn())
        .await?;
    }
    sqlx::query("UPDATE payments SET allocated_minor = allocated_minor + $1 WHERE id = $2")
        .bind(m)
        .bind(payment_id)
        .execute(tx.conn())
        .await?;
    refresh_invoice(tx, actor, invoice.id).await
}

/// Derives an invoice's paid amount and status from its allocations.
async fn refresh_invoice(tx: &mut Tx, actor: &Actor, invoice_id: Id) -> Result<()> {
    let old = load(tx, DocKind::Invoice, invoice_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS paid FROM payment_allocations WHERE invoice_id = $1",
    )
    .bind(invoice_id)
    .fetch_one(tx.conn())
    .await?;
    let paid = money::from_minor(col::i(&row, "paid")?);
    let DocStatus::Invoice(status) = old.status else {
        return Err(StoreError::NotFound);
    };
    let new_status = status.from_payments(old.total, paid);
    sqlx::query("UPDATE invoices SET paid_minor = $1, status = $2, updated_at = $3 WHERE id = $4")
        .bind(minor(paid, "paid")?)
        .bind(new_status.as_str())
        .bind(tx.now().to_db())
        .bind(invoice_id)
        .execute(tx.conn())
        .await?;
    if new_status != status {
        documents::trace(
            tx,
            actor,
            old.deal_id,
            DocKind::Invoice,
            invoice_id,
            old.number.as_deref(),
            new_status.as_str(),
        )
        .await?;
        let changes = audit::diff(
            &serde_json::json!({"status": status.as_str(), "paid": old.paid}),
            &serde_json::json!({"status": new_status.as_str(), "paid": paid}),
        );
        audit::record(
            tx,
            EntityKind::Invoice,
            invoice_id,
            new_status.as_str(),
            actor.user_id,
            &changes,
        )
        .await?;
    }
    if new_status == InvoiceStatus::Paid
        && let Some(account_id) = old.account_id
    {
        crate::deals::make_customer(tx, actor, account_id).await?;
    }
    Ok(())
}

/// Deletes a payment and undoes its allocations (a bank reversal, a typo).
pub async fn delete(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let p = get_payment_in(tx, &actor, id).await?;
            sqlx::query("DELETE FROM payment_allocations WHERE payment_id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            sqlx::query("DELETE FROM payments WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            for a in &p.allocations {
                refresh_paid_after_removal(tx, &actor, a.invoice_id).await?;
            }
            audit::record(
                tx,
                EntityKind::Payment,
                id,
                "delete",
                actor.user_id,
                &audit::diff(&table::to_json(&p), &Value::Object(Map::new())),
            )
            .await
        })
    })
    .await
}

/// After a payment goes, a paid invoice may owe again: Paid → PartiallyPaid/Sent.
async fn refresh_paid_after_removal(tx: &mut Tx, actor: &Actor, invoice_id: Id) -> Result<()> {
    // `from_payments` leaves Paid alone only for Draft/Canceled; a paid invoice
    // is an issued one, so deriving again from Sent gives the right status.
    sqlx::query("UPDATE invoices SET status = $1 WHERE id = $2 AND status <> $3")
        .bind(InvoiceStatus::Sent.as_str())
        .bind(invoice_id)
        .bind(InvoiceStatus::Canceled.as_str())
        .execute(tx.conn())
        .await?;
    refresh_invoice(tx, actor, invoice_id).await
}

/// What an account owes and has on credit, per currency.
pub async fn balance(db: &Db, actor: &Actor, account_id: Id) -> Result<Vec<Balance>> {
    let mut r = db.reader().await?;
    table::get::<Account>(&mut r, actor, account_id).await?;
    let invoiced = sqlx::query(
        "SELECT currency, CAST(SUM(total_minor) AS BIGINT) AS total, CAST(SUM(paid_minor) AS BIGINT) AS paid \
         FROM invoices WHERE account_id = $1 AND status <> $2 AND status <> $3 GROUP BY currency",
    )
    .bind(account_id)
    .bind(InvoiceStatus::Draft.as_str())
    .bind(InvoiceStatus::Canceled.as_str())
    .fetch_all(r.conn())
    .await?;
    let credit = sqlx::query(
        "SELECT currency, CAST(SUM(amount_minor - allocated_minor) AS BIGINT) AS credit \
         FROM payments WHERE account_id = $1 AND direction = $2 GROUP BY currency",
    )
    .bind(account_id)
    .bind(PaymentDirection::Incoming.as_str())
    .fetch_all(r.conn())
    .await?;
    let mut out: Vec<Balance> = Vec::new();
    let entry = |out: &mut Vec<Balance>, c: Currency| -> usize {
        if let Some(i) = out.iter().position(|b| b.currency == c) {
            return i;
        }
        out.push(Balance {
            currency: c,
            invoiced: Decimal::ZERO,
            paid: Decimal::ZERO,
            balance: Decimal::ZERO,
            credit: Decimal::ZERO,
        });
        out.len() - 1
    };
    for row in &invoiced {
        let i = entry(&mut out, col::en(row, "currency")?);
        out[i].invoiced = money::from_minor(col::i(row, "total")?);
        out[i].paid = money::from_minor(col::i(row, "paid")?);
        out[i].balance = out[i].invoiced - out[i].paid;
    }
    for row in &credit {
        let i = entry(&mut out, col::en(row, "currency")?);
        out[i].credit = money::from_minor(col::i(row, "credit")?);
    }
    out.sort_by(|a, b| a.currency.as_str().cmp(b.currency.as_str()));
    Ok(out)
}

// ---------------------------------------------------------------- acts and shipments

fn delivery_table(kind: DocKind) -> Result<&'static str> {
    match kind {
        DocKind::Act => Ok("acts"),
        DocKind::Shipment => Ok("shipments"),
        _ => Err(StoreError::NotFound),
    }
}

fn delivery_from_row(kind: DocKind, r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: col::i(r, "id")?,
        kind,
        number: col::s(r, "number")?,
        invoice_id: col::i(r, "invoice_id")?,
        doc_date: col::oday(r, "doc_date")?
            .ok_or_else(|| StoreError::corrupt("doc_date is empty"))?,
        currency: col::en(r, "currency")?,
        lines: Vec::new(),
        net: money::from_minor(col::i(r, "net_minor")?),
        vat: money::from_minor(col::i(r, "vat_minor")?),
        total: money::from_minor(col::i(r, "total_minor")?),
        owner_id: col::i(r, "owner_id")?,
        created_at: col::ts(r, "created_at")?,
        created_by: col::oi(r, "created_by")?,
    })
}

async fn load_delivery(c: &mut impl Conn, kind: DocKind, id: Id) -> Result<Option<Delivery>> {
    let sql = format!("SELECT * FROM {} WHERE id = $1", delivery_table(kind)?);
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(c.conn()).await? else {
        return Ok(None);
    };
    let mut d = delivery_from_row(kind, &row)?;
    d.lines = load_lines(c, kind, id).await?;
    Ok(Some(d))
}

pub async fn get_delivery(db: &Db, actor: &Actor, kind: DocKind, id: Id) -> Result<Delivery> {
    let mut r = db.reader().await?;
    match load_delivery(&mut r, kind, id).await? {
        Some(d) if actor.can_see_owner(d.owner_id) => Ok(d),
        _ => Err(StoreError::NotFound),
    }
}

/// The acts or shipments of an invoice, with their lines.
pub async fn deliveries(
    db: &Db,
    actor: &Actor,
    kind: DocKind,
    invoice_id: Id,
) -> Result<Vec<Delivery>> {
    let mut r = db.reader().await?;
    get_in(&mut r, actor, DocKind::Invoice, invoice_id).await?;
    let sql = format!(
        "SELECT id FROM {} WHERE invoice_id = $1 ORDER BY id",
        delivery_table(kind)?
    );
    let ids: Vec<Id> = sqlx::query(&sql)
        .bind(invoice_id)
        .fetch_all(r.conn())
        .await?
        .iter()
        .map(|row| col::i(row, "id"))
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(d) = load_delivery(&mut r, kind, id).await? {
            out.push(d);
        }
    }
    Ok(out)
}

/// Makes an act or a shipment from an invoice: the lines named (or all that
/// are left), never more than invoiced minus what earlier acts or shipments
/// delivered. Figures are the invoice line's in proportion to the quantity;
/// the delivery that completes a line takes exactly what is left of it, so
/// the deliveries of a line always add up to the line.
pub async fn deliver(
    db: &Db,
    actor: &Actor,
    kind: DocKind,
    invoice_id: Id,
    req: DeliveryData,
) -> Result<Delivery> {
    let table_name = delivery_table(kind)?;
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            documents::lock(tx, "invoices", invoice_id).await?;
            let invoice = get_in(tx, &actor, DocKind::Invoice, invoice_id).await?;
            if matches!(
                invoice.status,
                DocStatus::Invoice(InvoiceStatus::Draft | InvoiceStatus::Canceled)
            ) {
                return Err(documents::conflict(
                    msg::DELIVERY_NEEDS_ISSUED.with("status", invoice.status.as_str()),
                ));
            }
            // Without a list: the goods go on a shipment, everything else on an act.
            let wanted = match &req.lines {
                Some(l) => l.iter().map(|d| (d.line_id, Some(d.quantity))).collect(),
                None => {
                    let mut out = Vec::new();
                    for l in &invoice.lines {
                        let goods = is_goods(tx, l.product_id).await?;
                        if goods == (kind == DocKind::Shipment) {
                            out.push((l.id, None));
                        }
                    }
                    out
                }
            };
            let mut errors = FieldErrors::new();
            if req.doc_date.is_some_and(|d| !d.is_plausible()) {
                errors.add("doc_date", msg::DATE_RANGE);
            }
            let mut rows: Vec<(Resolved, Figures)> = Vec::new();
            for (i, (line_id, qty)) in wanted.into_iter().enumerate() {
                let field = format!("lines[{i}].quantity");
                let Some(line) = invoice.lines.iter().find(|l| l.id == line_id) else {
                    errors.add(format!("lines[{i}].line_id"), msg::NOT_INVOICE_LINE);
                    continue;
                };
                let (done_quantity, done) = delivered(tx, kind, line.id).await?;
                let left = line.quantity - done_quantity;
                let q = qty.unwrap_or(left);
                if qty.is_none() && left <= Decimal::ZERO {
                    continue;
                }
                if q <= Decimal::ZERO {
                    errors.add(&field, msg::POSITIVE);
                    continue;
                }
                if milli(q, &field).is_err() {
                    errors.add(&field, msg::QUANTITY_DIGITS);
                    continue;
                }
                if q > left {
                    errors.add(
                        &field,
                        msg::OVER_DELIVERY
                            .with("name", &line.name)
                            .with("left", left)
                            .with("quantity", line.quantity)
                            .with("done", done_quantity),
                    );
                    continue;
                }
                // Proportional figures; the last delivery takes the remainder exactly.
                let figures = if q == left {
                    Figures {
                        amount: line.amount - done.amount,
                        discount: line.discount_amount - done.discount,
                        net: line.net - done.net,
                        vat: line.vat - done.vat,
                        total: line.total - done.total,
                        cost: line.cost - done.cost,
                    }
                } else {
                    let share = |v: Decimal| pricing::round_money(v * q / line.quantity);
                    Figures {
                        amount: share(line.amount),
                        discount: share(line.discount_amount),
                        net: share(line.net),
                        vat: share(line.vat),
                        total: share(line.total),
                        cost: share(line.cost),
                    }
                };
                rows.push((
                    Resolved {
                        product_id: line.product_id,
                        source_line_id: Some(line.id),
                        name: line.name.clone(),
                        unit_code: line.unit_code.clone(),
                        quantity: q,
                        unit_price: line.unit_price,
                        discount: line.discount,
                        vat_rate: line.vat_rate,
                        unit_cost: line.unit_cost,
                    },
                    figures,
                ));
            }
            errors.finish()?;
            if rows.is_empty() {
                let all_done = if kind == DocKind::Shipment {
                    msg::GOODS_ALL_SHIPPED
                } else {
                    msg::SERVICES_ALL_ACTED
                };
                return Err(StoreError::Conflict(all_done.into()));
            }
            let on = req.doc_date.unwrap_or_else(|| tx.now().day());
            let year = on.inner().year();
            let seq = documents::next_number(tx, kind.as_str(), year).await?;
            let number = voronka_core::documents::NumberFormat::parse("{year}-{seq:04}")
                .map_err(|e| StoreError::corrupt(e.to_string()))?
                .render(year, seq);
            let sum = |f: fn(&Figures) -> Decimal| rows.iter().map(|r| f(&r.1)).sum::<Decimal>();
            let id = table::insert_row(
                tx,
                table_name,
                vec![
                    ("number", number.into()),
                    ("invoice_id", invoice.id.into()),
                    ("doc_date", on.to_db().into()),
                    ("currency", invoice.currency.as_str().to_owned().into()),
                    ("net_minor", minor(sum(|f| f.net), "net")?.into()),
                    ("vat_minor", minor(sum(|f| f.vat), "vat")?.into()),
                    ("total_minor", minor(sum(|f| f.total), "total")?.into()),
                    ("owner_id", invoice.meta.owner_id.into()),
                    ("created_at", tx.now().to_db().into()),
                    ("created_by", actor.user_id.into()),
                ],
            )
            .await?;
            for (i, (line, figures)) in rows.iter().enumerate() {
                documents::insert_line(tx, kind, id, i, line, figures).await?;
            }
            let d = load_delivery(tx, kind, id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let number = Some(d.number.as_str());
            documents::trace(tx, &actor, invoice.deal_id, kind, id, number, "created").await?;
            let entity = if kind == DocKind::Act {
                EntityKind::Act
            } else {
                EntityKind::Shipment
            };
            audit::record(
                tx,
                entity,
                id,
                "create",
                actor.user_id,
                &audit::creation(&table::to_json(&d)),
            )
            .await?;
            Ok(d)
        })
    })
    .await
}

async fn is_goods(tx: &mut Tx, product_id: Option<Id>) -> Result<bool> {
    let Some(id) = product_id else {
        return Ok(false);
    };
    let row = sqlx::query("SELECT kind FROM products WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(match row {
        Some(r) => col::s(&r, "kind")? == "goods",
        None => false,
    })
}

/// How much of an invoice line earlier acts (or shipments) delivered: the
/// quantity and the figures.
async fn delivered(tx: &mut Tx, kind: DocKind, line_id: Id) -> Result<(Decimal, Figures)> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(SUM(quantity_milli), 0) AS BIGINT) AS q, \
         CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS a, \
         CAST(COALESCE(SUM(discount_minor), 0) AS BIGINT) AS d, \
         CAST(COALESCE(SUM(net_minor), 0) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(vat_minor), 0) AS BIGINT) AS v, \
         CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) AS t, \
         CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT) AS c \
         FROM doc_lines WHERE doc_kind = $1 AND source_line_id = $2",
    )
    .bind(kind.as_str())
    .bind(line_id)
    .fetch_one(tx.conn())
    .await?;
    let m = |c: &str| col::i(&r, c).map(money::from_minor);
    Ok((
        from_milli(col::i(&r, "q")?),
        Figures {
            amount: m("a")?,
            discount: m("d")?,
            net: m("n")?,
            vat: m("v")?,
            total: m("t")?,
            cost: m("c")?,
        },
    ))
}
