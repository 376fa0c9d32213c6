use crate::actor::Actor;
use crate::audit::{self, Change};
use crate::db::{Conn, Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, field, fold, money_field};
use crate::pipelines;
use crate::rollup;
use crate::rules::{Flags, Rules};
use crate::search::Doc;
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use voronka_core::money;
use voronka_core::msg;
use voronka_core::records::{
    Account, AccountKind, CloseDeal, CompetitorStatus, Contact, Deal, DealCompetitor, DealData,
    DealMember, EntityKind, Id, LookupKind, LossReason, Outcome, StageKind, check_loss_reason,
    effective_probability,
};
use voronka_core::{FieldErrors, Invalid, Timestamp};

impl Table for Deal {
    const KIND: EntityKind = EntityKind::Deal;
    const SPEC: ListSpec = ListSpec {
        table: "deals",
        fields: &[
            field("id", Id, false),
            field("title", Text, false),
            field("account_id", Id, true),
            field("contact_id", Id, true),
            field("pipeline_id", Id, false),
            field("stage_id", Id, false),
            money_field("amount", "amount_minor", false),
            field("currency", Enum, false),
            field("probability", Int, true),
            field("effective_probability", Int, false),
            field("expected_close_date", Day, true),
            field("source_id", Id, true),
            field("status", Enum, false),
            field("closed_at", Timestamp, true),
            field("loss_reason_id", Id, true),
            field("owner_id", Id, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
        ],
        searchable: true,
        owned: true,
    };
    type Data = DealData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &DealData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        Some(self.meta.owner_id)
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Deal {
            id: col::i(r, "id")?,
            data: DealData {
                title: col::s(r, "title")?,
                account_id: col::oi(r, "account_id")?,
                contact_id: col::oi(r, "contact_id")?,
                pipeline_id: Some(col::i(r, "pipeline_id")?),
                stage_id: Some(col::i(r, "stage_id")?),
                amount: money::from_minor(col::i(r, "amount_minor")?),
                currency: col::en(r, "currency")?,
                probability: col::oi(r, "probability")?,
                expected_close_date: col::oday(r, "expected_close_date")?,
                source_id: col::oi(r, "source_id")?,
                description: col::os(r, "description")?,
            },
            status: col::en(r, "status")?,
            effective_probability: col::i(r, "effective_probability")?,
            closed_at: col::ots(r, "closed_at")?,
            loss_reason_id: col::oi(r, "loss_reason_id")?,
            loss_reason: col::os(r, "loss_reason")?,
            meta: table::meta(r)?,
        })
    }

    fn columns(d: &DealData) -> Result<Columns> {
        let minor = money::to_minor(d.amount).map_err(|e| Invalid::field("amount", e))?;
        Ok(vec![
            ("title", d.title.clone().into()),
            ("account_id", table::opt_id(d.account_id)),
            ("contact_id", table::opt_id(d.contact_id)),
            ("pipeline_id", table::opt_id(d.pipeline_id)),
            ("stage_id", table::opt_id(d.stage_id)),
            ("amount_minor", minor.into()),
            ("currency", d.currency.as_str().to_owned().into()),
            ("probability", table::opt_id(d.probability)),
            (
                "expected_close_date",
                table::opt_day(&d.expected_close_date),
            ),
            ("source_id", table::opt_id(d.source_id)),
            ("description", table::opt_string(&d.description)),
            ("search_key", fold(&d.title).into()),
        ])
    }

    fn search_doc(&self) -> Option<Doc> {
        Some(Doc {
            title: self.data.title.clone(),
            body: vec![self.data.title.clone()],
            keys: Vec::new(),
        })
    }
}

