//! Report roll-ups: what one deal adds to the pre-aggregated report tables,
//! and how a report's period splits into pieces those tables can answer.
//!
//! Reports over a million deals cannot read every deal within a user's
//! patience, so the store keeps small tables of counts and sums per UTC
//! month and per UTC day (the "cells"), changed in the same transaction as
//! the deal. A deal's contribution is a pure function of the deal and its
//! stage history ([`cells`]); a write computes it before and after and adds
//! the difference ([`diff`]). That one rule covers every kind of change —
//! a move, a new owner, a new amount, a deletion, a reopened deal — and a
//! recount from scratch yields exactly the same tables.
//!
//! A report asks for a period in the user's time zone, which rarely starts
//! at a UTC midnight. [`pieces`] cuts it into whole UTC months, whole UTC
//! days and, at the two ends, the few hours left over ("raw" pieces), which
//! the store counts from the deals themselves through their indexes.
//!
//! The cells:
//! - **created** — per creation period, pipeline, owner, the set of stages the
//!   deal's history reached in its current pipeline, status and currency:
//!   deals and amount. The funnel works out the furthest open stage from the
//!   set with the stages' current order, so reordering stages needs no
//!   recount.
//! - **stay** — per creation period, pipeline, owner and stage: seconds spent
//!   in finished stays and the number of deals with one (time in stage).
//! - **closed** — per close period, pipeline, owner, status (won or lost),
//!   loss reason, source and currency: deals and amount.
//! - **expected** — open deals per expected close day's period, pipeline,
//!   owner, stage and currency: deals, amount, the amount of deals that take
//!   their stage's probability, and amount × probability of those that set
//!   their own. The forecast multiplies the first by the stage's current
//!   probability, so changing a stage's probability needs no recount.
//! - **moved** — changes to "how many deals stood in each stage": +1 when a
//!   deal enters a stage, −1 when it leaves it, at the period of the move.
//!   Summing every change up to an instant rebuilds the pipeline as it stood
//!   then. Owners are the deal's current owner.
//! - **opportunity** — per creation period, pipeline, owner, one of the
//!   analysis keys (the source, the customer's territory, its industry),
//!   status and currency: deals, amount and, for won deals, the seconds from
//!   creation to the win. Each deal counts once under each key, so grouping
//!   by owner or pipeline reads the source rows. Territory and industry are
//!   the account's, so an account edit that changes them moves its deals'
//!   cells ([`opportunity_cells`] before and after).
//! - **activity** — every activity once under each of its dates (creation,
//!   start, due, completion; none under a date it lacks), per period of that
//!   date, owner, kind, status, priority and channel: how many. The report
//!   builder's activity groupings read it ([`activity_cells`]); the
//!   activities without a date are all of them (their creation cells) less
//!   those with one.

use crate::activity::{ActivityKind, ActivityStatus, Channel, Priority};
use crate::datetime::{Day, Timestamp};
use crate::records::{Id, StageKind};
use crate::reports::stage_durations;
use std::collections::BTreeMap;
use time::{Date, Duration, Month, OffsetDateTime, Time};

/// The size of a cell's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    Month,
    Day,
}

impl Span {
    /// How the tables spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Month => "m",
            Span::Day => "d",
        }
    }

    pub fn parse(s: &str) -> Option<Span> {
        match s {
            "m" => Some(Span::Month),
            "d" => Some(Span::Day),
            _ => None,
        }
    }

    /// The period of this size `day` falls in, by its first day.
    pub fn of(self, day: Date) -> Date {
        match self {
            Span::Month => first_of_month(day),
            Span::Day => day,
        }
    }
}

fn first_of_month(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

fn next_month(d: Date) -> Date {
    let (y, m) = match d.month() {
        Month::December => (d.year() + 1, Month::January),
        m => (d.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(Date::MAX)
}

/// A part of a report period: a whole UTC month or day answered by the
/// cells, or an instant range (at most half a day) counted from the rows —
/// added, or taken back where a whole day's cell covers more than the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Cell(Span, Date),
    Raw(Timestamp, Timestamp),
    Less(Timestamp, Timestamp),
}

/// The instant a UTC day starts.
pub fn midnight(d: Date) -> Timestamp {
    Timestamp::from_utc(OffsetDateTime::new_utc(d, Time::MIDNIGHT))
}

/// `from..to` as whole UTC months and days, and at each end the shorter
/// way to read the rest from the rows: the hours up to the next UTC
/// midnight added, or the whole day taken as a cell and the hours outside
/// the period taken back. A period in Moscow time starts three hours before
/// a UTC midnight and ends three hours before one, so both ends read three
/// hours of rows rather than twenty-one.
pub fn pieces(from: Timestamp, to: Timestamp) -> Vec<Piece> {
    if from >= to {
        return Vec::new();
    }
    let half = Duration::hours(12);
    let mut out = Vec::new();
    let first = from.inner().date();
    let start = if midnight(first) == from {
        first
    } else if midnight(day_after(first)).inner() - from.inner() <= half {
        out.push(Piece::Raw(from, midnight(day_after(first))));
        day_after(first)
    } else {
        out.push(Piece::Less(midnight(first), from));
        first
    };
    let last = to.inner().date();
    let (end, tail) = if midnight(last) == to {
        (last, None)
    } else if to.inner() - midnight(last).inner() <= half {
        (last, Some(Piece::Raw(midnight(last), to)))
    } else {
        (
            day_after(last),
            Some(Piece::Less(to, midnight(day_after(last)))),
        )
    };
    if start < end {
        out.extend(day_pieces(Day(start), Day(end)));
    }
    out.extend(tail);
    out
}

/// The days `from..to` as whole months where a month fits, days elsewhere.
pub fn day_pieces(from: Day, to: Day) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut d = from.inner();
    let end = to.inner();
    while d < end {
        let next = next_month(d);
        if d.day() == 1 && next <= end {
            out.push(Piece::Cell(Span::Month, d));
            d = next;
        } else {
            out.push(Piece::Cell(Span::Day, d));
            d = d.next_day().unwrap_or(Date::MAX);
        }
    }
    out
}

/// Everything up to and including `at`, for the pipeline as it stood then:
/// every month before `at`'s month (the returned first day of that month:
/// cells before it), then days, then the part of `at`'s own day, whichever
/// is shorter to read from the rows — the hours before `at` added, or the
/// whole day taken as a cell and the hours after `at` taken back.
pub fn pieces_until(at: Timestamp) -> Until {
    let day = at.inner().date();
    let month = first_of_month(day);
    let next = day_after(day);
    let before = at.inner() - midnight(day).inner();
    if before <= Duration::hours(12) {
        let mut pieces = day_pieces(Day(month), Day(day));
        pieces.push(Piece::Raw(midnight(day), at));
        Until {
            month,
            pieces,
            undo: None,
        }
    } else {
        Until {
            month,
            pieces: day_pieces(Day(month), Day(next)),
            undo: Some((at, midnight(next))),
        }
    }
}

/// See [`pieces_until`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Until {
    /// Month cells before this first day count whole.
    pub month: Date,
    /// Day cells of `month` (the month cell itself when the instant's day,
    /// taken whole, is its last), and perhaps a raw piece read inclusive of
    /// its end.
    pub pieces: Vec<Piece>,
    /// Moves after the instant (exclusive) up to this end, to take back.
    pub undo: Option<(Timestamp, Timestamp)>,
}

/// The deal as the roll-ups see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFacts {
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub owner_id: Id,
    pub status: StageKind,
    pub currency: String,
    pub amount_minor: i64,
    /// The deal's own probability; `None` takes the stage's.
    pub probability: Option<i64>,
    pub expected_close: Option<Day>,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub loss_reason_id: Option<Id>,
    pub source_id: Option<Id>,
    /// The customer's territory and industry (`None` without an account).
    pub territory: Option<String>,
    pub industry: Option<String>,
}

/// One row of stage history, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub at: Timestamp,
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub currency: String,
    pub amount_minor: i64,
}

/// What the opportunity cells are keyed by besides owner and pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dim {
    Source,
    Territory,
    Industry,
}

