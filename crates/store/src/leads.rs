use crate::actor::Actor;
use crate::audit;
use crate::db::{Db, Tx, boxed, col};
use crate::error::{Result, StoreError};
use crate::list::{FieldType::*, ListSpec, field, fold};
use crate::rules::{self, Flags, Rules};
use crate::search::{self, Doc};
use crate::table::{self, Columns, Table};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use voronka_core::money::Currency;
use voronka_core::msg;
use voronka_core::records::{Account, Contact, Deal, EntityKind, Id, Lead, LeadData, LeadStatus};
use voronka_core::{FieldErrors, Invalid};

impl Table for Lead {
    const KIND: EntityKind = EntityKind::Lead;
    const SPEC: ListSpec = ListSpec {
        table: "leads",
        fields: &[
            field("id", Id, false),
            field("first_name", Text, true),
            field("last_name", Text, true),
            field("company", Text, true),
            field("title", Text, true),
            field("source_id", Id, true),
            field("status", Enum, false),
            field("owner_id", Id, false),
            field("created_at", Timestamp, false),
            field("updated_at", Timestamp, false),
            field("converted_at", Timestamp, true),
        ],
        searchable: true,
        owned: true,
    };
    type Data = LeadData;

    fn id(&self) -> Id {
        self.id
    }
    fn data(&self) -> &LeadData {
        &self.data
    }
    fn owner_id(&self) -> Option<Id> {
        Some(self.meta.owner_id)
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Lead {
            id: col::i(r, "id")?,
            data: LeadData {
                first_name: col::os(r, "first_name")?,
                middle_name: col::os(r, "middle_name")?,
                last_name: col::os(r, "last_name")?,
                company: col::os(r, "company")?,
                title: col::os(r, "title")?,
                phones: col::list(r, "phones")?,
                emails: col::list(r, "emails")?,
                website: col::os(r, "website")?,
                address: col::os(r, "address")?,
                source_id: col::oi(r, "source_id")?,
                status: col::en(r, "status")?,
                disqualify_reason: col::os(r, "disqualify_reason")?,
                description: col::os(r, "description")?,
            },
            converted_account_id: col::oi(r, "converted_account_id")?,
            converted_contact_id: col::oi(r, "converted_contact_id")?,
            converted_deal_id: col::oi(r, "converted_deal_id")?,
            converted_at: col::ots(r, "converted_at")?,
            meta: table::meta(r)?,
        })
    }

    fn columns(d: &LeadData) -> Result<Columns> {
        let name = voronka_core::text::full_name(
            d.last_name.as_deref(),
            d.first_name.as_deref(),
            d.middle_name.as_deref(),
        );
        Ok(vec![
            ("first_name", table::opt_string(&d.first_name)),
            ("middle_name", table::opt_string(&d.middle_name)),
            ("last_name", table::opt_string(&d.last_name)),
            ("company", table::opt_string(&d.company)),
            ("title", table::opt_string(&d.title)),
            ("phones", table::json_list(&d.phones)),
            ("emails", table::json_list(&d.emails)),
            ("website", table::opt_string(&d.website)),
            ("address", table::opt_string(&d.address)),
            ("source_id", table::opt_id(d.source_id)),
            ("status", table::enum_value(&d.status)),
            ("disqualify_reason", table::opt_string(&d.disqualify_reason)),
            ("description", table::opt_string(&d.description)),
            (
                "search_key",
                fold(&format!(
                    "{name} {} {}",
                    d.company.as_deref().unwrap_or(""),
                    d.emails.join(" ")
                ))
                .into(),
            ),
        ])
    }

    fn search_doc(&self) -> Option<Doc> {
        Some(lead_doc(&self.data, self.display_name()))
    }
}

fn lead_doc(d: &LeadData, title: String) -> Doc {
    Doc::new(title)
        .text(d.last_name.as_deref())
        .text(d.first_name.as_deref())
        .text(d.middle_name.as_deref())
        .company(d.company.as_deref())
        .phones(&d.phones)
        .emails(&d.emails)
}

impl Rules for Lead {
    const OWNED: bool = true;

