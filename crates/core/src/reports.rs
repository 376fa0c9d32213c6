//! The arithmetic of reports: funnel reach and conversions from stage
//! history, rates and averages in exact decimals, time spent in stages, and
//! the calendar periods reports are grouped by.
//!
//! Pure functions over numbers the store has already counted; no I/O.

use crate::datetime::{Day, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration, Month};

/// `part` of `whole` in percent, rounded to one decimal; `None` when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    let mut p = (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole)).round_dp(1);
    p.rescale(1);
    Some(p)
}

/// `sum / n` rounded to `dp` decimals; `None` when `n` is 0.
pub fn average(sum: Decimal, n: i64, dp: u32) -> Option<Decimal> {
    if n == 0 {
        return None;
    }
    let mut v = (sum / Decimal::from(n)).round_dp(dp);
    v.rescale(dp);
    Some(v)
}

/// Seconds as days, one decimal.
pub fn days(seconds: Decimal) -> Decimal {
    let mut d = (seconds / Decimal::from(86_400)).round_dp(1);
    d.rescale(1);
    d
}

/// One group of cohort deals as the store counts them: how far along the
/// pipeline's open stages they ever got (the index of the furthest open stage
/// in the history, `None` if never in one), their outcome now, how many and
/// their sum in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub furthest: Option<usize>,
    pub outcome: Outcome,
    pub deals: i64,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Open,
    Won,
    Lost,
}

/// Deals and their sum that reached each open stage, and the won and lost.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunnelCounts {
    /// Per open stage (by position): deals that reached it or went further.
    pub reached: Vec<(i64, i64)>,
    pub won: (i64, i64),
    pub lost: (i64, i64),
    pub total: (i64, i64),
}

/// The funnel from the furthest stage each deal ever reached. A deal that
/// reached stage 3 passed stages 1 and 2 even when it skipped them; a deal
/// that went back from 3 to 2 still counts for 3, once; a won deal passed
/// every open stage. Outcomes are the deals' current ones, so a reopened deal
/// counts as open again.
pub fn funnel(open_stages: usize, groups: &[Reach]) -> FunnelCounts {
    let mut out = FunnelCounts {
        reached: vec![(0, 0); open_stages],
        ..FunnelCounts::default()
    };
    for g in groups {
        let upto = match (g.outcome, g.furthest) {
            (Outcome::Won, _) => open_stages,
            (_, Some(f)) => (f + 1).min(open_stages),
            (_, None) => 0,
        };
        for r in &mut out.reached[..upto] {
            r.0 += g.deals;
            r.1 += g.amount_minor;
        }
        let add = |t: &mut (i64, i64)| {
            t.0 += g.deals;
            t.1 += g.amount_minor;
        };
        match g.outcome {
            Outcome::Won => add(&mut out.won),
            Outcome::Lost => add(&mut out.lost),
            Outcome::Open => {}
        }
        add(&mut out.total);
    }
    out
}

/// Conversion of each open stage to the next one (the last one's "next" is
/// Won) and to Won, in percent.
pub fn conversions(reached: &[i64], won: i64) -> Vec<(Option<Decimal>, Option<Decimal>)> {
    reached
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let next = reached.get(i + 1).copied().unwrap_or(won);
            (percent(next, n), percent(won, n))
        })
        .collect()
}

/// Won of the closed, in percent.
pub fn win_rate(won: i64, lost: i64) -> Option<Decimal> {
    percent(won, won + lost)
}

/// Seconds a deal spent in each stage, from its stage history in order
/// (when it entered which stage). Visits to the same stage add up; the
/// current stay has not ended, so it counts only when `until` is given.
pub fn stage_durations(history: &[(Timestamp, i64)], until: Option<Timestamp>) -> Vec<(i64, i64)> {
    let mut out: BTreeMap<i64, i64> = BTreeMap::new();
    for (i, (at, stage)) in history.iter().enumerate() {
        let end = match history.get(i + 1) {
            Some((next, _)) => *next,
            None => match until {
                Some(u) => u,
                None => continue,
            },
        };
        let secs = (end.inner() - at.inner()).whole_seconds().max(0);
        *out.entry(*stage).or_default() += secs;
    }
    out.into_iter().collect()
}

/// The stage a deal was in at `instant`, from its history in order.
pub fn stage_as_of(history: &[(Timestamp, i64)], instant: Timestamp) -> Option<i64> {
    history
        .iter()
        .take_while(|(at, _)| *at <= instant)
        .last()
        .map(|(_, s)| *s)
}