/// Resolves pipeline and stage and derives the stage-dependent columns.
/// `loss` carries the reason when the deal is being closed as lost.
async fn stage_columns(
    tx: &mut Tx,
    data: &mut DealData,
    old: Option<&Deal>,
    loss: Option<LossReason>,
) -> Result<Columns> {
    let pipeline = match data.pipeline_id {
        Some(id) => pipelines::load(tx, id)
            .await?
            .ok_or_else(|| Invalid::field("pipeline_id", msg::PIPELINE_MISSING))?,
        None => pipelines::default_pipeline(tx)
            .await?
            .ok_or_else(|| Invalid::field("pipeline_id", msg::NO_DEFAULT_PIPELINE))?,
    };
    data.pipeline_id = Some(pipeline.id);
    let stage = match data.stage_id {
        Some(id) => pipeline
            .stage(id)
            .cloned()
            .ok_or_else(|| Invalid::field("stage_id", msg::NOT_STAGE_OF_PIPELINE))?,
        None => pipeline
            .first_open_stage()
            .cloned()
            .ok_or_else(|| Invalid::field("pipeline_id", msg::PIPELINE_NO_OPEN_STAGE))?,
    };
    data.stage_id = Some(stage.id);
    let kind = stage.data.kind;
    let was = old.map(|o| o.status);
    if kind == StageKind::Won
        && was != Some(StageKind::Won)
        && pipeline.data.won_requires_paid_and_shipped
    {
        let missing = match old {
            Some(o) => crate::documents::won_blockers(tx, o.id).await?,
            None => vec![msg::DEAL_NO_INVOICE.msg()],
        };
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.iter().map(|m| m.english()).collect();
            return Err(StoreError::Conflict(
                msg::DEAL_WON_NEEDS_PAID
                    .with("missing", missing.join("; "))
                    .into_english(),
            ));
        }
    }
    let now = tx.now();
    let closed_at: Option<Timestamp> = match (kind, old) {
        (StageKind::Open, _) => None,
        (_, Some(o)) if o.status == kind => o.closed_at,
        _ => Some(now),
    };
    // Only a newly given reason must be in use; a kept one may have been deactivated since.
    let new_reason_id = loss.as_ref().and_then(|l| l.reason_id);
    let (reason_id, reason) = match kind {
        StageKind::Lost => match (loss, old) {
            (Some(l), _) => (l.reason_id, l.reason),
            (None, Some(o)) if was == Some(StageKind::Lost) => {
                (o.loss_reason_id, o.loss_reason.clone())
            }
            (None, _) => {
                return Err(Invalid::field("reason", msg::DEAL_MOVE_LOST_REASON).into());
            }
        },
        _ => (None, None),
    };
    if new_reason_id.is_some() {
        let mut errors = FieldErrors::new();
        crate::lookups::check(
            tx,
            LookupKind::LossReason,
            new_reason_id,
            "reason_id",
            &mut errors,
        )
        .await?;
        errors.finish()?;
    }
    Ok(vec![
        ("status", kind.as_str().to_owned().into()),
        (
            "effective_probability",
            effective_probability(data.probability, stage.data.probability).into(),
        ),
        ("closed_at", table::opt_ts(&closed_at)),
        ("loss_reason_id", table::opt_id(reason_id)),
        ("loss_reason", table::opt_string(&reason)),
    ])
}

async fn check_refs(
    tx: &mut Tx,
    actor: &Actor,
    data: &DealData,
    old: Option<&DealData>,
) -> Result<()> {
    let mut errors = FieldErrors::new();
    let account = table::changed_ref(data.account_id, old.map(|o| o.account_id));
    table::check_ref::<Account>(tx, actor, account, "account_id", &mut errors).await?;
    let contact = table::changed_ref(data.contact_id, old.map(|o| o.contact_id));
    let contact =
        table::check_ref::<Contact>(tx, actor, contact, "contact_id", &mut errors).await?;
    // A deal's contact speaks for the deal's account, not for another company.
    if let (Some(c), Some(account_id)) = (&contact, data.account_id)
        && c.data.account_id.is_some_and(|a| a != account_id)
    {
        errors.add("contact_id", msg::DEAL_CONTACT_ACCOUNT);
    }
    crate::lookups::check(
        tx,
        LookupKind::LeadSource,
        table::changed_ref(data.source_id, old.map(|o| o.source_id)),
        "source_id",
        &mut errors,
    )
    .await?;
    // A deal's money is in one of the company's currencies, which have rates.
    let currency_changed = old.is_none_or(|o| o.currency != data.currency);
    crate::catalog::check_currency(
        tx,
        &data.currency,
        currency_changed,
        "currency",
        &mut errors,
    )
    .await?;
    errors.finish()?;
    Ok(())
}