impl Dim {
    pub const ALL: [Dim; 3] = [Dim::Source, Dim::Territory, Dim::Industry];

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Source => "source",
            Dim::Territory => "territory",
            Dim::Industry => "industry",
        }
    }

    /// The deal's key under this dimension: the source's id as text, the
    /// territory or industry as written (trimmed); empty for none, which
    /// the report shows as one "not set" group.
    pub fn key(self, deal: &DealFacts) -> String {
        match self {
            Dim::Source => deal.source_id.map(|id| id.to_string()).unwrap_or_default(),
            Dim::Territory => deal.territory.as_deref().unwrap_or("").trim().to_owned(),
            Dim::Industry => deal.industry.as_deref().unwrap_or("").trim().to_owned(),
        }
    }
}

/// A cell's key. Periods are the first day of the UTC month or the day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    Created {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        /// Stage ids reached in the deal's current pipeline, ascending, comma-separated.
        reached: String,
        status: &'static str,
        currency: String,
    },
    Stay {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        stage_id: Id,
    },
    Closed {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        status: &'static str,
        /// 0 for none.
        loss_reason_id: Id,
        /// 0 for none.
        source_id: Id,
        /// The stage the deal was closed in (a won or lost one).
        stage_id: Id,
        currency: String,
    },
    Expected {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        stage_id: Id,
        currency: String,
    },
    Moved {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        stage_id: Id,
        currency: String,
    },
    Opportunity {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        dim: Dim,
        key: String,
        /// The deal's current stage under [`Dim::Source`], 0 under the
        /// others: the report builder reads the source cells by stage,
        /// the opportunity analysis never does, and more keys under the
        /// territory and industry would only make it read more rows.
        stage_id: Id,
        status: &'static str,
        currency: String,
    },
    /// Every deal with an expected close day, open or not, by that day:
    /// what the report builder groups by expected close period (the
    /// forecast's `Expected` cells hold the open deals only, weighted).
    Due {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        stage_id: Id,
        status: &'static str,
        /// 0 for none, and for every deal not lost.
        loss_reason_id: Id,
        /// 0 for none.
        source_id: Id,
        currency: String,
    },
    /// The product lines of won deals, by the day the deal was won: gross
    /// profit by product, owner or period.
    Profit {
        span: Span,
        period: Date,
        pipeline_id: Id,
        owner_id: Id,
        /// 0 for a line typed without a catalogue product.
        product_id: Id,
        /// A line without a product goes by its own name; one with a
        /// product by the catalogue's, read when the report is (so a
        /// renamed product is one group), and keeps this empty.
        name: String,
        currency: String,
    },
    /// The lines of issued invoices, by the invoice's date: gross profit
    /// from invoices ([`invoice_profit_cells`]). Keyed as [`Cell::Profit`].
    InvoiceProfit {
        span: Span,
        period: Date,
        /// The invoice's deal's; 0 without one.
        pipeline_id: Id,
        owner_id: Id,
        product_id: Id,
        name: String,
        currency: String,
    },
    /// Activities by one of their dates ([`activity_cells`]).
    Activity {
        date: ActivityDate,
        span: Span,
        period: Date,
        owner_id: Id,
        kind: &'static str,
        status: &'static str,
        /// Empty for none.
        priority: &'static str,
        /// Empty for none.
        channel: &'static str,
    },
}

/// A date the activity roll-up counts activities by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActivityDate {
    Created,
    Start,
    Due,
    Completed,
}

impl ActivityDate {
    pub const ALL: [ActivityDate; 4] = [
        ActivityDate::Created,
        ActivityDate::Start,
        ActivityDate::Due,
        ActivityDate::Completed,
    ];

    /// The activity's column, which is also the report builder's field.
    pub fn field(self) -> &'static str {
        match self {
            ActivityDate::Created => "created_at",
            ActivityDate::Start => "start_at",
            ActivityDate::Due => "due_at",
            ActivityDate::Completed => "completed_at",
        }
    }

    pub fn parse(field: &str) -> Option<ActivityDate> {
        Self::ALL.into_iter().find(|d| d.field() == field)
    }

    fn of(self, a: &ActivityFacts) -> Option<Timestamp> {
        match self {
            ActivityDate::Created => Some(a.created_at),
            ActivityDate::Start => a.start_at,
            ActivityDate::Due => a.due_at,
            ActivityDate::Completed => a.completed_at,
        }
    }
}

/// What the activity roll-up keeps of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFacts {
    pub owner_id: Id,
    pub kind: ActivityKind,
    pub status: ActivityStatus,
    pub priority: Option<Priority>,
    pub channel: Option<Channel>,
    pub created_at: Timestamp,
    pub start_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

/// What one activity adds to the activity roll-up: one under each date it
/// has, per span. Every activity has a creation date, so its creation cells
/// hold every activity, which is how the ones without another date are
/// counted.
pub fn activity_cells(a: &ActivityFacts) -> Cells {
    let mut out = Cells::new();
    for date in ActivityDate::ALL {
        let Some(at) = date.of(a) else { continue };
        for span in SPANS {
            add(
                &mut out,
                Cell::Activity {
                    date,
                    span,
                    period: span.of(at.inner().date()),
                    owner_id: a.owner_id,
                    kind: a.kind.as_str(),
                    status: a.status.as_str(),
                    priority: a.priority.map_or("", Priority::as_str),
                    channel: a.channel.map_or("", Channel::as_str),
                },
                [1, 0, 0, 0],
            );
        }
    }
    out
}

/// A cell's numbers. Created, closed, moved, due: `[deals, amount, 0, 0]`;
/// stay: `[seconds, stays, 0, 0]`; expected: `[deals, amount, amount taking
/// the stage's probability, amount × own probability]`; opportunity:
/// `[deals, amount, seconds from creation to the win, 0]`; profit: `[net
/// revenue, cost, lines, 0]`; activity: `[activities, 0, 0, 0]`.
pub type Sums = [i64; 4];

/// A set of cells and their numbers.
pub type Cells = BTreeMap<Cell, Sums>;

const SPANS: [Span; 2] = [Span::Month, Span::Day];

/// Adds `sums` to the cell's numbers (saturating: a cell never wraps).
pub fn add(cells: &mut Cells, cell: Cell, sums: Sums) {
    let e = cells.entry(cell).or_insert([0; 4]);
    for (a, b) in e.iter_mut().zip(sums) {
        *a = a.saturating_add(b);
    }
}

/// What one deal, with its stage history in the order written, adds to the
/// report tables.
pub fn cells(deal: &DealFacts, history: &[Move]) -> Cells {
    let mut out = Cells::new();
    let created = deal.created_at.inner().date();
    let status = deal.status.as_str();
    let mut reached: Vec<Id> = history
        .iter()
        .filter(|m| m.pipeline_id == deal.pipeline_id)
        .map(|m| m.stage_id)
        .collect();
    reached.sort_unstable();
    reached.dedup();
    let reached = reached
        .iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let stays = stage_durations(
        &history
            .iter()
            .map(|m| (m.at, m.stage_id))
            .collect::<Vec<_>>(),
        None,
    );
    for span in SPANS {
        let period = span.of(created);
        add(
            &mut out,
            Cell::Created {
                span,
                period,
                pipeline_id: deal.pipeline_id,
                owner_id: deal.owner_id,
                reached: reached.clone(),
                status,
                currency: deal.currency.clone(),
            },
            [1, deal.amount_minor, 0, 0],
        );
        for &(stage_id, seconds) in &stays {
            add(
                &mut out,
                Cell::Stay {
                    span,
                    period,
                    pipeline_id: deal.pipeline_id,
                    owner_id: deal.owner_id,
                    stage_id,
                },
                [seconds, 1, 0, 0],
            );
        }
        match (deal.status, deal.closed_at, deal.expected_close) {
            (StageKind::Won | StageKind::Lost, Some(closed), _) => add(
                &mut out,
                Cell::Closed {
                    span,
                    period: span.of(closed.inner().date()),
                    pipeline_id: deal.pipeline_id,
                    owner_id: deal.owner_id,
                    status,
                    loss_reason_id: lost_for(deal),
                    source_id: deal.source_id.unwrap_or(0),
                    stage_id: deal.stage_id,
                    currency: deal.currency.clone(),
                },
                [1, deal.amount_minor, 0, 0],
            ),
            (StageKind::Open, _, Some(expected)) => {
                let (implicit, weighted) = match deal.probability {
                    None => (deal.amount_minor, 0),
                    Some(p) => (0, deal.amount_minor.saturating_mul(p)),
                };
                add(
                    &mut out,
                    Cell::Expected {
                        span,
                        period: span.of(expected.inner()),
                        pipeline_id: deal.pipeline_id,
                        owner_id: deal.owner_id,
                        stage_id: deal.stage_id,
                        currency: deal.currency.clone(),
                    },
                    [1, deal.amount_minor, implicit, weighted],
                );
            }
            _ => {}
        }
        if let Some(expected) = deal.expected_close {
            add(
                &mut out,
                Cell::Due {
                    span,
                    period: span.of(expected.inner()),
                    pipeline_id: deal.pipeline_id,
                    owner_id: deal.owner_id,
                    stage_id: deal.stage_id,
                    status,
                    loss_reason_id: lost_for(deal),
                    source_id: deal.source_id.unwrap_or(0),
                    currency: deal.currency.clone(),
                },
                [1, deal.amount_minor, 0, 0],
            );
        }
        for (i, m) in history.iter().enumerate() {
            let moved = |at: Timestamp| Cell::Moved {
                span,
                period: span.of(at.inner().date()),
                pipeline_id: m.pipeline_id,
                owner_id: deal.owner_id,
                stage_id: m.stage_id,
                currency: m.currency.clone(),
            };
            add(&mut out, moved(m.at), [1, m.amount_minor, 0, 0]);
            if let Some(next) = history.get(i + 1) {
                add(&mut out, moved(next.at), [-1, -m.amount_minor, 0, 0]);
            }
        }
    }
    for (cell, sums) in opportunity_cells(deal) {
        add(&mut out, cell, sums);
    }
    out.retain(|_, v| *v != [0; 4]);
    out
}

