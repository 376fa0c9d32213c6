use super::{Check, Id, Meta, RecordData};
use crate::msg;
use crate::{Day, Invalid};
use serde::{Deserialize, Serialize};

/// A person, optionally working at an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactData {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub account_id: Option<Id>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub birthday: Option<Day>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: Id,
    #[serde(flatten)]
    pub data: ContactData,
    #[serde(flatten)]
    pub meta: Meta,
}

impl Contact {
    pub fn display_name(&self) -> String {
        crate::text::full_name(
            self.data.last_name.as_deref(),
            self.data.first_name.as_deref(),
            self.data.middle_name.as_deref(),
        )
    }
}

impl RecordData for ContactData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = ContactData {
            first_name: c.text("first_name", self.first_name, 100),
            middle_name: c.text("middle_name", self.middle_name, 100),
            last_name: c.text("last_name", self.last_name, 100),
            account_id: self.account_id,
            position: c.text("position", self.position, 200),
            phones: c.phones("phones", self.phones),
            emails: c.emails("emails", self.emails),
            birthday: self.birthday,
            description: c.long_text("description", self.description),
        };
        if out.first_name.is_none() && out.last_name.is_none() {
            c.errors.add("last_name", msg::CONTACT_NEEDS_NAME);
        }
        c.finish(out)
    }

    fn check_written(&self, old: Option<&Self>) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.day_written("birthday", self.birthday, old.map(|o| o.birthday));
        c.finish(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_a_name() {
        let c: ContactData =
            serde_json::from_value(serde_json::json!({"position": "CEO"})).unwrap();
        assert!(
            c.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("last_name")
        );
        let c: ContactData = serde_json::from_value(
            serde_json::json!({"first_name": "Анна", "birthday": "1990-05-01"}),
        )
        .unwrap();
        assert_eq!(
            c.validate().unwrap().birthday.unwrap().to_string(),
            "1990-05-01"
        );
    }
}