    fn prepare<'a>(
        tx: &'a mut Tx,
        actor: &'a Actor,
        data: &'a mut LeadData,
        old: Option<&'a Self>,
        flags: Flags,
    ) -> BoxFuture<'a, Result<Columns>> {
        Box::pin(async move {
            if old.is_none() {
                data.check_new()?;
                if !flags.force {
                    let doc = lead_doc(data, String::new());
                    let found = search::duplicates(tx, actor, &doc.keys, None).await?;
                    if !found.is_empty() {
                        return Err(StoreError::Duplicates(found));
                    }
                }
            }
            let mut errors = FieldErrors::new();
            crate::lookups::check(
                tx,
                voronka_core::records::LookupKind::LeadSource,
                table::changed_ref(data.source_id, old.map(|o| o.data.source_id)),
                "source_id",
                &mut errors,
            )
            .await?;
            errors.finish()?;
            Ok(Vec::new())
        })
    }

    fn before_delete<'a>(
        tx: &'a mut Tx,
        _actor: &'a Actor,
        r: &'a Self,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { crate::related::forget(tx, EntityKind::Lead, r.id).await })
    }
}

/// How to convert a lead. Everything is optional: by default an account is
/// made from the lead's company and a contact from the person.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertLead {
    /// Link this existing account instead of creating one.
    #[serde(default)]
    pub account_id: Option<Id>,
    /// Fields for the new account, over the ones taken from the lead.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub account: Option<Map<String, Value>>,
    /// Link this existing contact instead of creating one.
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// Fields for the new contact, over the ones taken from the lead.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub contact: Option<Map<String, Value>>,
    /// `false`: make no contact of the lead's person (default `true`).
    #[serde(default = "yes")]
    pub create_contact: bool,
    /// Create a deal too.
    #[serde(default)]
    pub deal: Option<ConvertDeal>,
    /// Go ahead although the new account or contact looks like an existing one.
    #[serde(default)]
    pub force: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertDeal {
    #[serde(default)]
    pub title: Option<String>,
    /// Defaults to the default pipeline; the deal starts in its first stage.
    #[serde(default)]
    pub pipeline_id: Option<Id>,
    #[serde(default)]
    #[schema(value_type = String, example = "250000.00")]
    pub amount: Decimal,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub expected_close_date: Option<voronka_core::Day>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Conversion {
    pub lead: Lead,
    pub account: Option<Account>,
    pub contact: Option<Contact>,
    pub deal: Option<Deal>,
}

fn prefixed(prefix: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(Invalid(fields)) => {
            let mut out = FieldErrors::new();
            for (k, v) in fields.into_messages() {
                out.add(format!("{prefix}.{k}"), v);
            }
            StoreError::Invalid(Invalid(out))
        }
        e => e,
    }
}

fn put_default(body: &mut Map<String, Value>, key: &str, value: Value) {
    if !value.is_null() && value != json!([]) {
        body.entry(key.to_owned()).or_insert(value);
    }
}

