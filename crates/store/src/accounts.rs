use crate::actor::Actor;
use crate::db::{Tx, col};
use crate::error::Result;
use crate::list::{FieldType::*, ListSpec, field, fold, money_field};
use crate::rules::{Rules, refuse_if_referenced};
use crate::search::Doc;
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use sqlx::any::AnyRow;
use voronka_core::money;
use voronka_core::msg;
use voronka_core::records::{Account, AccountData, EntityKind, Id};

impl Table for Account {
    const KIND: EntityKind = EntityKind::Account;
    const SPEC: ListSpec = ListSpec {
        table: "accounts",
        fields: &[
            field("id", Id, false),
            field("name", Text, false),
            field("kind", Enum, false),
            field("inn", Text, true),
            field("kpp", Text, true),
            field("industry", Text, true),
            field("territory", Text, true),
            money_field("credit_limit", "credit_limit_minor", true),
            field("owner_id", Id, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
        ],
        searchable: true,
        owned: true,
    };
    type Data = AccountData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &AccountData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        Some(self.meta.owner_id)
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Account {
            id: col::i(r, "id")?,
            data: AccountData {
                name: col::s(r, "name")?,
                kind: col::en(r, "kind")?,
                inn: col::os(r, "inn")?,
                kpp: col::os(r, "kpp")?,
                ogrn: col::os(r, "ogrn")?,
                legal_address: col::os(r, "legal_address")?,
                actual_address: col::os(r, "actual_address")?,
                bank_name: col::os(r, "bank_name")?,
                bic: col::os(r, "bic")?,
                settlement_account: col::os(r, "settlement_account")?,
                correspondent_account: col::os(r, "correspondent_account")?,
                industry: col::os(r, "industry")?,
                territory: col::os(r, "territory")?,
                phones: col::list(r, "phones")?,
                emails: col::list(r, "emails")?,
                website: col::os(r, "website")?,
                credit_limit: col::oi(r, "credit_limit_minor")?.map(money::from_minor),
                description: col::os(r, "description")?,
            },
            meta: table::meta(r)?,
        })
    }

    fn columns(d: &AccountData) -> Result<Columns> {
        let limit = match d.credit_limit {
            Some(l) => Some(
                money::to_minor(l).map_err(|e| voronka_core::Invalid::field("credit_limit", e))?,
            ),
            None => None,
        };
        Ok(vec![
            ("name", d.name.clone().into()),
            ("kind", table::enum_value(&d.kind)),
            ("inn", table::opt_string(&d.inn)),
            ("kpp", table::opt_string(&d.kpp)),
            ("ogrn", table::opt_string(&d.ogrn)),
            ("legal_address", table::opt_string(&d.legal_address)),
            ("actual_address", table::opt_string(&d.actual_address)),
            ("bank_name", table::opt_string(&d.bank_name)),
            ("bic", table::opt_string(&d.bic)),
            (
                "settlement_account",
                table::opt_string(&d.settlement_account),
            ),
            (
                "correspondent_account",
                table::opt_string(&d.correspondent_account),
            ),
            ("industry", table::opt_string(&d.industry)),
            ("territory", table::opt_string(&d.territory)),
            ("phones", table::json_list(&d.phones)),
            ("emails", table::json_list(&d.emails)),
            ("website", table::opt_string(&d.website)),
            ("credit_limit_minor", table::opt_id(limit)),
            ("description", table::opt_string(&d.description)),
            (
                "search_key",
                fold(&format!("{} {}", d.name, d.inn.as_deref().unwrap_or(""))).into(),
            ),
        ])
    }

    fn search_doc(&self) -> Option<Doc> {
        let d = &self.data;
        Some(
            Doc::new(d.name.clone())
                .company(Some(&d.name))
                .inn(d.inn.as_deref())
                .phones(&d.phones)
                .emails(&d.emails)
                .text(d.website.as_deref()),
        )
    }
}

impl Rules for Account {
    const OWNED: bool = true;

    fn after<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        record: &'a Self,
        old: Option<&'a Self>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // The opportunity analysis keys deals by their customer's place.
            if let Some(old) = old
                && (old.data.territory != record.data.territory
                    || old.data.industry != record.data.industry)
            {
                let before = (old.data.territory.clone(), old.data.industry.clone());
                crate::rollup::follow_account(tx, record.id, &before).await?;
            }
            Ok(())
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
                "SELECT COUNT(*) FROM deals WHERE account_id = $1",
                r.id,
                msg::ACCOUNT_HAS_DEALS.english(),
            )
            .await?;
            refuse_if_referenced(
                tx,
                "SELECT COUNT(*) FROM contacts WHERE account_id = $1",
                r.id,
                msg::ACCOUNT_HAS_CONTACTS.english(),
            )
            .await?;
            crate::related::forget(tx, EntityKind::Account, r.id).await
        })
    }
}
