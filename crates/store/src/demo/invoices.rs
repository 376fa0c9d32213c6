//! The money side of the demo: each won deal with products gets the invoice a
//! manager would have issued from it (its lines copied, the VAT of the day
//! it was issued, the next number of that year, the payer's and our
//! company's details frozen in it), and most of those invoices are paid:
//! in full, in part, or not yet, as a bank statement would show.
//!
//! Its rows come from the same column builders as an invoice issued and
//! paid in the application ([`documents::header_columns`],
//! [`documents::line_columns`], [`documents::payer_of`]), so the invoice
//! pages, the payments list and the gross profit report read them alike.

use super::{
    DAY, DealLines, Generator, INVOICE_STREAM, MINUTE, business_instant, micros, record_rng, ts,
};
use crate::documents::{self, Resolved};
use crate::error::{Result, StoreError};
use crate::list::fold;
use crate::table::{self, Columns};
use rand::Rng;
use rust_decimal::Decimal;
use voronka_core::Day;
use voronka_core::documents::InvoiceStatus;
use voronka_core::pricing::TaxMode;
use voronka_core::records::{Deal, DocKind, DocumentData, PaymentDirection, PaymentMethod};
use voronka_core::vat::{self, VatRate};

/// Days a customer is given to pay.
const DUE_DAYS: i64 = 10;

/// An invoice's rows: its header, its lines and, when it was paid (in full
/// or in part), the payment and its allocation to the invoice.
pub(super) struct NewInvoice {
    pub year: i32,
    pub seq: i64,
    pub invoice: Columns,
    pub lines: Vec<Columns>,
    pub payment: Option<(Columns, Columns)>,
}