/// How reports group time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Week,
    Month,
    Quarter,
}

impl Grain {
    pub fn parse(s: &str) -> Option<Grain> {
        match s {
            "week" => Some(Grain::Week),
            "month" => Some(Grain::Month),
            "quarter" => Some(Grain::Quarter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
        }
    }
}

/// The first day of the period `day` is in: weeks start on Monday.
pub fn period_start(day: Day, grain: Grain) -> Day {
    let d = day.inner();
    match grain {
        Grain::Week => Day(d - Duration::days(i64::from(d.weekday().number_days_from_monday()))),
        Grain::Month => Day(first_of(d.year(), d.month())),
        Grain::Quarter => {
            let q = (u8::from(d.month()) - 1) / 3;
            let m = Month::try_from(q * 3 + 1).unwrap_or(Month::January);
            Day(first_of(d.year(), m))
        }
    }
}

fn first_of(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN)
}

/// The first day of the period after the one starting at `start`.
pub fn next_period(start: Day, grain: Grain) -> Day {
    let d = start.inner();
    match grain {
        Grain::Week => Day(d + Duration::days(7)),
        Grain::Month | Grain::Quarter => {
            let step = if grain == Grain::Month { 1 } else { 3 };
            let months = i32::from(u8::from(d.month())) - 1 + step;
            let year = d.year() + months / 12;
            let m = Month::try_from((months % 12 + 1) as u8).unwrap_or(Month::January);
            Day(first_of(year, m))
        }
    }
}

/// The periods that cover `from..=to`, each as its first day and the first
/// day after it. At most `limit` of them, from the start.
pub fn periods(from: Day, to: Day, grain: Grain, limit: usize) -> Vec<(Day, Day)> {
    let mut out = Vec::new();
    let mut start = period_start(from, grain);
    while start <= to && out.len() < limit {
        let next = next_period(start, grain);
        if next <= start {
            break;
        }
        out.push((start, next));
        start = next;
    }
    out
}