impl Rules for Deal {
    const OWNED: bool = true;

    fn defaults<'a>(
        tx: &'a mut Tx,
        body: &'a mut serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::company::default_currency(tx, body))
    }

    fn prepare<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        data: &'a mut DealData,
        old: Option<&'a Self>,
        _flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async move {
            check_refs(tx, actor, data, old.map(|o| &o.data)).await?;
            let mut cols = stage_columns(tx, data, old, None).await?;
            // An amount typed by hand wins over the products' sum from now on.
            if old.is_some_and(|o| o.data.amount != data.amount) {
                cols.push(("amount_from_lines", false.into()));
            }
            Ok(cols)
        })
    }

    fn after<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        record: &'a Self,
        old: Option<&'a Self>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { after_stage(tx, actor, record, old).await })
    }

    fn before_delete<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        r: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            adjust_totals(tx, Some(r), None).await?;
            let history = rollup::history(tx, r.id).await?;
            rollup::follow(tx, Some((r, &history)), None).await?;
            for sql in [
                "DELETE FROM deal_stage_history WHERE deal_id = $1",
                "DELETE FROM deal_members WHERE deal_id = $1",
                "DELETE FROM deal_competitors WHERE deal_id = $1",
                // Its products, after the roll-ups took their profit back.
                "DELETE FROM doc_lines WHERE doc_kind = 'deal' AND doc_id = $1",
            ] {
                sqlx::query(sql).bind(r.id).execute(tx.conn()).await?;
            }
            crate::related::forget(tx, EntityKind::Deal, r.id).await
        })
    }
}

