use super::{Check, Id, LegalDetails, Meta, RecordData};
use crate::{Invalid, money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// No sale yet.
    Prospect,
    /// Has bought: set automatically at the first won deal.
    Customer,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Prospect => "prospect",
            AccountKind::Customer => "customer",
        }
    }
}

/// An organisation or an entrepreneur we sell to (организация, контрагент).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountData {
    #[serde(default)]
    pub name: String,
    #[serde(default = "prospect")]
    pub kind: AccountKind,
    /// ИНН: 10 digits for an organisation, 12 for an individual.
    #[serde(default)]
    pub inn: Option<String>,
    /// КПП.
    #[serde(default)]
    pub kpp: Option<String>,
    /// ОГРН (13 digits) or ОГРНИП (15 digits).
    #[serde(default)]
    pub ogrn: Option<String>,
    #[serde(default)]
    pub legal_address: Option<String>,
    #[serde(default)]
    pub actual_address: Option<String>,
    #[serde(default)]
    pub bank_name: Option<String>,
    /// БИК of the bank.
    #[serde(default)]
    pub bic: Option<String>,
    /// Расчётный счёт, checked against the BIC.
    #[serde(default)]
    pub settlement_account: Option<String>,
    /// Корреспондентский счёт, checked against the BIC.
    #[serde(default)]
    pub correspondent_account: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub territory: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub website: Option<String>,
    /// In roubles.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "500000.00")]
    pub credit_limit: Option<Decimal>,
    #[serde(default)]
    pub description: Option<String>,
}

fn prospect() -> AccountKind {
    AccountKind::Prospect
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Account {
    pub id: Id,
    #[serde(flatten)]
    pub data: AccountData,
    #[serde(flatten)]
    pub meta: Meta,
}

impl RecordData for AccountData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let LegalDetails {
            inn,
            kpp,
            ogrn,
            bic,
            settlement,
            correspondent,
        } = c.legal_details(LegalDetails {
            inn: self.inn,
            kpp: self.kpp,
            ogrn: self.ogrn,
            bic: self.bic,
            settlement: self.settlement_account,
            correspondent: self.correspondent_account,
        });
        if let Some(limit) = self.credit_limit {
            c.errors
                .check("credit_limit", money::to_minor_non_negative(limit));
        }
        let out = AccountData {
            name: c.required("name", Some(self.name), 300),
            kind: self.kind,
            inn,
            kpp,
            ogrn,
            legal_address: c.text("legal_address", self.legal_address, 500),
            actual_address: c.text("actual_address", self.actual_address, 500),
            bank_name: c.text("bank_name", self.bank_name, 300),
            bic,
            settlement_account: settlement,
            correspondent_account: correspondent,
            industry: c.text("industry", self.industry, 200),
            territory: c.text("territory", self.territory, 200),
            phones: c.phones("phones", self.phones),
            emails: c.emails("emails", self.emails),
            website: c.website("website", self.website),
            credit_limit: self.credit_limit,
            description: c.long_text("description", self.description),
        };
        c.finish(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sber() -> AccountData {
        serde_json::from_value(serde_json::json!({
            "name": "ПАО Сбербанк",
            "inn": "7707083893",
            "kpp": "773601001",
            "ogrn": "1027700132195",
            "bic": "044525225",
            "correspondent_account": "30101810400000000225"
        }))
        .unwrap()
    }

    #[test]
    fn real_details_pass() {
        let a = sber().validate().unwrap();
        assert_eq!(a.kind, AccountKind::Prospect);
    }

    #[test]
    fn each_bad_detail_is_named() {
        let mut a = sber();
        a.inn = Some("7707083894".into());
        a.ogrn = Some("1027700132196".into());
        a.correspondent_account = Some("30101810400000000226".into());
        a.kpp = Some("77360100".into());
        a.name = "  ".into();
        let fields = a.validate().unwrap_err().0.into_map();
        for f in ["inn", "ogrn", "correspondent_account", "kpp", "name"] {
            assert!(fields.contains_key(f), "{f} missing in {fields:?}");
        }
    }

    #[test]
    fn accounts_need_a_bic() {
        let mut a = sber();
        a.bic = None;
        let fields = a.validate().unwrap_err().0.into_map();
        assert!(fields.contains_key("bic"));
    }

    #[test]
    fn credit_limit_cannot_be_negative() {
        let mut a = sber();
        a.credit_limit = Some(Decimal::new(-1, 0));
        assert!(
            a.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("credit_limit")
        );
    }
}