/// The reason a deal was lost, 0 for none (a deal won or open has none).
fn lost_for(deal: &DealFacts) -> Id {
    match deal.status {
        StageKind::Lost => deal.loss_reason_id.unwrap_or(0),
        _ => 0,
    }
}

/// The seconds from creation to the win; `None` for a deal not won.
pub fn won_cycle(deal: &DealFacts) -> Option<i64> {
    match (deal.status, deal.closed_at) {
        (StageKind::Won, Some(closed)) => Some(
            (closed.inner() - deal.created_at.inner())
                .whole_seconds()
                .max(0),
        ),
        _ => None,
    }
}

/// The opportunity cells of a deal alone (they need no history), so an
/// account edit can move its deals' cells without reading their moves.
pub fn opportunity_cells(deal: &DealFacts) -> Cells {
    let mut out = Cells::new();
    let created = deal.created_at.inner().date();
    let sums = [1, deal.amount_minor, won_cycle(deal).unwrap_or(0), 0];
    for span in SPANS {
        for dim in Dim::ALL {
            add(
                &mut out,
                Cell::Opportunity {
                    span,
                    period: span.of(created),
                    pipeline_id: deal.pipeline_id,
                    owner_id: deal.owner_id,
                    dim,
                    key: dim.key(deal),
                    stage_id: match dim {
                        Dim::Source => deal.stage_id,
                        Dim::Territory | Dim::Industry => 0,
                    },
                    status: deal.status.as_str(),
                    currency: deal.currency.clone(),
                },
                sums,
            );
        }
    }
    out
}

/// A product line of a deal as the gross profit roll-up sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    /// 0 for none.
    pub product_id: Id,
    pub name: String,
    /// Without VAT.
    pub net_minor: i64,
    pub cost_minor: i64,
}

/// The key of a gross profit cell; the same for a deal's lines and an
/// invoice's.
struct ProfitKey {
    span: Span,
    period: Date,
    pipeline_id: Id,
    owner_id: Id,
    product_id: Id,
    name: String,
    currency: String,
}

/// Each line once per span of `day`: a line with a catalogue product goes
/// by the product (its name is read with the report, so a renamed product
/// stays one group), one without by its own name.
fn line_cells(
    lines: &[LineFacts],
    day: Date,
    pipeline_id: Id,
    owner_id: Id,
    currency: &str,
    cell: fn(ProfitKey) -> Cell,
) -> Cells {
    let mut out = Cells::new();
    for l in lines {
        for span in SPANS {
            let name = if l.product_id == 0 {
                l.name.clone()
            } else {
                String::new()
            };
            let key = ProfitKey {
                span,
                period: span.of(day),
                pipeline_id,
                owner_id,
                product_id: l.product_id,
                name,
                currency: currency.to_owned(),
            };
            add(&mut out, cell(key), [l.net_minor, l.cost_minor, 1, 0]);
        }
    }
    out
}

/// What a deal's product lines add to gross profit: nothing until the deal
/// is won, then each line by the UTC month and day of the win. Apart from
/// [`cells`] because the lines change on their own (the deal's products are
/// saved without the deal) and most deal writes need not read them.
pub fn profit_cells(deal: &DealFacts, lines: &[LineFacts]) -> Cells {
    let (StageKind::Won, Some(closed)) = (deal.status, deal.closed_at) else {
        return Cells::new();
    };
    line_cells(
        lines,
        closed.inner().date(),
        deal.pipeline_id,
        deal.owner_id,
        &deal.currency,
        |k| Cell::Profit {
            span: k.span,
            period: k.period,
            pipeline_id: k.pipeline_id,
            owner_id: k.owner_id,
            product_id: k.product_id,
            name: k.name,
            currency: k.currency,
        },
    )
}

/// An invoice as the gross profit roll-up sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// Issued and not canceled ([`crate::documents::InvoiceStatus::is_revenue`]).
    pub revenue: bool,
    /// The document's date: an invoice belongs to the day it is dated, a
    /// calendar day with no time zone.
    pub doc_date: Date,
    /// Its deal's pipeline; 0 without a deal.
    pub pipeline_id: Id,
    pub owner_id: Id,
    pub currency: String,
}

/// What an invoice's lines add to gross profit from invoices: nothing while
/// it is a draft or once canceled, else each line by the month and day of
/// the invoice's date.
pub fn invoice_profit_cells(invoice: &InvoiceFacts, lines: &[LineFacts]) -> Cells {
    if !invoice.revenue {
        return Cells::new();
    }
    line_cells(
        lines,
        invoice.doc_date,
        invoice.pipeline_id,
        invoice.owner_id,
        &invoice.currency,
        |k| Cell::InvoiceProfit {
            span: k.span,
            period: k.period,
            pipeline_id: k.pipeline_id,
            owner_id: k.owner_id,
            product_id: k.product_id,
            name: k.name,
            currency: k.currency,
        },
    )
}

/// What to add to the tables to turn `before` into `after`.
pub fn diff(before: &Cells, after: &Cells) -> Cells {
    let mut out = after.clone();
    for (cell, sums) in before {
        add(&mut out, cell.clone(), sums.map(|v| -v));
    }
    out.retain(|_, v| *v != [0; 4]);
    out
}

/// Whether the cell keeps the least and greatest amount of its deals
/// beside their count and sum: the cells the report builder reads deals
/// from (closed, due, and the opportunity cells under the source), so
/// that a minimum or maximum of the amount reads a few thousand cells too.
pub fn keeps_extremes(cell: &Cell) -> bool {
    matches!(
        cell,
        Cell::Closed { .. }
            | Cell::Due { .. }
            | Cell::Opportunity {
                dim: Dim::Source,
                ..
            }
    )
}

/// The least and greatest amount of each cell's deals.
pub type Bounds = BTreeMap<Cell, (i64, i64)>;

/// The amount of one deal in a cell that keeps extremes (each deal is in
/// such a cell once: its numbers are `[1, amount, …]`).
fn amount_in(cell: &Cell, sums: &Sums) -> Option<i64> {
    (keeps_extremes(cell) && sums[0] == 1).then_some(sums[1])
}

/// Folds the amounts of one deal's `cells` into `bounds`: a recount.
pub fn widen(bounds: &mut Bounds, cells: &Cells) {
    for (cell, sums) in cells {
        if let Some(a) = amount_in(cell, sums) {
            bounds
                .entry(cell.clone())
                .and_modify(|(lo, hi)| {
                    *lo = (*lo).min(a);
                    *hi = (*hi).max(a);
                })
                .or_insert((a, a));
        }
    }
}

/// How one deal's change moves its cells' least and greatest amounts.
/// An amount entering a cell only widens them; one leaving it narrows them
/// only where it was the least or the greatest ([`recount_after`]), and
/// then the cell's remaining deals must be read again: a minimum cannot be
/// taken back the way a sum is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extremes {
    /// Cells the deal's amount is in now and was not before (a cell it
    /// joined, or its amount changed): fold it in.
    pub entered: Bounds,
    /// Cells its previous amount left (the deal left the cell, or its
    /// amount changed within it), with that amount.
    pub left: BTreeMap<Cell, i64>,
}