/// Stage history, the customer's first win, and the loss in the customer's history.
async fn after_stage(tx: &mut Tx, actor: &Actor, deal: &Deal, old: Option<&Deal>) -> Result<()> {
    adjust_totals(tx, old, Some(deal)).await?;
    // A new deal has no history yet: no need to read it.
    let before = match old {
        Some(o) => rollup::history(tx, o.id).await?,
        None => Vec::new(),
    };
    let mut history = before.clone();
    let from = old.and_then(|o| o.data.stage_id);
    if from != deal.data.stage_id || old.is_none() {
        let minor = money::to_minor(deal.data.amount).map_err(|e| Invalid::field("amount", e))?;
        history.push(voronka_core::rollup::Move {
            at: tx.now(),
            pipeline_id: deal.data.pipeline_id.unwrap_or_default(),
            stage_id: deal.data.stage_id.unwrap_or_default(),
            currency: deal.data.currency.as_str().to_owned(),
            amount_minor: minor,
        });
        sqlx::query(
            "INSERT INTO deal_stage_history (deal_id, pipeline_id, from_stage_id, to_stage_id, amount_minor, currency, at, user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(deal.id)
        .bind(deal.data.pipeline_id)
        .bind(from)
        .bind(deal.data.stage_id)
        .bind(minor)
        .bind(deal.data.currency.as_str())
        .bind(tx.now().to_db())
        .bind(actor.user_id)
        .execute(tx.conn())
        .await?;
    }
    rollup::follow(
        tx,
        old.map(|o| (o, before.as_slice())),
        Some((deal, history.as_slice())),
    )
    .await?;
    let newly = old.is_none_or(|o| o.status != deal.status);
    if newly
        && deal.status == StageKind::Won
        && let Some(account_id) = deal.data.account_id
    {
        make_customer(tx, actor, account_id).await?;
    }
    if newly && deal.status == StageKind::Lost {
        let changes = [
            Change {
                field: "deal_id".into(),
                old: Value::Null,
                new: json!(deal.id),
            },
            Change {
                field: "deal_title".into(),
                old: Value::Null,
                new: json!(deal.data.title),
            },
            Change {
                field: "loss_reason_id".into(),
                old: Value::Null,
                new: json!(deal.loss_reason_id),
            },
            Change {
                field: "loss_reason".into(),
                old: Value::Null,
                new: json!(deal.loss_reason),
            },
        ];
        for (kind, id) in [
            (EntityKind::Account, deal.data.account_id),
            (EntityKind::Contact, deal.data.contact_id),
        ] {
            if let Some(id) = id {
                audit::record(tx, kind, id, "deal_lost", actor.user_id, &changes).await?;
            }
        }
    }
    Ok(())
}

/// A prospect becomes a customer at its first sale (a won deal or a paid invoice).
pub(crate) async fn make_customer(tx: &mut Tx, actor: &Actor, account_id: Id) -> Result<()> {
    if let Some(account) = table::load::<Account>(tx, account_id).await?
        && account.data.kind == AccountKind::Prospect
    {
        let mut data = account.data.clone();
        data.kind = AccountKind::Customer;
        table::update::<Account>(
            tx,
            actor,
            &account,
            &data,
            None,
            Vec::new(),
            "became_customer",
        )
        .await?;
    }
    Ok(())
}

/// Sets the amount a deal's products add up to, keeping the board's totals in step.
pub(crate) async fn set_amount_in(
    tx: &mut Tx,
    actor: &Actor,
    old: &Deal,
    amount: rust_decimal::Decimal,
    extra: Columns,
) -> Result<Deal> {
    let mut data = old.data.clone();
    data.amount = amount;
    let (deal, _) = table::update::<Deal>(
        tx,
        actor,
        old,
        &data,
        Some(old.meta.owner_id),
        extra,
        "products",
    )
    .await?;
    adjust_totals(tx, Some(old), Some(&deal)).await?;
    let history = rollup::history(tx, old.id).await?;
    rollup::follow(tx, Some((old, &history)), Some((&deal, &history))).await?;
    Ok(deal)
}

/// Moves a deal to a stage; a lost stage needs a reason.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveDeal {
    pub stage_id: Id,
    #[serde(default)]
    pub reason_id: Option<Id>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Reopens a closed deal, into `stage_id` or the last open stage it was in.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenDeal {
    #[serde(default)]
    pub stage_id: Option<Id>,
}

pub(crate) async fn move_in(
    tx: &mut Tx,
    actor: &Actor,
    old: &Deal,
    stage_id: Id,
    reason_id: Option<Id>,
    reason: Option<String>,
    action: &str,
) -> Result<Deal> {
    let pipeline = pipelines::load(tx, old.data.pipeline_id.unwrap_or_default())
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage = pipeline
        .stage(stage_id)
        .ok_or_else(|| Invalid::field("stage_id", msg::NOT_STAGE_OF_PIPELINE))?;
    let loss = check_loss_reason(stage.data.kind, reason_id, reason)?;
    let mut data = old.data.clone();
    data.stage_id = Some(stage_id);
    let extra = stage_columns(tx, &mut data, Some(old), loss).await?;
    let (deal, _) = table::update::<Deal>(
        tx,
        actor,
        old,
        &data,
        Some(old.meta.owner_id),
        extra,
        action,
    )
    .await?;
    after_stage(tx, actor, &deal, Some(old)).await?;
    Ok(deal)
}

pub async fn move_deal(db: &Db, actor: &Actor, id: Id, req: MoveDeal) -> Result<Deal> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = table::get::<Deal>(tx, &actor, id).await?;
            move_in(
                tx,
                &actor,
                &old,
                req.stage_id,
                req.reason_id,
                req.reason,
                "move",
            )
            .await
        })
    })
    .await
}

