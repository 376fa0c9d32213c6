//! Reports as JSON: the funnel and the pipeline on a day, the forecast,
//! dynamics, losses and competitors, manager activity, opportunity analysis
//! and gross profit. The same parameters serve every report and the report
//! pages; periods are calendar days in the user's time zone.

use crate::auth::Auth;
use crate::error::{ApiResult, ReadErrors};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::records::Id;
use voronka_core::reports::{self as calc, Grain};
use voronka_core::{Day, FieldErrors, Invalid, Timestamp};
use voronka_store::reports::{
    self, ActivityRow, DynamicsRow, Filter, ForecastRow, Funnel, Losses, OpportunityBy,
    OpportunityRow, Period, ProfitBy, ProfitRow, ProfitSource, RowWindow, SnapshotStage,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(funnel))
        .routes(routes!(pipeline_as_of))
        .routes(routes!(forecast))
        .routes(routes!(dynamics))
        .routes(routes!(losses))
        .routes(routes!(activity))
        .routes(routes!(opportunities))
        .routes(routes!(gross_profit))
}

/// Parameters every report understands (each report uses those it needs).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Default: the default pipeline (funnel), all pipelines (the others).
    pub pipeline_id: Option<String>,
    /// One owner's records.
    pub owner_id: Option<String>,
    /// One team's records.
    pub team_id: Option<String>,
    /// First day, YYYY-MM-DD, in your time zone (default: 1 January this year).
    pub from: Option<String>,
    /// Last day, inclusive (default: 31 December this year).
    pub to: Option<String>,
    /// Amounts are summed in this currency (default: the company's own).
    pub currency: Option<String>,
    /// week, month or quarter (dynamics: week|month, forecast: month|quarter).
    pub grain: Option<String>,
    /// Opportunities: source, territory, industry, owner, pipeline. Gross profit: deal, product, owner, period.
    pub by: Option<String>,
    /// Gross profit: deals (won deals' products) or invoices.
    pub source: Option<String>,
    /// Pipeline as of: the day, end of it (default today).
    pub date: Option<String>,
    /// Gross profit: at most this many rows (default: every one). The
    /// `X-Total-Count` header says how many there are in all.
    pub limit: Option<String>,
    /// Gross profit: rows to skip before the first returned (default 0).
    pub offset: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn id_param(v: &Option<String>, name: &str, e: &mut FieldErrors) -> Option<Id> {
    let s = blank(v)?;
    match s.parse::<Id>() {
        Ok(id) => Some(id),
        Err(_) => {
            e.add(name, "must be an id");
            None
        }
    }
}

fn day_param(v: &Option<String>, name: &str, e: &mut FieldErrors) -> Option<Day> {
    let s = blank(v)?;
    match Day::parse(s) {
        Ok(d) => Some(d),
        Err(err) => {
            e.add(name, err);
            None
        }
    }
}

/// Midnight at the start of `day` in `tz`, as a UTC instant.
pub fn local_midnight(day: Day, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
    let d = day.inner();
    let date =
        jiff::civil::Date::new(d.year() as i16, u8::from(d.month()) as i8, d.day() as i8).ok()?;
    let z = date.to_zoned(tz.clone()).ok()?;
    Timestamp::parse(&z.timestamp().to_string()).ok()
}

fn today(now: Timestamp, tz: &jiff::tz::TimeZone) -> Day {
    let z = now.inner();
    jiff::Timestamp::from_second(z.unix_timestamp())
        .ok()
        .map(|t| t.to_zoned(tz.clone()).date())
        .and_then(|d| Day::parse(&d.to_string()).ok())
        .unwrap_or_else(|| now.day())
}

fn next_day(d: Day) -> Day {
    d.inner().next_day().map(Day).unwrap_or(d)
}

/// A request's parameters, checked, as the store's filter, plus the parsed
/// extras. Bad values answer 422 naming the parameter.
pub struct Parsed {
    pub filter: Filter,
    pub from: Day,
    pub to: Day,
    pub grain: Option<Grain>,
    pub date: Day,
}