impl Generator {
    /// The invoice of the `index`-th deal of the run, won with `lines`, for
    /// the account `account` (an index into `self.accounts`). Drawn from a
    /// stream of its own, so the deals are the same with or without it.
    pub(super) fn invoice(
        &mut self,
        index: usize,
        deal: &Deal,
        lines: &DealLines,
        account: usize,
    ) -> Result<Option<NewInvoice>> {
        let (Some(closed), Some(payer)) = (deal.closed_at, self.accounts.get(account)) else {
            return Ok(None);
        };
        let payer = payer.payer.clone();
        let rng = &mut record_rng(self.seed, INVOICE_STREAM, index);
        let now = self.now;
        let closed = micros(closed);
        // Issued on the day of the win, now and then the next working day.
        let issued = business_instant(rng, closed + MINUTE, closed + DAY)
            .max(closed + MINUTE)
            .min(now);
        let day = ts(issued).day();
        let ctx = &self.ctx;
        let default = vat::default_rate(&ctx.vat, ctx.regime, day).unwrap_or(VatRate::None);
        // The deal's lines as they are, at the rates in force that day: a
        // deal opened in 2025 and won in 2026 is invoiced with 22 % VAT.
        let copied: Vec<Resolved> = lines
            .lines
            .iter()
            .map(|l| Resolved {
                vat_rate: if vat::check_rate(&ctx.vat, ctx.regime, day, l.vat_rate).is_ok() {
                    l.vat_rate
                } else {
                    default
                },
                ..l.clone()
            })
            .collect();
        let totals = documents::price_resolved(
            &copied,
            TaxMode::Individual,
            default,
            None,
            Decimal::ZERO,
            default,
        )?;
        let id = ctx.next.invoice;
        let year = day.inner().year();
        let seq = ctx.invoice_seq.get(&year).copied().unwrap_or(0) + 1;
        let number = ctx.invoice_format.render(year, seq);
        let data = DocumentData {
            title: Some(deal.data.title.clone()),
            deal_id: Some(deal.id),
            account_id: deal.data.account_id,
            contact_id: deal.data.contact_id,
            doc_date: Some(day),
            valid_until: None,
            due_date: Some(ts(issued + DUE_DAYS * DAY).day()),
            currency: Some(deal.data.currency.clone()),
            price_book_id: None,
            tax_mode: TaxMode::Individual,
            group_vat: Some(default),
            discount: None,
            shipping: Decimal::ZERO,
            shipping_vat: Some(default),
            terms: None,
            lines: Vec::new(),
        };
        let total = documents::minor(totals.total, "total")?;

        // Paid by bank transfer a few days after it was issued, unless that
        // day has not come yet; one in twelve partly, one in twenty-five not
        // at all (overdue).
        let paid_at = business_instant(rng, issued + DAY, issued + 3 * DUE_DAYS * DAY / 2);
        let paid_minor = match rng.gen_range(0..100) {
            _ if paid_at > now => 0,
            0..=3 => 0,
            4..=11 => {
                let share = total * rng.gen_range(30..=70) / 100;
                (share / 100_000 * 100_000).clamp(1, total - 1)
            }
            _ => total,
        };
        let status = InvoiceStatus::Sent
            .from_payments(totals.total, voronka_core::money::from_minor(paid_minor));
        let owner = deal.meta.owner_id;
        let updated = if paid_minor > 0 { paid_at } else { issued };
        let mut invoice = documents::header_columns(
            &data,
            &totals,
            documents::cost_of(&copied),
            DocKind::Invoice,
        )?;
        invoice.extend([
            ("id", id.into()),
            ("number", number.clone().into()),
            ("year", i64::from(year).into()),
            ("seq", seq.into()),
            ("status", status.as_str().to_owned().into()),
            ("quote_id", table::opt_id(None)),
            ("order_id", table::opt_id(None)),
            ("paid_minor", paid_minor.into()),
            ("payer", payer.into()),
            ("seller", ctx.seller.clone().into()),
            ("issued_at", ts(issued).to_db().into()),
            (
                "search_key",
                documents::search_key(Some(&number), &deal.data.title),
            ),
            ("owner_id", owner.into()),
            ("created_at", ts(issued).to_db().into()),
            ("created_by", owner.into()),
            ("updated_at", ts(updated).to_db().into()),
            ("updated_by", owner.into()),
        ]);
        let rows = copied
            .iter()
            .zip(&totals.lines)
            .enumerate()
            .map(|(i, (l, t))| {
                documents::line_columns(DocKind::Invoice, id, i, l, &documents::figures(l, t))
            })
            .collect::<Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Err(StoreError::corrupt("a demo invoice without lines"));
        }
        let payment = if paid_minor > 0 {
            let payment_id = self.ctx.next.payment;
            self.ctx.next.payment += 1;
            let reference = format!("п/п № {}", rng.gen_range(1..10_000));
            let description = format!("Оплата по счёту № {number} от {}", russian_day(day));
            let at = ts(paid_at).to_db();
            let payment: Columns = vec![
                ("id", payment_id.into()),
                (
                    "direction",
                    PaymentDirection::Incoming.as_str().to_owned().into(),
                ),
                ("account_id", table::opt_id(deal.data.account_id)),
                ("contact_id", table::opt_id(None)),
                ("amount_minor", paid_minor.into()),
                ("allocated_minor", paid_minor.into()),
                ("currency", deal.data.currency.as_str().to_owned().into()),
                ("paid_on", ts(paid_at).day().to_db().into()),
                (
                    "method",
                    PaymentMethod::BankTransfer.as_str().to_owned().into(),
                ),
                ("search_key", fold(&reference).into()),
                ("reference", reference.into()),
                ("description", description.into()),
                ("owner_id", owner.into()),
                ("created_at", at.clone().into()),
                ("created_by", owner.into()),
                ("updated_at", at.into()),
                ("updated_by", owner.into()),
            ];
            let allocation: Columns = vec![
                ("payment_id", payment_id.into()),
                ("invoice_id", id.into()),
                ("amount_minor", paid_minor.into()),
            ];
            Some((payment, allocation))
        } else {
            None
        };
        self.ctx.next.invoice += 1;
        self.ctx.invoice_seq.insert(year, seq);
        Ok(Some(NewInvoice {
            year,
            seq,
            invoice,
            lines: rows,
            payment,
        }))
    }
}

/// `23.11.2026`, as Russian documents write a date.
fn russian_day(d: Day) -> String {
    let d = d.inner();
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}