pub async fn close(db: &Db, actor: &Actor, id: Id, req: CloseDeal) -> Result<Deal> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = table::get::<Deal>(tx, &actor, id).await?;
            if old.status != StageKind::Open {
                return Err(StoreError::Conflict(
                    msg::DEAL_ALREADY_CLOSED
                        .with("status", old.status.as_str())
                        .into_english(),
                ));
            }
            let kind = match req.outcome {
                Outcome::Won => StageKind::Won,
                Outcome::Lost => StageKind::Lost,
            };
            let pipeline = pipelines::load(tx, old.data.pipeline_id.unwrap_or_default())
                .await?
                .ok_or(StoreError::NotFound)?;
            let stage = pipeline.first_of_kind(kind).ok_or_else(|| {
                StoreError::Conflict(
                    msg::PIPELINE_NO_STAGE_OF_KIND
                        .with("kind", kind.as_str())
                        .into_english(),
                )
            })?;
            move_in(
                tx,
                &actor,
                &old,
                stage.id,
                req.reason_id,
                req.reason,
                "close",
            )
            .await
        })
    })
    .await
}

pub async fn reopen(db: &Db, actor: &Actor, id: Id, req: ReopenDeal) -> Result<Deal> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let old = table::get::<Deal>(tx, &actor, id).await?;
            if old.status == StageKind::Open {
                return Err(StoreError::Conflict(msg::DEAL_ALREADY_OPEN.into()));
            }
            let pipeline = pipelines::load(tx, old.data.pipeline_id.unwrap_or_default())
                .await?
                .ok_or(StoreError::NotFound)?;
            let target = match req.stage_id {
                Some(s) => s,
                None => {
                    let last_open = last_open_stage(tx, old.id).await?.filter(|s| {
                        pipeline
                            .stage(*s)
                            .is_some_and(|s| s.data.kind == StageKind::Open)
                    });
                    match last_open.or_else(|| pipeline.first_open_stage().map(|s| s.id)) {
                        Some(s) => s,
                        None => {
                            return Err(StoreError::Conflict(
                                msg::PIPELINE_NO_STAGE_OF_KIND
                                    .with("kind", "open")
                                    .into_english(),
                            ));
                        }
                    }
                }
            };
            if pipeline
                .stage(target)
                .is_none_or(|s| s.data.kind != StageKind::Open)
            {
                return Err(Invalid::field("stage_id", msg::DEAL_OPEN_STAGE).into());
            }
            move_in(tx, &actor, &old, target, None, None, "reopen").await
        })
    })
    .await
}

async fn last_open_stage(tx: &mut Tx, deal_id: Id) -> Result<Option<Id>> {
    let row = sqlx::query(
        "SELECT h.to_stage_id AS stage_id FROM deal_stage_history h JOIN stages s ON s.id = h.to_stage_id \
         WHERE h.deal_id = $1 AND s.kind = 'open' ORDER BY h.id DESC LIMIT 1",
    )
    .bind(deal_id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| col::i(&r, "stage_id")).transpose()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageMove {
    pub id: Id,
    pub deal_id: Id,
    pub pipeline_id: Id,
    pub from_stage_id: Option<Id>,
    pub to_stage_id: Id,
    #[schema(value_type = String)]
    pub amount: rust_decimal::Decimal,
    pub currency: String,
    pub at: Timestamp,
    pub user_id: Option<Id>,
}

pub(crate) async fn history_in(c: &mut impl Conn, deal_id: Id) -> Result<Vec<StageMove>> {
    let rows = sqlx::query(
        "SELECT id, deal_id, pipeline_id, from_stage_id, to_stage_id, amount_minor, currency, at, user_id \
         FROM deal_stage_history WHERE deal_id = $1 ORDER BY id DESC",
    )
    .bind(deal_id)
    .fetch_all(c.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StageMove {
                id: col::i(r, "id")?,
                deal_id: col::i(r, "deal_id")?,
                pipeline_id: col::i(r, "pipeline_id")?,
                from_stage_id: col::oi(r, "from_stage_id")?,
                to_stage_id: col::i(r, "to_stage_id")?,
                amount: money::from_minor(col::i(r, "amount_minor")?),
                currency: col::s(r, "currency")?,
                at: col::ts(r, "at")?,
                user_id: col::oi(r, "user_id")?,
            })
        })
        .collect()
}