pub fn parse(
    p: &ReportParams,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
    base_currency: &str,
) -> Result<Parsed, Invalid> {
    let mut e = FieldErrors::new();
    let pipeline_id = id_param(&p.pipeline_id, "pipeline_id", &mut e);
    let owner_id = id_param(&p.owner_id, "owner_id", &mut e);
    let team_id = id_param(&p.team_id, "team_id", &mut e);
    let today = today(now, tz);
    let year = today.inner().year();
    let jan1 = time::Date::from_calendar_date(year, time::Month::January, 1)
        .map(Day)
        .unwrap_or(today);
    let dec31 = time::Date::from_calendar_date(year, time::Month::December, 31)
        .map(Day)
        .unwrap_or(today);
    let from = day_param(&p.from, "from", &mut e).unwrap_or(jan1);
    let to = day_param(&p.to, "to", &mut e).unwrap_or(dec31);
    if to < from {
        e.add("to", "must not be before from");
    }
    let date = day_param(&p.date, "date", &mut e).unwrap_or(today);
    let grain = match blank(&p.grain) {
        None => None,
        Some(g) => match Grain::parse(g) {
            Some(g) => Some(g),
            None => {
                e.add("grain", "must be week, month or quarter");
                None
            }
        },
    };
    let currency = match blank(&p.currency) {
        None => base_currency.to_owned(),
        Some(c) => match voronka_core::money::Currency::parse(c) {
            Ok(c) => c.as_str().to_owned(),
            Err(err) => {
                e.add("currency", err);
                base_currency.to_owned()
            }
        },
    };
    let end = next_day(to);
    let (Some(from_ts), Some(to_ts)) = (local_midnight(from, tz), local_midnight(end, tz)) else {
        e.add("from", "is out of range");
        return Err(Invalid(e));
    };
    e.finish()?;
    Ok(Parsed {
        filter: Filter {
            pipeline_id,
            owner_id,
            team_id,
            from: from_ts,
            to: to_ts,
            from_day: from,
            to_day: end,
            currency,
        },
        from,
        to,
        grain,
        date,
    })
}

/// The calendar periods of `from..=to`, with their bounds in the user's zone.
pub fn periods(
    from: Day,
    to: Day,
    grain: Grain,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<Period>, Invalid> {
    const MAX: usize = 400;
    let spans = calc::periods(from, to, grain, MAX + 1);
    if spans.len() > MAX {
        return Err(Invalid::field(
            "grain",
            "gives too many periods for this range; choose a longer one",
        ));
    }
    Ok(spans
        .into_iter()
        .map(|(start, end)| Period {
            label: calc::period_label(start, grain),
            start,
            end,
            from: local_midnight(start, tz),
            to: local_midnight(end, tz),
        })
        .collect())
}

fn tz(auth: &Auth) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(&auth.user.data.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
}

pub fn opportunity_by(p: &ReportParams) -> Result<OpportunityBy, Invalid> {
    match blank(&p.by).unwrap_or("source") {
        "source" => Ok(OpportunityBy::Source),
        "territory" => Ok(OpportunityBy::Territory),
        "industry" => Ok(OpportunityBy::Industry),
        "owner" => Ok(OpportunityBy::Owner),
        "pipeline" => Ok(OpportunityBy::Pipeline),
        _ => Err(Invalid::field(
            "by",
            "must be source, territory, industry, owner or pipeline",
        )),
    }
}

pub fn profit_by(p: &ReportParams) -> Result<(ProfitBy, ProfitSource), Invalid> {
    let by = match blank(&p.by).unwrap_or("deal") {
        "deal" => ProfitBy::Deal,
        "product" => ProfitBy::Product,
        "owner" => ProfitBy::Owner,
        "period" => ProfitBy::Period,
        _ => {
            return Err(Invalid::field(
                "by",
                "must be deal, product, owner or period",
            ));
        }
    };
    let source = match blank(&p.source).unwrap_or("deals") {
        "deals" => ProfitSource::Deals,
        "invoices" => ProfitSource::Invoices,
        _ => return Err(Invalid::field("source", "must be deals or invoices")),
    };
    Ok((by, source))
}

/// The rows of a ranked report the parameters ask for.
pub fn row_window(p: &ReportParams) -> Result<RowWindow, Invalid> {
    let mut e = FieldErrors::new();
    let mut whole = |v: &Option<String>, name: &str, min: u64| -> Option<u64> {
        let s = blank(v)?;
        match s.parse::<u64>() {
            // The databases count rows in signed 64 bits.
            Ok(n) if n >= min && i64::try_from(n).is_ok() => Some(n),
            _ => {
                e.add(name, format!("must be a whole number from {min}"));
                None
            }
        }
    };
    let limit = whole(&p.limit, "limit", 1);
    let offset = whole(&p.offset, "offset", 0).unwrap_or(0);
    e.finish()?;
    Ok(RowWindow { offset, limit })
}

/// [`parse`] with the company's own currency as the report currency unless
/// the request names another: a company that keeps its books in euros sees
/// its sums without asking for them.
pub async fn request(
    state: &AppState,
    p: &ReportParams,
    tz: &jiff::tz::TimeZone,
) -> ApiResult<Parsed> {
    let base = voronka_store::company::read_base_currency(&state.db).await?;
    Ok(parse(p, tz, state.db.now(), base.as_str())?)
}

/// The sales funnel of the deals created in the period: per stage of the
/// pipeline, the deals that reached it (from stage history), their amount,
/// conversion to the next stage and to Won, and average days in the stage.
#[utoipa::path(get, path = "/api/v1/reports/funnel", tag = "reports", params(ReportParams),
    responses((status = 200, body = Funnel), ReadErrors))]