/// A period's short name: `2026-W07`, `2026-02`, `2026-Q1`.
pub fn period_label(start: Day, grain: Grain) -> String {
    let d = start.inner();
    match grain {
        Grain::Week => {
            let (y, w, _) = d.to_iso_week_date();
            format!("{y}-W{w:02}")
        }
        Grain::Month => format!("{}-{:02}", d.year(), u8::from(d.month())),
        Grain::Quarter => format!("{}-Q{}", d.year(), (u8::from(d.month()) - 1) / 3 + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }
    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn funnel_counts_skips_backward_moves_and_wins() {
        // Four open stages. A: reached 3rd (index 2), then went back, still open.
        // B: jumped from 1st straight to won. C: lost in 2nd. D: never in an open stage, won.
        let g = [
            Reach {
                furthest: Some(2),
                outcome: Outcome::Open,
                deals: 1,
                amount_minor: 100,
            },
            Reach {
                furthest: Some(0),
                outcome: Outcome::Won,
                deals: 1,
                amount_minor: 200,
            },
            Reach {
                furthest: Some(1),
                outcome: Outcome::Lost,
                deals: 1,
                amount_minor: 400,
            },
            Reach {
                furthest: None,
                outcome: Outcome::Won,
                deals: 1,
                amount_minor: 800,
            },
        ];
        let f = funnel(4, &g);
        // 1st: all four; 2nd: A, B (won), C, D (won); 3rd: A, B, D; 4th: B, D.
        assert_eq!(f.reached, vec![(4, 1500), (4, 1500), (3, 1100), (2, 1000)]);
        assert_eq!(f.won, (2, 1000));
        assert_eq!(f.lost, (1, 400));
        assert_eq!(f.total, (4, 1500));
        let c = conversions(&[4, 3, 2, 2], 2);
        assert_eq!(
            c[0],
            (Some(Decimal::new(750, 1)), Some(Decimal::new(500, 1)))
        );
        assert_eq!(
            c[3],
            (Some(Decimal::new(1000, 1)), Some(Decimal::new(1000, 1)))
        );
        assert_eq!(win_rate(2, 1), Some(Decimal::new(667, 1)));
        assert_eq!(win_rate(0, 0), None);
    }

    #[test]
    fn durations_add_up_repeated_visits() {
        let h = [
            (ts("2026-01-01T00:00:00Z"), 1),
            (ts("2026-01-03T00:00:00Z"), 2),
            (ts("2026-01-04T00:00:00Z"), 1),
            (ts("2026-01-05T12:00:00Z"), 3),
        ];
        assert_eq!(
            stage_durations(&h, None),
            vec![(1, 2 * 86_400 + 36 * 3600), (2, 86_400)]
        );
        let with_now = stage_durations(&h, Some(ts("2026-01-06T12:00:00Z")));
        assert_eq!(with_now.last(), Some(&(3, 86_400)));
        assert_eq!(
            days(Decimal::from(3 * 86_400 + 43_200)),
            Decimal::new(35, 1)
        );
        assert_eq!(stage_as_of(&h, ts("2026-01-03T23:00:00Z")), Some(2));
        assert_eq!(stage_as_of(&h, ts("2025-12-31T00:00:00Z")), None);
    }

    #[test]
    fn periods_cover_the_range() {
        assert_eq!(
            period_start(day("2026-11-26"), Grain::Week),
            day("2026-11-23")
        );
        assert_eq!(
            period_start(day("2026-11-26"), Grain::Quarter),
            day("2026-10-01")
        );
        assert_eq!(
            next_period(day("2026-12-01"), Grain::Month),
            day("2027-01-01")
        );
        assert_eq!(
            next_period(day("2026-10-01"), Grain::Quarter),
            day("2027-01-01")
        );
        let p = periods(day("2026-01-15"), day("2026-03-01"), Grain::Month, 100);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], (day("2026-01-01"), day("2026-02-01")));
        assert_eq!(period_label(day("2026-01-01"), Grain::Quarter), "2026-Q1");
        assert_eq!(period_label(day("2026-02-01"), Grain::Month), "2026-02");
        assert_eq!(period_label(day("2026-11-23"), Grain::Week), "2026-W48");
    }

    fn any_day() -> impl Strategy<Value = Day> {
        (0i64..3000).prop_map(|n| Day(Date::MIN.replace_year(2020).unwrap() + Duration::days(n)))
    }

    proptest! {
        #[test]
        fn reach_never_grows_down_the_funnel(
            groups in proptest::collection::vec((proptest::option::of(0usize..6), 0u8..3, 1i64..5, 0i64..1000), 0..20)
        ) {
            let g: Vec<Reach> = groups.iter().map(|&(f, o, n, a)| Reach {
                furthest: f,
                outcome: [Outcome::Open, Outcome::Won, Outcome::Lost][usize::from(o)],
                deals: n,
                amount_minor: a,
            }).collect();
            let f = funnel(5, &g);
            for w in f.reached.windows(2) {
                prop_assert!(w[1].0 <= w[0].0);
            }
            prop_assert!(f.won.0 <= f.reached.last().map_or(0, |r| r.0));
            prop_assert_eq!(f.total.0, g.iter().map(|g| g.deals).sum::<i64>());
            for (next, won) in conversions(&f.reached.iter().map(|r| r.0).collect::<Vec<_>>(), f.won.0) {
                prop_assert!(next.is_none_or(|p| p <= Decimal::from(100)));
                prop_assert!(won.is_none_or(|p| p <= Decimal::from(100)));
            }
        }

        #[test]
        fn every_day_falls_in_exactly_one_period(from in any_day(), len in 0i64..400, g in 0u8..3) {
            let grain = [Grain::Week, Grain::Month, Grain::Quarter][usize::from(g)];
            let to = Day(from.inner() + Duration::days(len));
            let p = periods(from, to, grain, 10_000);
            let mut d = from;
            while d <= to {
                prop_assert_eq!(p.iter().filter(|(s, e)| *s <= d && d < *e).count(), 1);
                d = Day(d.inner() + Duration::days(1));
            }
            for w in p.windows(2) {
                prop_assert_eq!(w[0].1, w[1].0);
            }
        }

        #[test]
        fn durations_sum_to_the_span(steps in proptest::collection::vec((1i64..100_000, 0i64..4), 1..10)) {
            let mut at = ts("2026-01-01T00:00:00Z");
            let mut h = Vec::new();
            for (gap, stage) in &steps {
                h.push((at, *stage));
                at = at.plus_seconds(*gap);
            }
            let total: i64 = stage_durations(&h, None).iter().map(|d| d.1).sum();
            let span = (h.last().unwrap().0.inner() - h[0].0.inner()).whole_seconds();
            prop_assert_eq!(total, span);
        }
    }
}