pub async fn history(db: &Db, actor: &Actor, deal_id: Id) -> Result<Vec<StageMove>> {
    let mut r = db.reader().await?;
    table::get::<Deal>(&mut r, actor, deal_id).await?;
    history_in(&mut r, deal_id).await
}

/// The deal team, replaced as a whole.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberInput {
    pub user_id: Id,
    #[serde(default)]
    pub role: String,
}

pub async fn team(db: &Db, actor: &Actor, deal_id: Id) -> Result<Vec<DealMember>> {
    let mut r = db.reader().await?;
    table::get::<Deal>(&mut r, actor, deal_id).await?;
    team_in(&mut r, deal_id).await
}

async fn team_in(c: &mut impl Conn, deal_id: Id) -> Result<Vec<DealMember>> {
    let rows = sqlx::query(
        "SELECT m.user_id, u.name, m.role FROM deal_members m JOIN users u ON u.id = m.user_id \
         WHERE m.deal_id = $1 ORDER BY u.name",
    )
    .bind(deal_id)
    .fetch_all(c.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DealMember {
                user_id: col::i(r, "user_id")?,
                name: col::s(r, "name")?,
                role: col::s(r, "role")?,
            })
        })
        .collect()
}

pub async fn set_team(
    db: &Db,
    actor: &Actor,
    deal_id: Id,
    members: Vec<TeamMemberInput>,
) -> Result<Vec<DealMember>> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            table::get::<Deal>(tx, &actor, deal_id).await?;
            let before = team_in(tx, deal_id).await?;
            let mut errors = FieldErrors::new();
            for (i, m) in members.iter().enumerate() {
                let exists = sqlx::query("SELECT id FROM users WHERE id = $1 AND active = $2")
                    .bind(m.user_id)
                    .bind(true)
                    .fetch_optional(tx.conn())
                    .await?;
                if exists.is_none() {
                    errors.add(format!("[{i}].user_id"), msg::USER_INACTIVE);
                }
                if m.role.trim().chars().count() > 100 {
                    errors.add(format!("[{i}].role"), msg::TOO_LONG.with("max", 100));
                }
                if members[..i].iter().any(|o| o.user_id == m.user_id) {
                    errors.add(format!("[{i}].user_id"), msg::LISTED_TWICE);
                }
            }
            errors.finish()?;
            sqlx::query("DELETE FROM deal_members WHERE deal_id = $1")
                .bind(deal_id)
                .execute(tx.conn())
                .await?;
            for m in &members {
                sqlx::query(
                    "INSERT INTO deal_members (deal_id, user_id, role) VALUES ($1, $2, $3)",
                )
                .bind(deal_id)
                .bind(m.user_id)
                .bind(m.role.trim())
                .execute(tx.conn())
                .await?;
            }
            let after = team_in(tx, deal_id).await?;
            audit_list(tx, &actor, deal_id, "team", &before, &after).await?;
            Ok(after)
        })
    })
    .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealCompetitorInput {
    pub competitor_id: Id,
    #[serde(default = "active")]
    pub status: CompetitorStatus,
}

fn active() -> CompetitorStatus {
    CompetitorStatus::Active
}

pub async fn competitors(db: &Db, actor: &Actor, deal_id: Id) -> Result<Vec<DealCompetitor>> {
    let mut r = db.reader().await?;
    table::get::<Deal>(&mut r, actor, deal_id).await?;
    competitors_in(&mut r, deal_id).await
}

async fn competitors_in(c: &mut impl Conn, deal_id: Id) -> Result<Vec<DealCompetitor>> {
    let rows = sqlx::query(
        "SELECT dc.competitor_id, c.name, dc.status FROM deal_competitors dc JOIN competitors c ON c.id = dc.competitor_id \
         WHERE dc.deal_id = $1 ORDER BY c.name",
    )
    .bind(deal_id)
    .fetch_all(c.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DealCompetitor {
                competitor_id: col::i(r, "competitor_id")?,
                name: col::s(r, "name")?,
                status: col::en(r, "status")?,
            })
        })
        .collect()
}