pub async fn funnel(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Funnel>> {
    let q = request(&state, &p, &tz(&auth)).await?;
    Ok(Json(
        reports::funnel(&state.db, &auth.actor, &q.filter).await?,
    ))
}

/// The pipeline as it stood at the end of `date`, rebuilt from stage history.
#[utoipa::path(get, path = "/api/v1/reports/pipeline-as-of", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<SnapshotStage>), ReadErrors))]
pub async fn pipeline_as_of(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Vec<SnapshotStage>>> {
    let zone = tz(&auth);
    let q = request(&state, &p, &zone).await?;
    let at = local_midnight(next_day(q.date), &zone)
        .ok_or_else(|| Invalid::field("date", "is out of range"))?;
    // The end of the day: just before the next local midnight.
    let at = Timestamp::from_utc(at.inner() - time::Duration::microseconds(1));
    Ok(Json(
        reports::pipeline_as_of(&state.db, &auth.actor, &q.filter, at).await?,
    ))
}

/// Weighted pipeline (amount × probability) by expected close month or
/// quarter, beside what was won in each, per owner.
#[utoipa::path(get, path = "/api/v1/reports/forecast", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<ForecastRow>), ReadErrors))]
pub async fn forecast(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Vec<ForecastRow>>> {
    let zone = tz(&auth);
    let q = request(&state, &p, &zone).await?;
    let grain = q.grain.unwrap_or(Grain::Month);
    let periods = periods(q.from, q.to, grain, &zone)?;
    Ok(Json(
        reports::forecast(&state.db, &auth.actor, &q.filter, &periods).await?,
    ))
}

/// New, won and lost deals and their amounts per week, month or quarter.
#[utoipa::path(get, path = "/api/v1/reports/dynamics", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<DynamicsRow>), ReadErrors))]
pub async fn dynamics(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Vec<DynamicsRow>>> {
    let zone = tz(&auth);
    let q = request(&state, &p, &zone).await?;
    let periods = periods(q.from, q.to, q.grain.unwrap_or(Grain::Month), &zone)?;
    Ok(Json(
        reports::dynamics(&state.db, &auth.actor, &q.filter, &periods).await?,
    ))
}

/// Deals lost in the period by reason, and deals closed against each competitor.
#[utoipa::path(get, path = "/api/v1/reports/losses", tag = "reports", params(ReportParams),
    responses((status = 200, body = Losses), ReadErrors))]
pub async fn losses(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Losses>> {
    let q = request(&state, &p, &tz(&auth)).await?;
    Ok(Json(
        reports::losses(&state.db, &auth.actor, &q.filter).await?,
    ))
}

/// Calls, meetings, tasks done in the period and tasks overdue now, per manager.
#[utoipa::path(get, path = "/api/v1/reports/activity", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<ActivityRow>), ReadErrors))]
pub async fn activity(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Vec<ActivityRow>>> {
    let now = state.db.now();
    let q = request(&state, &p, &tz(&auth)).await?;
    Ok(Json(
        reports::activity(&state.db, &auth.actor, &q.filter, now).await?,
    ))
}

/// Deals created in the period grouped by source, territory, industry, owner
/// or pipeline: count, amount, win rate, average won deal, average cycle.
#[utoipa::path(get, path = "/api/v1/reports/opportunities", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<OpportunityRow>), ReadErrors))]
pub async fn opportunities(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Json<Vec<OpportunityRow>>> {
    let q = request(&state, &p, &tz(&auth)).await?;
    let by = opportunity_by(&p)?;
    Ok(Json(
        reports::opportunities(&state.db, &auth.actor, &q.filter, by).await?,
    ))
}

/// Gross profit by deal, product, owner or month: from the products of deals
/// won in the period, or from the lines of invoices issued in it. Groups in
/// order of profit (periods in order of time); `limit` and `offset` page
/// through them, `X-Total-Count` tells how many there are.
#[utoipa::path(get, path = "/api/v1/reports/gross-profit", tag = "reports", params(ReportParams),
    responses((status = 200, body = Vec<ProfitRow>,
        headers(("X-Total-Count" = u64, description = "Rows in all, whatever part of them the window returns"))),
        ReadErrors))]
pub async fn gross_profit(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<ReportParams>,
) -> ApiResult<([(&'static str, String); 1], Json<Vec<ProfitRow>>)> {
    let zone = tz(&auth);
    let q = request(&state, &p, &zone).await?;
    let (by, source) = profit_by(&p)?;
    let window = row_window(&p)?;
    let periods = periods(q.from, q.to, q.grain.unwrap_or(Grain::Month), &zone)?;
    let found = reports::gross_profit(
        &state.db,
        &auth.actor,
        &q.filter,
        by,
        source,
        &periods,
        window,
    )
    .await?;
    Ok((
        [("x-total-count", found.total_rows.to_string())],
        Json(found.rows),
    ))
}