/// Qualifies a lead: account, contact and optionally a deal, all or nothing.
pub async fn convert(db: &Db, actor: &Actor, id: Id, req: ConvertLead) -> Result<Conversion> {
    let actor = actor.clone();
    db.write(move |tx| {
        boxed(async move {
            let lead = table::get::<Lead>(tx, &actor, id).await?;
            if lead.data.status == LeadStatus::Converted {
                return Err(StoreError::Conflict(msg::LEAD_ALREADY_CONVERTED.into()));
            }
            if lead.data.status == LeadStatus::Disqualified {
                return Err(StoreError::Conflict(msg::LEAD_DISQUALIFIED.into()));
            }
            let d = &lead.data;
            let owner = json!(lead.meta.owner_id);

            // Account: linked, or built from the lead's company.
            let mut errors = FieldErrors::new();
            let linked_account =
                table::check_ref::<Account>(tx, &actor, req.account_id, "account_id", &mut errors)
                    .await?;
            let linked_contact =
                table::check_ref::<Contact>(tx, &actor, req.contact_id, "contact_id", &mut errors)
                    .await?;
            errors.finish()?;

            let account_body = if linked_account.is_some() {
                None
            } else if req.account.is_some() || d.company.is_some() {
                let mut b = req.account.clone().unwrap_or_default();
                put_default(&mut b, "name", json!(d.company));
                put_default(&mut b, "phones", json!(d.phones));
                put_default(&mut b, "emails", json!(d.emails));
                put_default(&mut b, "website", json!(d.website));
                put_default(&mut b, "actual_address", json!(d.address));
                b.insert("owner_id".into(), owner.clone());
                Some(b)
            } else {
                None
            };
            let has_person = d.first_name.is_some() || d.last_name.is_some();
            let contact_body = if linked_contact.is_some() {
                None
            } else if req.create_contact && (req.contact.is_some() || has_person) {
                let mut b = req.contact.clone().unwrap_or_default();
                put_default(&mut b, "first_name", json!(d.first_name));
                put_default(&mut b, "middle_name", json!(d.middle_name));
                put_default(&mut b, "last_name", json!(d.last_name));
                put_default(&mut b, "position", json!(d.title));
                put_default(&mut b, "phones", json!(d.phones));
                put_default(&mut b, "emails", json!(d.emails));
                b.insert("owner_id".into(), owner.clone());
                Some(b)
            } else {
                None
            };
            if linked_account.is_none()
                && account_body.is_none()
                && linked_contact.is_none()
                && contact_body.is_none()
            {
                return Err(Invalid::field("account", msg::LEAD_NOTHING_TO_CONVERT).into());
            }

            if !req.force {
                let mut keys = Vec::new();
                if let Some(b) = &account_body {
                    let a: voronka_core::records::AccountData =
                        table::parse(Value::Object(strip_owner(b)))
                            .map_err(|e| prefixed("account", e.into()))?;
                    keys.extend(
                        Doc::new(String::new())
                            .company(Some(&a.name))
                            .inn(a.inn.as_deref())
                            .keys,
                    );
                }
                if contact_body.is_some() || account_body.is_some() {
                    keys.extend(
                        lead_doc(d, String::new())
                            .keys
                            .into_iter()
                            .filter(|(k, _)| *k != "company" || account_body.is_some()),
                    );
                }
                let found =
                    search::duplicates(tx, &actor, &keys, Some((EntityKind::Lead, lead.id)))
                        .await?;
                if !found.is_empty() {
                    return Err(StoreError::Duplicates(found));
                }
            }

            let account = match account_body {
                Some(b) => Some(
                    rules::create_in::<Account>(tx, &actor, Value::Object(b))
                        .await
                        .map_err(|e| prefixed("account", e))?,
                ),
                None => linked_account,
            };
            let contact = match contact_body {
                Some(mut b) => {
                    if let Some(a) = &account {
                        b.entry("account_id").or_insert(json!(a.id));
                    }
                    Some(
                        rules::create_in::<Contact>(tx, &actor, Value::Object(b))
                            .await
                            .map_err(|e| prefixed("contact", e))?,
                    )
                }
                None => linked_contact,
            };
            let deal = match &req.deal {
                Some(spec) => {
                    let title = crate::text_or(spec.title.clone(), lead.display_name());
                    let body = json!({
                        "title": title,
                        "account_id": account.as_ref().map(|a| a.id),
                        "contact_id": contact.as_ref().map(|c| c.id),
                        "pipeline_id": spec.pipeline_id,
                        "amount": spec.amount.to_string(),
                        // None: the company's own (`Rules::defaults`).
                        "currency": spec.currency,
                        "expected_close_date": spec.expected_close_date,
                        "source_id": d.source_id,
                        "owner_id": lead.meta.owner_id,
                    });
                    Some(
                        rules::create_in::<Deal>(tx, &actor, body)
                            .await
                            .map_err(|e| prefixed("deal", e))?,
                    )
                }
                None => None,
            };

            let mut data = lead.data.clone();
            data.status = LeadStatus::Converted;
            let extra: Columns = vec![
                (
                    "converted_account_id",
                    table::opt_id(account.as_ref().map(|a| a.id)),
                ),
                (
                    "converted_contact_id",
                    table::opt_id(contact.as_ref().map(|c| c.id)),
                ),
                (
                    "converted_deal_id",
                    table::opt_id(deal.as_ref().map(|x| x.id)),
                ),
                ("converted_at", tx.now().to_db().into()),
            ];
            let (lead, _) =
                table::update::<Lead>(tx, &actor, &lead, &data, None, extra, "convert").await?;
            let from = [audit::Change {
                field: "lead_id".into(),
                old: Value::Null,
                new: json!(lead.id),
            }];
            for (kind, id) in [
                (EntityKind::Account, account.as_ref().map(|a| a.id)),
                (EntityKind::Contact, contact.as_ref().map(|c| c.id)),
                (EntityKind::Deal, deal.as_ref().map(|x| x.id)),
            ] {
                if let Some(id) = id {
                    audit::record(tx, kind, id, "converted_from_lead", actor.user_id, &from)
                        .await?;
                }
            }
            Ok(Conversion {
                lead,
                account,
                contact,
                deal,
            })
        })
    })
    .await
}

fn strip_owner(b: &Map<String, Value>) -> Map<String, Value> {
    let mut b = b.clone();
    b.remove("owner_id");
    b
}