pub async fn set_competitors(
    db: &Db,
    actor: &Actor,
    deal_id: Id,
    items: Vec<DealCompetitorInput>,
) -> Result<Vec<DealCompetitor>> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            table::get::<Deal>(tx, &actor, deal_id).await?;
            let before = competitors_in(tx, deal_id).await?;
            let mut errors = FieldErrors::new();
            for (i, item) in items.iter().enumerate() {
                let exists = sqlx::query("SELECT id FROM competitors WHERE id = $1")
                    .bind(item.competitor_id)
                    .fetch_optional(tx.conn())
                    .await?;
                if exists.is_none() {
                    errors.add(format!("[{i}].competitor_id"), msg::COMPETITOR_MISSING);
                }
                if items[..i].iter().any(|o| o.competitor_id == item.competitor_id) {
                    errors.add(format!("[{i}].competitor_id"), msg::LISTED_TWICE);
                }
            }
            errors.finish()?;
            sqlx::query("DELETE FROM deal_competitors WHERE deal_id = $1").bind(deal_id).execute(tx.conn()).await?;
            for item in &items {
                sqlx::query("INSERT INTO deal_competitors (deal_id, competitor_id, status) VALUES ($1, $2, $3)")
                    .bind(deal_id)
                    .bind(item.competitor_id)
                    .bind(item.status.as_str())
                    .execute(tx.conn())
                    .await?;
            }
            let after = competitors_in(tx, deal_id).await?;
            audit_list(tx, &actor, deal_id, "competitors", &before, &after).await?;
            Ok(after)
        })
    })
    .await
}

/// Records in the deal's history a list replaced as a whole (the team, the
/// competitors), when it changed: one entry with the list before and after.
async fn audit_list<T: Serialize>(
    tx: &mut Tx,
    actor: &Actor,
    deal_id: Id,
    field: &str,
    before: &T,
    after: &T,
) -> Result<()> {
    let change = Change {
        field: field.into(),
        old: table::to_json(before),
        new: table::to_json(after),
    };
    if change.old != change.new {
        audit::record(
            tx,
            EntityKind::Deal,
            deal_id,
            field,
            actor.user_id,
            &[change],
        )
        .await?;
    }
    Ok(())
}

/// Count and sum of the deals in each stage of a pipeline that the actor
/// sees, optionally of one owner: the board's column headers and the funnel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageTotal {
    pub stage_id: Id,
    pub deals: i64,
    #[schema(value_type = String)]
    pub amount: rust_decimal::Decimal,
}