/// What a deal's change from `before` to `after` (its [`cells`]) does to
/// the least and greatest amounts.
pub fn extremes(before: &Cells, after: &Cells) -> Extremes {
    let mut out = Extremes::default();
    for (cell, sums) in after {
        if let Some(a) = amount_in(cell, sums)
            && before.get(cell).and_then(|b| amount_in(cell, b)) != Some(a)
        {
            out.entered.insert(cell.clone(), (a, a));
        }
    }
    for (cell, sums) in before {
        if let Some(b) = amount_in(cell, sums)
            && after.get(cell).and_then(|x| amount_in(cell, x)) != Some(b)
        {
            out.left.insert(cell.clone(), b);
        }
    }
    out
}

/// Whether a cell whose least and greatest amounts were `bounds` must be
/// read again after `amount` left it: only when it was one of them.
pub fn recount_after(bounds: (i64, i64), amount: i64) -> bool {
    amount <= bounds.0 || amount >= bounds.1
}

/// `from..to` as whole UTC months and days and the hours at the ends read
/// from the rows, with nothing taken back: what a minimum or maximum needs
/// (a value taken back cannot be subtracted from one), at the cost of up
/// to a day's rows at each end instead of half a day's.
pub fn added_pieces(from: Timestamp, to: Timestamp) -> Vec<Piece> {
    if from >= to {
        return Vec::new();
    }
    let first = from.inner().date();
    let start = if midnight(first) == from {
        first
    } else {
        day_after(first)
    };
    if midnight(start) >= to {
        return vec![Piece::Raw(from, to)];
    }
    let mut out = Vec::new();
    if from < midnight(start) {
        out.push(Piece::Raw(from, midnight(start)));
    }
    let last = to.inner().date();
    out.extend(day_pieces(Day(start), Day(last)));
    if midnight(last) < to {
        out.push(Piece::Raw(midnight(last), to));
    }
    out
}

/// The day after `d`, for callers that turn day pieces into bounds.
pub fn day_after(d: Date) -> Date {
    d.next_day().unwrap_or(Date::MAX)
}

/// The first day after the piece.
pub fn piece_end(span: Span, start: Date) -> Date {
    match span {
        Span::Month => next_month(start),
        Span::Day => day_after(start),
    }
}

