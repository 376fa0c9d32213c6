use crate::actor::Actor;
use crate::db::{Tx, col};
use crate::error::Result;
use crate::list::{FieldType::*, ListSpec, field, fold};
use crate::rules::{Flags, Rules, refuse_if_referenced};
use crate::search::Doc;
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use sqlx::any::AnyRow;
use voronka_core::FieldErrors;
use voronka_core::msg;
use voronka_core::records::{Account, Contact, ContactData, EntityKind, Id};

impl Table for Contact {
    const KIND: EntityKind = EntityKind::Contact;
    const SPEC: ListSpec = ListSpec {
        table: "contacts",
        fields: &[
            field("id", Id, false),
            field("first_name", Text, true),
            field("last_name", Text, true),
            field("account_id", Id, true),
            field("position", Text, true),
            field("birthday", Day, true),
            field("owner_id", Id, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
        ],
        searchable: true,
        owned: true,
    };
    type Data = ContactData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &ContactData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        Some(self.meta.owner_id)
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Contact {
            id: col::i(r, "id")?,
            data: ContactData {
                first_name: col::os(r, "first_name")?,
                middle_name: col::os(r, "middle_name")?,
                last_name: col::os(r, "last_name")?,
                account_id: col::oi(r, "account_id")?,
                position: col::os(r, "position")?,
                phones: col::list(r, "phones")?,
                emails: col::list(r, "emails")?,
                birthday: col::oday(r, "birthday")?,
                description: col::os(r, "description")?,
            },
            meta: table::meta(r)?,
        })
    }

    fn columns(d: &ContactData) -> Result<Columns> {
        let name = voronka_core::text::full_name(
            d.last_name.as_deref(),
            d.first_name.as_deref(),
            d.middle_name.as_deref(),
        );
        Ok(vec![
            ("first_name", table::opt_string(&d.first_name)),
            ("middle_name", table::opt_string(&d.middle_name)),
            ("last_name", table::opt_string(&d.last_name)),
            ("account_id", table::opt_id(d.account_id)),
            ("position", table::opt_string(&d.position)),
            ("phones", table::json_list(&d.phones)),
            ("emails", table::json_list(&d.emails)),
            ("birthday", table::opt_day(&d.birthday)),
            ("description", table::opt_string(&d.description)),
            (
                "search_key",
                fold(&format!("{name} {}", d.emails.join(" "))).into(),
            ),
        ])
    }

    fn search_doc(&self) -> Option<Doc> {
        let d = &self.data;
        Some(
            Doc::new(self.display_name())
                .text(d.last_name.as_deref())
                .text(d.first_name.as_deref())
                .text(d.middle_name.as_deref())
                .text(d.position.as_deref())
                .phones(&d.phones)
                .emails(&d.emails),
        )
    }
}

impl Rules for Contact {
    const OWNED: bool = true;

    fn prepare<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        data: &'a mut ContactData,
        old: Option<&'a Self>,
        _flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async move {
            let mut errors = FieldErrors::new();
            let account = table::changed_ref(data.account_id, old.map(|o| o.data.account_id));
            table::check_ref::<Account>(tx, actor, account, "account_id", &mut errors).await?;
            errors.finish()?;
            Ok(Vec::new())
        })
    }

    fn before_delete<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        r: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM deals WHERE contact_id = $1",
                r.id,
                msg::CONTACT_HAS_DEALS.english(),
            )
            .await?;
            crate::related::forget(tx, EntityKind::Contact, r.id).await
        })
    }
}