/// Keeps `deal_totals` in step with a deal's change, in the same transaction:
/// the old (stage, owner, currency) loses the deal, its amount and its own
/// probability, the new one gains them.
async fn adjust_totals(tx: &mut Tx, old: Option<&Deal>, new: Option<&Deal>) -> Result<()> {
    let key = |d: &Deal| -> Result<((Id, Id, String), Measures)> {
        let minor = money::to_minor(d.data.amount).map_err(|e| Invalid::field("amount", e))?;
        Ok((
            (
                d.data.stage_id.unwrap_or_default(),
                d.meta.owner_id,
                d.data.currency.as_str().to_owned(),
            ),
            Measures {
                deals: 1,
                amount_minor: minor,
                probability_sum: d.data.probability.unwrap_or(0),
                probability_n: i64::from(d.data.probability.is_some()),
            },
        ))
    };
    let before = old.map(key).transpose()?;
    let after = new.map(key).transpose()?;
    if before == after {
        return Ok(());
    }
    // Each row's change, the rows in key order: two moves between the same
    // stages in opposite directions would otherwise lock the two rows in
    // opposite orders and deadlock on PostgreSQL.
    let mut rows: BTreeMap<(Id, Id, String), Measures> = BTreeMap::new();
    for (sign, k) in [(-1i64, before), (1, after)] {
        if let Some((at, m)) = k {
            rows.entry(at).or_default().add(sign, &m);
        }
    }
    for ((stage, owner, currency), m) in rows {
        sqlx::query(
            "INSERT INTO deal_totals (stage_id, owner_id, currency, deals, amount_minor, probability_sum, probability_n) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (stage_id, owner_id, currency) DO UPDATE SET \
             deals = deal_totals.deals + excluded.deals, amount_minor = deal_totals.amount_minor + excluded.amount_minor, \
             probability_sum = deal_totals.probability_sum + excluded.probability_sum, \
             probability_n = deal_totals.probability_n + excluded.probability_n",
        )
        .bind(stage)
        .bind(owner)
        .bind(currency)
        .bind(m.deals)
        .bind(m.amount_minor)
        .bind(m.probability_sum)
        .bind(m.probability_n)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// What one row of `deal_totals` adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Measures {
    deals: i64,
    amount_minor: i64,
    probability_sum: i64,
    probability_n: i64,
}

impl Measures {
    fn add(&mut self, sign: i64, m: &Measures) {
        self.deals += sign * m.deals;
        self.amount_minor += sign * m.amount_minor;
        self.probability_sum += sign * m.probability_sum;
        self.probability_n += sign * m.probability_n;
    }
}

/// Recounts `deal_totals` from the deals themselves (after bulk loads).
pub async fn rebuild_totals(db: &Db) -> Result<()> {
    db.write(|tx| {
        boxed(async move {
            sqlx::query("DELETE FROM deal_totals")
                .execute(tx.conn())
                .await?;
            sqlx::query(
                "INSERT INTO deal_totals (stage_id, owner_id, currency, deals, amount_minor, probability_sum, probability_n) \
                 SELECT stage_id, owner_id, currency, COUNT(*), SUM(amount_minor), COALESCE(SUM(probability), 0), COUNT(probability) \
                 FROM deals GROUP BY stage_id, owner_id, currency",
            )
            .execute(tx.conn())
            .await?;
            Ok(())
        })
    })
    .await
}

/// A pipeline's stages with their deals and sum: counts include every
/// currency, the sums only the company's own (one currency cannot be added
/// to another without a rate, and the board has no rate to pick).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageTotals {
    #[schema(value_type = String)]
    pub currency: money::Currency,
    pub stages: Vec<StageTotal>,
}

/// Deals and their sum per stage of a pipeline, of the owners the actor
/// sees, or of one owner: read from `deal_totals`, never by scanning the
/// deals.
pub async fn stage_totals(
    db: &Db,
    actor: &Actor,
    pipeline_id: Id,
    owner: Option<Id>,
) -> Result<StageTotals> {
    let mut c = db.reader().await?;
    let currency = crate::company::base_currency(&mut c).await?;
    let mut sql = String::from(
        "SELECT t.stage_id, CAST(SUM(t.deals) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN t.currency = $2 THEN t.amount_minor ELSE 0 END), 0) AS BIGINT) AS total \
         FROM deal_totals t JOIN stages s ON s.id = t.stage_id WHERE s.pipeline_id = $1",
    );
    // Owner ids are integers from our own database, not user input.
    let mut owners: Option<Vec<Id>> = actor.visible_owners.clone();
    if let Some(o) = owner {
        owners = Some(match owners {
            Some(list) if !list.contains(&o) => Vec::new(),
            _ => vec![o],
        });
    }
    if let Some(list) = &owners {
        if list.is_empty() {
            return Ok(StageTotals {
                currency,
                stages: Vec::new(),
            });
        }
        let ids: Vec<String> = list.iter().map(|o| o.to_string()).collect();
        sql.push_str(&format!(" AND t.owner_id IN ({})", ids.join(",")));
    }
    sql.push_str(" GROUP BY t.stage_id");
    let rows = sqlx::query(&sql)
        .bind(pipeline_id)
        .bind(currency.as_str())
        .fetch_all(c.conn())
        .await?;
    let stages = rows
        .iter()
        .map(|r| {
            Ok(StageTotal {
                stage_id: col::i(r, "stage_id")?,
                deals: col::i(r, "n")?,
                amount: money::from_minor(col::i(r, "total")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StageTotals { currency, stages })
}
