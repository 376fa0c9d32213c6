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
//!   loss reason and currency: deals and amount.
//! - **expected** — open deals per expected close day's period, pipeline,
//!   owner, stage and currency: deals, amount, the amount of deals that take
//!   their stage's probability, and amount × probability of those that set
//!   their own. The forecast multiplies the first by the stage's current
//!   probability, so changing a stage's probability needs no recount.
//! - **moved** — changes to "how many deals stood in each stage": +1 when a
//!   deal enters a stage, −1 when it leaves it, at the period of the move.
//!   Summing every change up to an instant rebuilds the pipeline as it stood
//!   then. Owners are the deal's current owner.

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
/// cells, or an instant range (shorter than a day) counted from the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Cell(Span, Date),
    Raw(Timestamp, Timestamp),
}

/// The instant a UTC day starts.
pub fn midnight(d: Date) -> Timestamp {
    Timestamp::from_utc(OffsetDateTime::new_utc(d, Time::MIDNIGHT))
}

/// `from..to` as whole UTC months and days, with raw pieces for the hours
/// before the first UTC midnight and after the last one.
pub fn pieces(from: Timestamp, to: Timestamp) -> Vec<Piece> {
    if from >= to {
        return Vec::new();
    }
    let first = from.inner().date();
    let start = if midnight(first) == from {
        first
    } else {
        first.next_day().unwrap_or(Date::MAX)
    };
    let end = to.inner().date();
    if start >= end {
        return vec![Piece::Raw(from, to)];
    }
    let mut out = Vec::new();
    if from < midnight(start) {
        out.push(Piece::Raw(from, midnight(start)));
    }
    out.extend(day_pieces(Day(start), Day(end)));
    if midnight(end) < to {
        out.push(Piece::Raw(midnight(end), to));
    }
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

/// Everything up to and including `at`: every month before `at`'s month,
/// the days of its month before its day, and the raw rest of its day
/// (`Raw(day start, at)`, inclusive of `at` by the caller's reading).
pub fn pieces_until(at: Timestamp) -> (Date, Vec<Piece>) {
    let day = at.inner().date();
    let month = first_of_month(day);
    let mut out = day_pieces(Day(month), Day(day));
    out.push(Piece::Raw(midnight(day), at));
    (month, out)
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
}

/// A cell's numbers. Created, closed, moved: `[deals, amount, 0, 0]`;
/// stay: `[seconds, stays, 0, 0]`; expected: `[deals, amount, amount taking
/// the stage's probability, amount × own probability]`.
pub type Sums = [i64; 4];

/// A set of cells and their numbers.
pub type Cells = BTreeMap<Cell, Sums>;

const SPANS: [Span; 2] = [Span::Month, Span::Day];

fn add(cells: &mut Cells, cell: Cell, sums: Sums) {
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
                    loss_reason_id: match deal.status {
                        StageKind::Lost => deal.loss_reason_id.unwrap_or(0),
                        _ => 0,
                    },
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
    out.retain(|_, v| *v != [0; 4]);
    out
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

/// The day after `d`, for callers that turn day pieces into bounds.
pub fn day_after(d: Date) -> Date {
    d.next_day().unwrap_or(Date::MAX)
}

/// The first day after the piece.
pub fn piece_end(span: Span, start: Date) -> Date {
    match span {
        Span::Month => next_month(start),
        Span::Day => start + Duration::days(1),
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
    fn a_moscow_year_is_hours_days_months_days_hours() {
        // 2026 in Moscow (UTC+3): 2025-12-31T21:00Z .. 2026-12-31T21:00Z.
        let p = pieces(ts("2025-12-31T21:00:00Z"), ts("2026-12-31T21:00:00Z"));
        assert_eq!(
            p.first(),
            Some(&Piece::Raw(
                ts("2025-12-31T21:00:00Z"),
                ts("2026-01-01T00:00:00Z")
            ))
        );
        let months = p
            .iter()
            .filter(|x| matches!(x, Piece::Cell(Span::Month, _)))
            .count();
        // January..November whole; December 1..30 as days; the 31st's first 21 hours raw.
        assert_eq!(months, 11);
        let days = p
            .iter()
            .filter(|x| matches!(x, Piece::Cell(Span::Day, _)))
            .count();
        assert_eq!(days, 30);
        assert_eq!(
            p.last(),
            Some(&Piece::Raw(
                ts("2026-12-31T00:00:00Z"),
                ts("2026-12-31T21:00:00Z")
            ))
        );
    }

    #[test]
    fn less_than_a_day_is_one_raw_piece() {
        let (a, b) = (ts("2026-03-01T05:00:00Z"), ts("2026-03-01T23:00:00Z"));
        assert_eq!(pieces(a, b), vec![Piece::Raw(a, b)]);
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
    fn a_lost_deal_is_closed_with_its_reason_and_not_expected() {
        let mut d = deal();
        d.status = StageKind::Lost;
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
                currency: "RUB".into(),
            }),
            Some(&[1, 10_000, 0, 0])
        );
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
                    expected_close: Some(at.day()),
                    created_at: created,
                    closed_at: (status != StageKind::Open).then_some(at),
                    loss_reason_id: (status == StageKind::Lost).then_some(3),
                };
                (deal, history)
            })
    }

    fn total(c: &Cells, span: Span, pick: fn(&Cell) -> bool) -> Sums {
        let mut t = [0; 4];
        for (k, v) in c {
            let s = match k {
                Cell::Created { span, .. }
                | Cell::Stay { span, .. }
                | Cell::Closed { span, .. }
                | Cell::Expected { span, .. }
                | Cell::Moved { span, .. } => *span,
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
        fn pieces_cover_the_period_exactly(from in any_ts(), len in 0i64..90_000_000) {
            let to = from.plus_seconds(len);
            let p = pieces(from, to);
            let mut at = from;
            for (i, piece) in p.iter().enumerate() {
                let (a, b) = match *piece {
                    Piece::Raw(a, b) => {
                        // Raw pieces are the ends only, and shorter than a day.
                        prop_assert!(i == 0 || i == p.len() - 1);
                        prop_assert!(b.inner() - a.inner() < Duration::days(1));
                        (a, b)
                    }
                    Piece::Cell(span, start) => {
                        prop_assert_eq!(span.of(start), start);
                        (midnight(start), midnight(piece_end(span, start)))
                    }
                };
                prop_assert_eq!(a, at);
                prop_assert!(a < b);
                at = b;
            }
            prop_assert_eq!(at, if from < to { to } else { from });
            // At most a month of days at each end.
            prop_assert!(p.iter().filter(|x| matches!(x, Piece::Cell(Span::Day, _))).count() <= 62);
        }

        #[test]
        fn everything_until_an_instant_is_months_then_days_then_its_day(at in any_ts()) {
            let (month, p) = pieces_until(at);
            prop_assert_eq!(month, first_of_month(at.inner().date()));
            let mut d = month;
            for piece in &p {
                match *piece {
                    Piece::Cell(Span::Day, start) => {
                        prop_assert_eq!(start, d);
                        d = day_after(d);
                    }
                    Piece::Raw(a, b) => {
                        prop_assert_eq!(a, midnight(d));
                        prop_assert_eq!(b, at);
                    }
                    Piece::Cell(Span::Month, _) => prop_assert!(false, "a month inside the month"),
                }
            }
        }

        #[test]
        fn both_spans_hold_the_same_totals((deal, history) in any_deal()) {
            let c = cells(&deal, &history);
            let picks: [fn(&Cell) -> bool; 5] = [
                |k| matches!(k, Cell::Created { .. }),
                |k| matches!(k, Cell::Stay { .. }),
                |k| matches!(k, Cell::Closed { .. }),
                |k| matches!(k, Cell::Expected { .. }),
                |k| matches!(k, Cell::Moved { .. }),
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
            // Closed or expected, never both.
            let closed = total(&c, Span::Day, picks[2])[0];
            let expected = total(&c, Span::Day, picks[3])[0];
            prop_assert_eq!(closed + expected, 1);
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
    }
}