/// The last day of the piece: unlike [`piece_end`], it exists for the
/// last month there is too (a database from before the expected close
/// day was bounded may hold 9999-12-31).
pub fn piece_last(span: Span, start: Date) -> Date {
    match span {
        Span::Day => start,
        Span::Month => {
            let mut last = start;
            while let Some(next) = last.next_day()
                && next.month() == start.month()
            {
                last = next;
            }
            last
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn date(s: &str) -> Date {
        Day::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).inner()
    }

    fn deal() -> DealFacts {
        DealFacts {
            pipeline_id: 1,
            stage_id: 12,
            owner_id: 7,
            status: StageKind::Open,
            currency: "RUB".into(),
            amount_minor: 10_000,
            probability: None,
            expected_close: Some(Day(date("2026-04-15"))),
            created_at: ts("2026-03-31T22:00:00Z"),
            closed_at: None,
            loss_reason_id: None,
            source_id: Some(5),
            territory: Some("Урал".into()),
            industry: None,
        }
    }

    fn mv(at: &str, stage: Id, amount: i64) -> Move {
        Move {
            at: ts(at),
            pipeline_id: 1,
            stage_id: stage,
            currency: "RUB".into(),
            amount_minor: amount,
        }
    }

    #[test]
    fn a_moscow_year_is_three_hours_twelve_months_and_three_hours_back() {
        // 2026 in Moscow (UTC+3): 2025-12-31T21:00Z .. 2026-12-31T21:00Z.
        let p = pieces(ts("2025-12-31T21:00:00Z"), ts("2026-12-31T21:00:00Z"));
        let months = (1..=12)
            .map(|m| {
                let m = Month::try_from(m).unwrap_or(Month::January);
                Piece::Cell(
                    Span::Month,
                    Date::from_calendar_date(2026, m, 1).unwrap_or(Date::MIN),
                )
            })
            .collect::<Vec<_>>();
        let mut expected = vec![Piece::Raw(
            ts("2025-12-31T21:00:00Z"),
            ts("2026-01-01T00:00:00Z"),
        )];
        expected.extend(months);
        // December 31 is a whole day in the cells; its last three UTC hours are 2027's.
        expected.push(Piece::Less(
            ts("2026-12-31T21:00:00Z"),
            ts("2027-01-01T00:00:00Z"),
        ));
        assert_eq!(p, expected);
    }

    #[test]
    fn less_than_a_day_reads_the_shorter_way() {
        let (a, b) = (ts("2026-03-01T13:00:00Z"), ts("2026-03-01T23:00:00Z"));
        // Day 1 whole, less 00:00–13:00 and 23:00–24:00.
        assert_eq!(
            pieces(a, b),
            vec![
                Piece::Raw(a, ts("2026-03-02T00:00:00Z")),
                Piece::Less(b, ts("2026-03-02T00:00:00Z")),
            ]
        );
        let (a, b) = (ts("2026-03-01T05:00:00Z"), ts("2026-03-01T09:00:00Z"));
        assert_eq!(
            pieces(a, b),
            vec![
                Piece::Less(ts("2026-03-01T00:00:00Z"), a),
                Piece::Raw(ts("2026-03-01T00:00:00Z"), b),
            ]
        );
        assert!(pieces(b, a).is_empty());
    }

    #[test]
    fn a_deal_adds_one_of_each_per_span() {
        let d = deal();
        let h = [
            mv("2026-03-31T22:00:00Z", 11, 10_000),
            mv("2026-04-02T22:00:00Z", 12, 10_000),
        ];
        let c = cells(&d, &h);
        let created: Vec<_> = c
            .iter()
            .filter(|(k, _)| matches!(k, Cell::Created { .. }))
            .collect();
        assert_eq!(created.len(), 2);
        for (k, v) in created {
            let Cell::Created {
                reached, period, ..
            } = k
            else {
                continue;
            };
            assert_eq!(reached, "11,12");
            assert!(*period == date("2026-03-01") || *period == date("2026-03-31"));
            assert_eq!(v, &[1, 10_000, 0, 0]);
        }
        // Two days in stage 11, finished; stage 12 still running.
        let stay = c.get(&Cell::Stay {
            span: Span::Month,
            period: date("2026-03-01"),
            pipeline_id: 1,
            owner_id: 7,
            stage_id: 11,
        });
        assert_eq!(stay, Some(&[2 * 86_400, 1, 0, 0]));
        let expected = c.get(&Cell::Expected {
            span: Span::Month,
            period: date("2026-04-01"),
            pipeline_id: 1,
            owner_id: 7,
            stage_id: 12,
            currency: "RUB".into(),
        });
        assert_eq!(expected, Some(&[1, 10_000, 10_000, 0]));
        // Stage 11 gained the deal in March and lost it in April.
        let moved = |period: &str, stage| Cell::Moved {
            span: Span::Month,
            period: date(period),
            pipeline_id: 1,
            owner_id: 7,
            stage_id: stage,
            currency: "RUB".into(),
        };
        assert_eq!(c.get(&moved("2026-03-01", 11)), Some(&[1, 10_000, 0, 0]));
        assert_eq!(c.get(&moved("2026-04-01", 11)), Some(&[-1, -10_000, 0, 0]));
        assert_eq!(c.get(&moved("2026-04-01", 12)), Some(&[1, 10_000, 0, 0]));
    }

    #[test]
    fn a_lost_deal_is_closed_with_its_reason_source_and_stage_and_not_expected() {
        let mut d = deal();
        d.status = StageKind::Lost;
        d.stage_id = 16;
        d.closed_at = Some(ts("2026-05-10T10:00:00Z"));
        d.loss_reason_id = Some(4);
        d.probability = Some(30);
        let c = cells(&d, &[mv("2026-03-31T22:00:00Z", 11, 10_000)]);
        assert!(!c.keys().any(|k| matches!(k, Cell::Expected { .. })));
        assert_eq!(
            c.get(&Cell::Closed {
                span: Span::Day,
                period: date("2026-05-10"),
                pipeline_id: 1,
                owner_id: 7,
                status: "lost",
                loss_reason_id: 4,
                source_id: 5,
                stage_id: 16,
                currency: "RUB".into(),
            }),
            Some(&[1, 10_000, 0, 0])
        );
    }

    #[test]
    fn a_won_deal_is_due_on_its_expected_day_and_no_longer_expected() {
        let mut d = deal();
        d.status = StageKind::Won;
        d.stage_id = 15;
        d.closed_at = Some(ts("2026-04-10T22:00:00Z"));
        let c = cells(&d, &[]);
        assert!(!c.keys().any(|k| matches!(k, Cell::Expected { .. })));
        let due = |span, period| Cell::Due {
            span,
            period: date(period),
            pipeline_id: 1,
            owner_id: 7,
            stage_id: 15,
            status: "won",
            loss_reason_id: 0,
            source_id: 5,
            currency: "RUB".into(),
        };
        assert_eq!(
            c.get(&due(Span::Month, "2026-04-01")),
            Some(&[1, 10_000, 0, 0])
        );
        assert_eq!(
            c.get(&due(Span::Day, "2026-04-15")),
            Some(&[1, 10_000, 0, 0])
        );
        // Without an expected day the deal is due in no period.
        d.expected_close = None;
        assert!(!cells(&d, &[]).keys().any(|k| matches!(k, Cell::Due { .. })));
    }

    #[test]
    fn an_own_probability_is_weighted_in_the_cell() {
        let mut d = deal();
        d.probability = Some(30);
        let c = cells(&d, &[]);
        let e = c
            .iter()
            .find(|(k, _)| {
                matches!(
                    k,
                    Cell::Expected {
                        span: Span::Day,
                        ..
                    }
                )
            })
            .map(|(_, v)| *v);
        assert_eq!(e, Some([1, 10_000, 0, 300_000]));
    }

    #[test]
    fn a_won_deal_counts_under_each_key_with_its_cycle() {
        let mut d = deal();
        d.status = StageKind::Won;
        d.closed_at = Some(ts("2026-04-10T22:00:00Z"));
        let c = opportunity_cells(&d);
        let cell = |dim, key: &str| Cell::Opportunity {
            span: Span::Month,
            period: date("2026-03-01"),
            pipeline_id: 1,
            owner_id: 7,
            dim,
            key: key.into(),
            // The stage under the source only.
            stage_id: if dim == Dim::Source { 12 } else { 0 },
            status: "won",
            currency: "RUB".into(),
        };
        let ten_days = 10 * 86_400;
        assert_eq!(
            c.get(&cell(Dim::Source, "5")),
            Some(&[1, 10_000, ten_days, 0])
        );
        assert_eq!(
            c.get(&cell(Dim::Territory, "Урал")),
            Some(&[1, 10_000, ten_days, 0])
        );
        // No account industry: the empty key, one "not set" group.
        assert_eq!(
            c.get(&cell(Dim::Industry, "")),
            Some(&[1, 10_000, ten_days, 0])
        );
        // Three keys for each of the two spans, and the same in cells().
        assert_eq!(c.len(), 6);
        let all = cells(&d, &[]);
        assert!(c.iter().all(|(k, v)| all.get(k) == Some(v)));
    }

    #[test]
    fn an_open_or_lost_deal_has_no_cycle() {
        let mut d = deal();
        assert!(opportunity_cells(&d).values().all(|v| v[2] == 0));
        d.status = StageKind::Lost;
        d.closed_at = Some(ts("2026-04-10T22:00:00Z"));
        assert_eq!(won_cycle(&d), None);
        assert!(opportunity_cells(&d).values().all(|v| v[2] == 0));
    }

    #[test]
    fn a_move_between_open_stages_moves_only_the_source_cells_by_stage() {
        let before = deal();
        let mut after = deal();
        after.stage_id = 13;
        let d = diff(&opportunity_cells(&before), &opportunity_cells(&after));
        // Taken from stage 12 and given to 13, in both spans.
        assert_eq!(d.len(), 4);
        for (k, v) in &d {
            let Cell::Opportunity { dim, stage_id, .. } = k else {
                panic!("{k:?}");
            };
            assert_eq!(*dim, Dim::Source);
            let expected = if *stage_id == 13 { 1 } else { -1 };
            assert_eq!(v[..2], [expected, expected * 10_000], "{stage_id}");
        }
    }

    #[test]
    fn a_new_territory_moves_only_the_territory_cells() {
        let before = deal();
        let mut after = deal();
        after.territory = Some(" Сибирь ".into());
        let d = diff(&opportunity_cells(&before), &opportunity_cells(&after));
        assert_eq!(d.len(), 4);
        for (k, v) in &d {
            let Cell::Opportunity { dim, key, .. } = k else {
                panic!("{k:?}");
            };
            assert_eq!(*dim, Dim::Territory);
            let expected = if key == "Сибирь" { 1 } else { -1 };
            assert_eq!(v[0], expected, "{key}");
        }
    }

    fn any_ts() -> impl Strategy<Value = Timestamp> {
        // 2020..2030, to the second.
        (1_577_836_800i64..1_893_456_000).prop_map(|s| {
            Timestamp::from_utc(
                OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            )
        })
    }

    fn any_deal() -> impl Strategy<Value = (DealFacts, Vec<Move>)> {
        (
            any_ts(),
            0u8..3,
            1i64..4,
            proptest::collection::vec((0i64..2_000_000, 1i64..3, 10i64..16, 0i64..50_000), 0..6),
            proptest::option::of(0i64..101),
            1i64..4,
            0i64..1_000_000,
        )
            .prop_map(|(created, status, owner, steps, prob, pipeline, amount)| {
                let mut at = created;
                let history = steps
                    .into_iter()
                    .map(|(gap, p, stage, amt)| {
                        at = at.plus_seconds(gap);
                        Move {
                            at,
                            pipeline_id: p,
                            stage_id: stage,
                            currency: "RUB".into(),
                            amount_minor: amt,
                        }
                    })
                    .collect::<Vec<_>>();
                let status = [StageKind::Open, StageKind::Won, StageKind::Lost][status as usize];
                let deal = DealFacts {
                    pipeline_id: pipeline,
                    stage_id: history.last().map_or(10, |m| m.stage_id),
                    owner_id: owner,
                    status,
                    currency: "RUB".into(),
                    amount_minor: amount,
                    probability: prob,
                    // Some deals without an expected day.
                    expected_close: (prob.is_some() || owner != 3).then_some(at.day()),
                    created_at: created,
                    closed_at: (status != StageKind::Open).then_some(at),
                    loss_reason_id: (status == StageKind::Lost).then_some(3),
                    source_id: (owner % 2 == 0).then_some(owner + 100),
                    territory: (owner % 3 != 0).then(|| format!("T{}", owner % 2)),
                    industry: None,
                };
                (deal, history)
            })
    }

    /// Deals that share cells: two creation instants, one close instant,
    /// one expected day, amounts that tie.
    fn crowded_deal() -> impl Strategy<Value = (DealFacts, Vec<Move>)> {
        (any_deal(), 0i64..2, 0i64..6, 1i64..3).prop_map(|((mut d, h), at, amount, owner)| {
            let base = Timestamp::parse("2026-03-31T22:30:00Z").unwrap();
            d.created_at = base.plus_seconds(at * 7_200);
            d.closed_at = d.closed_at.map(|_| base.plus_seconds(86_400));
            d.expected_close = d.expected_close.map(|_| base.day());
            d.amount_minor = amount;
            d.owner_id = owner;
            d.source_id = None;
            (d, h)
        })
    }

    #[test]
    fn an_amount_leaving_a_cell_is_read_again_only_where_it_was_an_extreme() {
        let mut a = deal();
        a.status = StageKind::Won;
        a.closed_at = Some(a.created_at.plus_seconds(3_600));
        a.amount_minor = 900;
        let h = Vec::new();
        let before = cells(&a, &h);
        let mut b = a.clone();
        b.amount_minor = 400;
        let ex = extremes(&before, &cells(&b, &h));
        // The closed, due and source cells of both spans: the new amount
        // enters them, the old leaves; the territory and industry keep none.
        assert_eq!(ex.entered.len(), 6);
        assert!(ex.entered.values().all(|v| *v == (400, 400)));
        assert_eq!(ex.left.len(), 6);
        assert!(ex.left.values().all(|v| *v == 900));
        assert!(ex.left.keys().all(keeps_extremes));
        // Another owner: the cells change, the amount with them.
        let mut c = a.clone();
        c.owner_id += 1;
        let ex = extremes(&before, &cells(&c, &h));
        assert!(ex.entered.values().all(|v| *v == (900, 900)));
        assert!(ex.entered.keys().all(|k| !ex.left.contains_key(k)));
        // A change the kept cells do not see moves none of them.
        let mut d = a.clone();
        d.probability = Some(70);
        assert_eq!(extremes(&before, &cells(&d, &h)), Extremes::default());
        // 900 leaving a cell of 500..900 narrows it; 700 leaving it does not.
        assert!(recount_after((500, 900), 900));
        assert!(recount_after((500, 900), 500));
        assert!(!recount_after((500, 900), 700));
    }

    #[test]
    fn a_piece_ends_and_lasts_even_at_the_end_of_time() {
        assert_eq!(
            piece_last(Span::Month, date("2026-02-01")),
            date("2026-02-28")
        );
        assert_eq!(
            piece_last(Span::Month, date("2028-02-01")),
            date("2028-02-29")
        );
        assert_eq!(piece_last(Span::Month, date("9999-12-01")), Date::MAX);
        assert_eq!(piece_last(Span::Day, Date::MAX), Date::MAX);
        assert_eq!(piece_end(Span::Day, date("2026-12-31")), date("2027-01-01"));
        // No day after the last: saturates rather than panics.
        assert_eq!(piece_end(Span::Day, Date::MAX), Date::MAX);
    }

    /// The least and greatest amounts a recount would find.
    fn recounted(slots: &[Option<Cells>]) -> Bounds {
        let mut b = Bounds::new();
        for c in slots.iter().flatten() {
            widen(&mut b, c);
        }
        b
    }

    fn any_activity() -> impl Strategy<Value = ActivityFacts> {
        let maybe = || proptest::option::of(any_ts());
        (
            (1i64..4, 0usize..3, 0usize..ActivityStatus::ALL.len()),
            (
                proptest::option::of(0usize..3),
                proptest::option::of(0usize..4),
            ),
            (any_ts(), maybe(), maybe(), maybe()),
        )
            .prop_map(
                |(
                    (owner_id, kind, status),
                    (priority, channel),
                    (created_at, start_at, due_at, completed_at),
                )| {
                    ActivityFacts {
                        owner_id,
                        kind: [
                            ActivityKind::Event,
                            ActivityKind::Task,
                            ActivityKind::Interaction,
                        ][kind],
                        status: ActivityStatus::ALL[status],
                        priority: priority.map(|i| Priority::ALL[i]),
                        channel: channel.map(|i| Channel::ALL[i]),
                        created_at,
                        start_at,
                        due_at,
                        completed_at,
                    }
                },
            )
    }

    /// Lines from (product, net, cost); a line is named after its product.
    fn line_facts(lines: Vec<(Id, i64, i64)>) -> Vec<LineFacts> {
        lines
            .into_iter()
            .map(|(product_id, net_minor, cost_minor)| LineFacts {
                product_id,
                name: format!("line {product_id}"),
                net_minor,
                cost_minor,
            })
            .collect()
    }

    fn total(c: &Cells, span: Span, pick: fn(&Cell) -> bool) -> Sums {
        let mut t = [0; 4];
        for (k, v) in c {
            let s = match k {
                Cell::Created { span, .. }
                | Cell::Stay { span, .. }
                | Cell::Closed { span, .. }
                | Cell::Expected { span, .. }
                | Cell::Moved { span, .. }
                | Cell::Opportunity { span, .. }
                | Cell::Due { span, .. }
                | Cell::Profit { span, .. }
                | Cell::InvoiceProfit { span, .. }
                | Cell::Activity { span, .. } => *span,
            };
            if s == span && pick(k) {
                for (a, b) in t.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
        t
    }

    proptest! {
        #[test]
        fn pieces_cover_the_period_exactly(from in any_ts(), len in 0i64..90_000_000, probes in proptest::collection::vec(-90_000i64..90_090_000, 20)) {
            let to = from.plus_seconds(len);
            let p = pieces(from, to);
            let ranges: Vec<(Timestamp, Timestamp, i64)> = p
                .iter()
                .map(|piece| match *piece {
                    Piece::Raw(a, b) => (a, b, 1),
                    Piece::Less(a, b) => (a, b, -1),
                    Piece::Cell(span, start) => (midnight(start), midnight(piece_end(span, start)), 1),
                })
                .collect();
            for piece in &p {
                match *piece {
                    Piece::Raw(a, b) | Piece::Less(a, b) => {
                        prop_assert!(a < b);
                        prop_assert!(b.inner() - a.inner() <= Duration::hours(12));
                    }
                    Piece::Cell(span, start) => prop_assert_eq!(span.of(start), start),
                }
            }
            // Every instant is counted exactly once inside the period, never outside it.
            let mut instants: Vec<Timestamp> = probes.iter().map(|&s| from.plus_seconds(s)).collect();
            for (a, b, _) in &ranges {
                instants.extend([*a, *b, a.plus_seconds(-1), b.plus_seconds(-1)]);
            }
            instants.extend([from, to, from.plus_seconds(-1), to.plus_seconds(-1)]);
            for t in instants {
                let n: i64 = ranges.iter().filter(|(a, b, _)| *a <= t && t < *b).map(|r| r.2).sum();
                prop_assert_eq!(n, i64::from(from <= t && t < to), "at {}", t);
            }
            // At most a month of days at each end.
            prop_assert!(p.iter().filter(|x| matches!(x, Piece::Cell(Span::Day, _))).count() <= 64);
        }

        #[test]
        fn everything_until_an_instant_is_months_then_days_then_its_day(at in any_ts()) {
            let u = pieces_until(at);
            prop_assert_eq!(u.month, first_of_month(at.inner().date()));
            // Days from the first of the month, without a gap, then at most
            // half a day read from the rows, added or taken back.
            let mut d = u.month;
            let mut covered = midnight(d);
            for piece in &u.pieces {
                match *piece {
                    Piece::Cell(Span::Day, start) => {
                        prop_assert_eq!(start, d);
                        d = day_after(d);
                        covered = midnight(d);
                    }
                    Piece::Raw(a, b) => {
                        prop_assert_eq!(a, covered);
                        prop_assert_eq!(b, at);
                        prop_assert!(b.inner() - a.inner() <= Duration::hours(12));
                        covered = b;
                    }
                    Piece::Less(..) => prop_assert!(false, "nothing taken back but the undo"),
                    Piece::Cell(Span::Month, start) => {
                        // Only when the instant's day is the month's last, taken whole.
                        prop_assert_eq!(start, u.month);
                        prop_assert_eq!(d, u.month);
                        d = next_month(d);
                        covered = midnight(d);
                    }
                }
            }
            match u.undo {
                Some((a, b)) => {
                    prop_assert_eq!(a, at);
                    prop_assert_eq!(b, covered);
                    prop_assert!(b.inner() - a.inner() < Duration::hours(12));
                }
                None => prop_assert_eq!(covered, at),
            }
        }

        #[test]
        fn both_spans_hold_the_same_totals((deal, history) in any_deal()) {
            let c = cells(&deal, &history);
            let picks: [fn(&Cell) -> bool; 9] = [
                |k| matches!(k, Cell::Created { .. }),
                |k| matches!(k, Cell::Stay { .. }),
                |k| matches!(k, Cell::Closed { .. }),
                |k| matches!(k, Cell::Expected { .. }),
                |k| matches!(k, Cell::Moved { .. }),
                |k| matches!(k, Cell::Opportunity { dim: Dim::Source, .. }),
                |k| matches!(k, Cell::Opportunity { dim: Dim::Territory, .. }),
                |k| matches!(k, Cell::Opportunity { dim: Dim::Industry, .. }),
                |k| matches!(k, Cell::Due { .. }),
            ];
            for pick in picks {
                prop_assert_eq!(total(&c, Span::Month, pick), total(&c, Span::Day, pick));
            }
            // One deal created; it stands in exactly one stage once it has a history.
            prop_assert_eq!(total(&c, Span::Day, picks[0])[0], 1);
            let standing = total(&c, Span::Day, picks[4]);
            prop_assert_eq!(standing[0], i64::from(!history.is_empty()));
            prop_assert_eq!(standing[1], history.last().map_or(0, |m| m.amount_minor));
            // Finished stays add up to the time from the first move to the last.
            let span = match (history.first(), history.last()) {
                (Some(a), Some(b)) => (b.at.inner() - a.at.inner()).whole_seconds(),
                _ => 0,
            };
            prop_assert_eq!(total(&c, Span::Day, picks[1])[0], span);
            // Closed or expected (open with an expected day), never both.
            let closed = total(&c, Span::Day, picks[2])[0];
            let expected = total(&c, Span::Day, picks[3])[0];
            let dated = deal.status != StageKind::Open || deal.expected_close.is_some();
            prop_assert_eq!(closed + expected, i64::from(dated));
            // Each analysis key counts the deal once, with the same amount
            // and cycle as the created cell.
            let created = total(&c, Span::Day, picks[0]);
            let cycle = won_cycle(&deal).unwrap_or(0);
            for pick in &picks[5..8] {
                prop_assert_eq!(total(&c, Span::Day, *pick), [1, created[1], cycle, 0]);
            }
            // Due once with an expected day, whatever the status.
            let due = i64::from(deal.expected_close.is_some());
            prop_assert_eq!(total(&c, Span::Day, picks[8]), [due, due * created[1], 0, 0]);
            // The due cells carry the source cells' keys: the deals without
            // an expected day are the one less the other, key by key.
            for k in c.keys() {
                if let Cell::Due { span, pipeline_id, owner_id, stage_id, status, source_id, currency, .. } = k {
                    let same = c.keys().any(|o| matches!(o, Cell::Opportunity {
                        span: s, dim: Dim::Source, pipeline_id: p, owner_id: w, stage_id: st,
                        status: x, key, currency: cur, ..
                    } if s == span && p == pipeline_id && w == owner_id && st == stage_id
                        && x == status && cur == currency
                        && *key == if *source_id == 0 { String::new() } else { source_id.to_string() }));
                    prop_assert!(same, "{:?}", k);
                }
            }
            // A lost deal's reason is the same in its due and closed cells;
            // every other deal has none in either.
            for k in c.keys() {
                if let Cell::Due { loss_reason_id, .. } | Cell::Closed { loss_reason_id, .. } = k {
                    let lost = match deal.status {
                        StageKind::Lost => deal.loss_reason_id.unwrap_or(0),
                        _ => 0,
                    };
                    prop_assert_eq!(*loss_reason_id, lost, "{:?}", k);
                }
            }
            // The closed and source cells hold the deal's current stage,
            // the territory and industry cells none.
            for k in c.keys() {
                match k {
                    Cell::Closed { stage_id, .. }
                    | Cell::Opportunity { dim: Dim::Source, stage_id, .. } => {
                        prop_assert_eq!(*stage_id, deal.stage_id);
                    }
                    Cell::Opportunity { stage_id, .. } => prop_assert_eq!(*stage_id, 0),
                    _ => {}
                }
            }
        }

        #[test]
        fn added_pieces_cover_the_period_exactly_and_take_nothing_back(
            from in any_ts(),
            len in 0i64..90_000_000,
            probes in proptest::collection::vec(-90_000i64..90_090_000, 20),
        ) {
            let to = from.plus_seconds(len);
            let p = added_pieces(from, to);
            let ranges: Vec<(Timestamp, Timestamp)> = p
                .iter()
                .map(|piece| match *piece {
                    Piece::Raw(a, b) | Piece::Less(a, b) => (a, b),
                    Piece::Cell(span, start) => (midnight(start), midnight(piece_end(span, start))),
                })
                .collect();
            for piece in &p {
                match *piece {
                    Piece::Less(..) => prop_assert!(false, "{:?}", piece),
                    Piece::Raw(a, b) => {
                        prop_assert!(a < b);
                        prop_assert!(b.inner() - a.inner() < Duration::days(1));
                    }
                    Piece::Cell(span, start) => prop_assert_eq!(span.of(start), start),
                }
            }
            prop_assert!(p.iter().filter(|x| matches!(x, Piece::Raw(..))).count() <= 2);
            let mut instants: Vec<Timestamp> = probes.iter().map(|&s| from.plus_seconds(s)).collect();
            for (a, b) in &ranges {
                instants.extend([*a, *b, a.plus_seconds(-1), b.plus_seconds(-1)]);
            }
            instants.extend([from, to, from.plus_seconds(-1), to.plus_seconds(-1)]);
            for t in instants {
                let n = ranges.iter().filter(|(a, b)| *a <= t && t < *b).count();
                prop_assert_eq!(n, usize::from(from <= t && t < to), "at {}", t);
            }
        }

        /// The store's rule: fold what entered, read a cell again only when
        /// what left it was its least or greatest; after any sequence of
        /// creates, edits and deletions of deals sharing cells, every
        /// cell's bounds are those of the deals in it.
        #[test]
        fn extremes_kept_by_their_changes_are_the_cells_deals(
            changes in proptest::collection::vec((0usize..4, proptest::option::of(crowded_deal())), 1..24),
        ) {
            let mut slots: Vec<Option<Cells>> = vec![None; 4];
            let mut kept = Bounds::new();
            for (slot, deal) in changes {
                let before = slots[slot].take().unwrap_or_default();
                let after = deal.map(|(d, h)| cells(&d, &h)).unwrap_or_default();
                let ex = extremes(&before, &after);
                slots[slot] = Some(after);
                for (cell, (lo, hi)) in ex.entered {
                    let e = kept.entry(cell).or_insert((lo, hi));
                    *e = (e.0.min(lo), e.1.max(hi));
                }
                let now = recounted(&slots);
                for (cell, amount) in ex.left {
                    if kept.get(&cell).is_some_and(|b| recount_after(*b, amount)) {
                        match now.get(&cell) {
                            Some(b) => kept.insert(cell, *b),
                            None => kept.remove(&cell),
                        };
                    }
                }
                prop_assert_eq!(&kept, &now);
            }
        }

        #[test]
        fn a_diff_turns_before_into_after(
            (a, ha) in any_deal(),
            (b, hb) in any_deal(),
        ) {
            let before = cells(&a, &ha);
            let after = cells(&b, &hb);
            let d = diff(&before, &after);
            let mut applied = before.clone();
            for (k, v) in d {
                add(&mut applied, k, v);
            }
            applied.retain(|_, v| *v != [0; 4]);
            prop_assert_eq!(applied, after);
            prop_assert!(diff(&before, &before).is_empty());
        }

        #[test]
        fn an_activity_is_one_per_date_it_has_in_either_span(
            (a, b) in (any_activity(), any_activity()),
        ) {
            let c = activity_cells(&a);
            for date in ActivityDate::ALL {
                let has = i64::from(date.of(&a).is_some());
                for span in SPANS {
                    let n: i64 = c
                        .iter()
                        .filter(|(k, _)| matches!(k, Cell::Activity { date: d, span: s, .. } if *d == date && *s == span))
                        .map(|(_, v)| v[0])
                        .sum();
                    prop_assert_eq!(n, has);
                }
            }
            for k in c.keys() {
                let Cell::Activity { date, span, period, owner_id, kind, status, priority, channel } = k else {
                    return Err(TestCaseError::fail(format!("{k:?}")));
                };
                prop_assert_eq!(Some(*period), date.of(&a).map(|t| span.of(t.inner().date())));
                prop_assert_eq!(*owner_id, a.owner_id);
                prop_assert_eq!(*kind, a.kind.as_str());
                prop_assert_eq!(*status, a.status.as_str());
                prop_assert_eq!(*priority, a.priority.map_or("", Priority::as_str));
                prop_assert_eq!(*channel, a.channel.map_or("", Channel::as_str));
            }
            // Any edit is the difference of the two.
            let before = activity_cells(&b);
            let mut applied = before.clone();
            for (k, v) in diff(&before, &c) {
                add(&mut applied, k, v);
            }
            applied.retain(|_, v| *v != [0; 4]);
            prop_assert_eq!(applied, c);
        }

        #[test]
        fn an_issued_invoice_adds_each_line_once_per_span(
            revenue in any::<bool>(),
            day in 0i32..2000,
            pipeline_id in 0i64..3,
            owner_id in 1i64..4,
            lines in proptest::collection::vec((0i64..3, 0i64..1_000_000, 0i64..1_000_000), 0..5),
        ) {
            let lines = line_facts(lines);
            let doc_date = Date::from_julian_day(2_460_000 + day).unwrap();
            let inv = InvoiceFacts { revenue, doc_date, pipeline_id, owner_id, currency: "RUB".into() };
            let c = invoice_profit_cells(&inv, &lines);
            let net: i64 = lines.iter().map(|l| l.net_minor).sum();
            let cost: i64 = lines.iter().map(|l| l.cost_minor).sum();
            for span in SPANS {
                let expected = if revenue { [net, cost, lines.len() as i64, 0] } else { [0; 4] };
                prop_assert_eq!(total(&c, span, |_| true), expected);
            }
            for k in c.keys() {
                let Cell::InvoiceProfit { period, pipeline_id: p, owner_id: o, product_id, name, span, .. } = k else {
                    return Err(TestCaseError::fail(format!("{k:?}")));
                };
                prop_assert_eq!(*period, span.of(doc_date));
                prop_assert_eq!((*p, *o), (pipeline_id, owner_id));
                prop_assert_eq!(name.is_empty(), *product_id != 0);
            }
        }

        #[test]
        fn a_won_deal_adds_each_line_once_per_span(
            (deal, _) in any_deal(),
            lines in proptest::collection::vec((0i64..3, 0i64..1_000_000, 0i64..1_000_000), 0..5),
        ) {
            let lines = line_facts(lines);
            let c = profit_cells(&deal, &lines);
            let won = deal.status == StageKind::Won;
            let net: i64 = lines.iter().map(|l| l.net_minor).sum();
            let cost: i64 = lines.iter().map(|l| l.cost_minor).sum();
            let all = |_: &Cell| true;
            for span in SPANS {
                let n = lines.len() as i64;
                let expected = if won { [net, cost, n, 0] } else { [0; 4] };
                prop_assert_eq!(total(&c, span, all), expected);
            }
            for k in c.keys() {
                let Cell::Profit { period, pipeline_id, owner_id, product_id, name, currency, span } = k else {
                    return Err(TestCaseError::fail(format!("{k:?}")));
                };
                let day = deal.closed_at.map(|t| span.of(t.inner().date()));
                prop_assert_eq!(Some(*period), day);
                prop_assert_eq!(*owner_id, deal.owner_id);
                prop_assert_eq!(*pipeline_id, deal.pipeline_id);
                prop_assert_eq!(currency, &deal.currency);
                // Named by the catalogue when there is a product, else by the line.
                prop_assert_eq!(name.is_empty(), *product_id != 0);
            }
        }
    }

    #[test]
    fn an_activity_counts_once_under_each_date_it_has() {
        let task = ActivityFacts {
            owner_id: 7,
            kind: ActivityKind::Task,
            status: ActivityStatus::Completed,
            priority: Some(Priority::High),
            channel: None,
            created_at: ts("2026-03-31T22:00:00Z"),
            start_at: None,
            due_at: Some(ts("2026-04-02T09:00:00Z")),
            completed_at: Some(ts("2026-04-03T23:59:59Z")),
        };
        let cell = |on, span, period: &str| Cell::Activity {
            date: on,
            span,
            period: date(period),
            owner_id: 7,
            kind: "task",
            status: "completed",
            priority: "high",
            channel: "",
        };
        let expected: Cells = [
            cell(ActivityDate::Created, Span::Month, "2026-03-01"),
            cell(ActivityDate::Created, Span::Day, "2026-03-31"),
            cell(ActivityDate::Due, Span::Month, "2026-04-01"),
            cell(ActivityDate::Due, Span::Day, "2026-04-02"),
            cell(ActivityDate::Completed, Span::Month, "2026-04-01"),
            cell(ActivityDate::Completed, Span::Day, "2026-04-03"),
        ]
        .into_iter()
        .map(|c| (c, [1, 0, 0, 0]))
        .collect();
        assert_eq!(activity_cells(&task), expected);
        // Reopened: it leaves its completion cells, and its creation and
        // due cells move from one status to the other.
        let reopened = ActivityFacts {
            status: ActivityStatus::InProgress,
            completed_at: None,
            ..task.clone()
        };
        let change = diff(&activity_cells(&task), &activity_cells(&reopened));
        assert_eq!(change.len(), 10, "{change:?}");
        for (k, v) in &change {
            let Cell::Activity { date, status, .. } = k else {
                panic!("{k:?}");
            };
            match (*date, *v) {
                (ActivityDate::Completed, [-1, 0, 0, 0]) => assert_eq!(*status, "completed"),
                (_, [n, 0, 0, 0]) => {
                    assert_ne!(*date, ActivityDate::Completed);
                    // The same dates move from one status to the other.
                    assert_eq!(n, if *status == "completed" { -1 } else { 1 });
                }
                _ => panic!("{k:?} {v:?}"),
            }
        }
    }

    #[test]
    fn profit_counts_the_lines_of_a_won_deal_on_its_win_day() {
        let mut d = deal();
        let lines = [
            LineFacts {
                product_id: 7,
                name: "Сервер".into(),
                net_minor: 100_000,
                cost_minor: 60_000,
            },
            LineFacts {
                product_id: 0,
                name: "Доставка".into(),
                net_minor: 5_000,
                cost_minor: 4_000,
            },
        ];
        assert!(profit_cells(&d, &lines).is_empty(), "open");
        d.status = StageKind::Won;
        d.closed_at = Some(ts("2026-05-10T22:30:00Z"));
        let c = profit_cells(&d, &lines);
        let cell = |span: Span, period: &str, product_id: Id, name: &str| Cell::Profit {
            span,
            period: Day::parse(period).unwrap().inner(),
            pipeline_id: d.pipeline_id,
            owner_id: d.owner_id,
            product_id,
            name: name.into(),
            currency: d.currency.clone(),
        };
        assert_eq!(c.len(), 4);
        assert_eq!(
            c[&cell(Span::Day, "2026-05-10", 7, "")],
            [100_000, 60_000, 1, 0]
        );
        assert_eq!(
            c[&cell(Span::Month, "2026-05-01", 7, "")],
            [100_000, 60_000, 1, 0]
        );
        assert_eq!(
            c[&cell(Span::Day, "2026-05-10", 0, "Доставка")],
            [5_000, 4_000, 1, 0]
        );
        // Reopened: the lines leave gross profit again.
        let reopened = DealFacts {
            status: StageKind::Open,
            closed_at: None,
            ..d.clone()
        };
        let back = diff(&c, &profit_cells(&reopened, &lines));
        assert_eq!(back.values().map(|v| v[0]).sum::<i64>(), -2 * 105_000);
        d.status = StageKind::Lost;
        assert!(profit_cells(&d, &lines).is_empty(), "lost");
    }

    #[test]
    fn an_invoice_counts_its_lines_on_its_date_while_issued() {
        let lines = vec![
            LineFacts {
                product_id: 7,
                name: "Сервер".into(),
                net_minor: 100_000,
                cost_minor: 60_000,
            },
            LineFacts {
                product_id: 0,
                name: "Монтаж".into(),
                net_minor: 25_000,
                cost_minor: 0,
            },
        ];
        let mut inv = InvoiceFacts {
            revenue: false,
            doc_date: Day::parse("2026-01-31").unwrap().inner(),
            pipeline_id: 0,
            owner_id: 5,
            currency: "RUB".into(),
        };
        assert!(invoice_profit_cells(&inv, &lines).is_empty(), "a draft");
        inv.revenue = true;
        let c = invoice_profit_cells(&inv, &lines);
        let cell = |span: Span, period: &str, product_id: Id, name: &str| Cell::InvoiceProfit {
            span,
            period: Day::parse(period).unwrap().inner(),
            pipeline_id: 0,
            owner_id: 5,
            product_id,
            name: name.into(),
            currency: "RUB".into(),
        };
        assert_eq!(c.len(), 4);
        assert_eq!(
            c[&cell(Span::Day, "2026-01-31", 7, "")],
            [100_000, 60_000, 1, 0]
        );
        assert_eq!(
            c[&cell(Span::Month, "2026-01-01", 0, "Монтаж")],
            [25_000, 0, 1, 0]
        );
        // Not a deal's profit: the two reports keep their own cells.
        assert!(c.keys().all(|k| matches!(k, Cell::InvoiceProfit { .. })));
        // Canceled: its lines leave gross profit again.
        let canceled = InvoiceFacts {
            revenue: false,
            ..inv.clone()
        };
        let back = diff(&c, &invoice_profit_cells(&canceled, &lines));
        assert_eq!(back.values().map(|v| v[0]).sum::<i64>(), -2 * 125_000);
    }
}
