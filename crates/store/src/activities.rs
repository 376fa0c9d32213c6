use crate::actor::Actor;
use crate::db::{Conn, Tx, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, field};
use crate::rules::{Flags, Rules};
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use sqlx::any::AnyRow;
use voronka_core::msg;
use voronka_core::records::{Account, Activity, ActivityData, Contact, Deal, EntityKind, Id, Lead};
use voronka_core::{Invalid, Timestamp};

impl Table for Activity {
    const KIND: EntityKind = EntityKind::Activity;
    const SPEC: ListSpec = ListSpec {
        table: "activities",
        fields: &[
            field("id", Id, false),
            field("kind", Enum, false),
            field("subject", Text, false),
            field("status", Enum, false),
            field("related_type", Enum, false),
            field("related_id", Id, false),
            field("start_at", Timestamp, true),
            field("end_at", Timestamp, true),
            field("due_at", Timestamp, true),
            field("priority", Enum, true),
            field("channel", Enum, true),
            field("reminder_at", Timestamp, true),
            field("completed_at", Timestamp, true),
            field("owner_id", Id, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
        ],
        searchable: false,
        owned: true,
    };
    type Data = ActivityData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &ActivityData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        Some(self.meta.owner_id)
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Activity {
            id: col::i(r, "id")?,
            data: ActivityData {
                kind: col::en(r, "kind")?,
                subject: col::s(r, "subject")?,
                description: col::os(r, "description")?,
                status: Some(col::en(r, "status")?),
                related_type: col::en(r, "related_type")?,
                related_id: col::i(r, "related_id")?,
                start_at: col::ots(r, "start_at")?,
                end_at: col::ots(r, "end_at")?,
                all_day: col::b(r, "all_day")?,
                location: col::os(r, "location")?,
                due_at: col::ots(r, "due_at")?,
                priority: col::oen(r, "priority")?,
                channel: col::oen(r, "channel")?,
                direction: col::oen(r, "direction")?,
                outcome: col::os(r, "outcome")?,
                reminder_at: col::ots(r, "reminder_at")?,
            },
            completed_at: col::ots(r, "completed_at")?,
            meta: table::meta(r)?,
        })
    }

    fn columns(d: &ActivityData) -> Result<Columns> {
        Ok(vec![
            ("kind", table::enum_value(&d.kind)),
            ("subject", d.subject.clone().into()),
            ("description", table::opt_string(&d.description)),
            ("status", table::enum_value(&d.status())),
            ("related_type", table::enum_value(&d.related_type)),
            ("related_id", d.related_id.into()),
            ("start_at", table::opt_ts(&d.start_at)),
            ("end_at", table::opt_ts(&d.end_at)),
            ("all_day", d.all_day.into()),
            ("location", table::opt_string(&d.location)),
            ("due_at", table::opt_ts(&d.due_at)),
            ("priority", table::opt_enum(&d.priority)),
            ("channel", table::opt_enum(&d.channel)),
            ("direction", table::opt_enum(&d.direction)),
            ("outcome", table::opt_string(&d.outcome)),
            ("reminder_at", table::opt_ts(&d.reminder_at)),
        ])
    }
}

/// The record an activity or note is about must exist and be visible.
pub(crate) async fn check_related(
    c: &mut impl Conn,
    actor: &Actor,
    kind: EntityKind,
    id: Id,
) -> Result<()> {
    let found = match kind {
        EntityKind::Lead => table::get::<Lead>(c, actor, id).await.map(|_| ()),
        EntityKind::Account => table::get::<Account>(c, actor, id).await.map(|_| ()),
        EntityKind::Contact => table::get::<Contact>(c, actor, id).await.map(|_| ()),
        EntityKind::Deal => table::get::<Deal>(c, actor, id).await.map(|_| ()),
        _ => Err(StoreError::NotFound),
    };
    match found {
        Err(StoreError::NotFound) => Err(Invalid::field("related_id", msg::RECORD_MISSING).into()),
        other => other,
    }
}

impl Rules for Activity {
    const OWNED: bool = true;

    fn prepare<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        data: &'a mut ActivityData,
        old: Option<&'a Self>,
        _flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async move {
            let target = (data.related_type, data.related_id);
            if old.is_none_or(|o| (o.data.related_type, o.data.related_id) != target) {
                check_related(tx, actor, target.0, target.1).await?;
            }
            let closed = data.status().is_closed();
            let completed_at: Option<Timestamp> = match old {
                _ if !closed => None,
                Some(o) if o.data.status().is_closed() => o.completed_at,
                _ => Some(tx.now()),
            };
            Ok(vec![("completed_at", table::opt_ts(&completed_at))])
        })
    }

    fn after<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        record: &'a Self,
        old: Option<&'a Self>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::rollup::follow_activity(tx, old, Some(record)))
    }

    fn before_delete<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        record: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::rollup::follow_activity(tx, Some(record), None))
    }
}

/// The next open activity date of each of the given records (board cards show it).
pub async fn next_dates(
    db: &crate::db::Db,
    kind: EntityKind,
    ids: &[Id],
) -> Result<std::collections::HashMap<Id, Timestamp>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut c = db.reader().await?;
    // The ids are integers from our own database, not user input.
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let sql = format!(
        "SELECT related_id, MIN(COALESCE(due_at, start_at)) AS next FROM activities \
         WHERE related_type = $1 AND related_id IN ({}) AND status NOT IN ('held', 'not_held', 'completed') \
         AND COALESCE(due_at, start_at) IS NOT NULL GROUP BY related_id",
        list.join(",")
    );
    for r in sqlx::query(&sql)
        .bind(kind.as_str())
        .fetch_all(c.conn())
        .await?
    {
        if let Some(t) = col::ots(&r, "next")? {
            out.insert(col::i(&r, "related_id")?, t);
        }
    }
    Ok(out)
}
