use super::{Check, Id, Meta, RecordData};
use crate::msg;
use crate::{Invalid, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Working,
    Converted,
    Disqualified,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Working => "working",
            LeadStatus::Converted => "converted",
            LeadStatus::Disqualified => "disqualified",
        }
    }
}

/// An inquiry that has not yet become a customer relationship (лид, обращение).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadData {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// The company the person speaks for, as they named it.
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// An entry of the admin-defined lead source list.
    #[serde(default)]
    pub source_id: Option<Id>,
    #[serde(default = "new_status")]
    pub status: LeadStatus,
    /// Why the lead was disqualified; required for that status.
    #[serde(default)]
    pub disqualify_reason: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn new_status() -> LeadStatus {
    LeadStatus::New
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lead {
    pub id: Id,
    #[serde(flatten)]
    pub data: LeadData,
    pub converted_account_id: Option<Id>,
    pub converted_contact_id: Option<Id>,
    pub converted_deal_id: Option<Id>,
    pub converted_at: Option<Timestamp>,
    #[serde(flatten)]
    pub meta: Meta,
}

impl Lead {
    pub fn display_name(&self) -> String {
        let person = crate::text::full_name(
            self.data.last_name.as_deref(),
            self.data.first_name.as_deref(),
            self.data.middle_name.as_deref(),
        );
        match (&self.data.company, person.is_empty()) {
            (Some(c), true) => c.clone(),
            (Some(c), false) => format!("{person} ({c})"),
            (None, _) => person,
        }
    }
}

impl RecordData for LeadData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = LeadData {
            first_name: c.text("first_name", self.first_name, 100),
            middle_name: c.text("middle_name", self.middle_name, 100),
            last_name: c.text("last_name", self.last_name, 100),
            company: c.text("company", self.company, 300),
            title: c.text("title", self.title, 200),
            phones: c.phones("phones", self.phones),
            emails: c.emails("emails", self.emails),
            website: c.website("website", self.website),
            address: c.text("address", self.address, 500),
            source_id: self.source_id,
            status: self.status,
            disqualify_reason: c.text("disqualify_reason", self.disqualify_reason, 500),
            description: c.long_text("description", self.description),
        };
        if out.first_name.is_none() && out.last_name.is_none() && out.company.is_none() {
            c.errors.add("last_name", msg::LEAD_NEEDS_NAME);
        }
        if out.status == LeadStatus::Disqualified && out.disqualify_reason.is_none() {
            c.errors
                .add("disqualify_reason", msg::LEAD_DISQUALIFY_REASON);
        }
        c.finish(out)
    }

    fn check_change(&self, old: &Self) -> Result<(), Invalid> {
        if old.status == LeadStatus::Converted && self.status != LeadStatus::Converted {
            return Err(Invalid::field("status", msg::LEAD_CONVERTED_STATUS));
        }
        if old.status != LeadStatus::Converted && self.status == LeadStatus::Converted {
            return Err(Invalid::field("status", msg::LEAD_CONVERT_ONLY));
        }
        Ok(())
    }
}

impl LeadData {
    /// A new lead cannot start out converted: conversion creates the records it links to.
    pub fn check_new(&self) -> Result<(), Invalid> {
        if self.status == LeadStatus::Converted {
            return Err(Invalid::field("status", msg::LEAD_CONVERT_ONLY));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead() -> LeadData {
        serde_json::from_value(
            serde_json::json!({"last_name": " Петров ", "phones": ["8 495 123 45 67"]}),
        )
        .unwrap()
    }

    #[test]
    fn normalizes_fields() {
        let l = lead().validate().unwrap();
        assert_eq!(l.last_name.as_deref(), Some("Петров"));
        assert_eq!(l.phones, vec!["+74951234567".to_string()]);
        assert_eq!(l.status, LeadStatus::New);
    }

    #[test]
    fn needs_a_name_or_company() {
        let l: LeadData = serde_json::from_value(serde_json::json!({"title": "CEO"})).unwrap();
        let e = l.validate().unwrap_err();
        assert!(e.0.into_map().contains_key("last_name"));
    }

    #[test]
    fn disqualification_needs_reason() {
        let mut l = lead();
        l.status = LeadStatus::Disqualified;
        let e = l.validate().unwrap_err();
        assert!(e.0.into_map().contains_key("disqualify_reason"));
    }

    #[test]
    fn converted_is_reached_only_by_conversion() {
        let old = lead().validate().unwrap();
        let mut new = old.clone();
        new.status = LeadStatus::Converted;
        assert!(new.check_change(&old).is_err());
        assert!(new.check_new().is_err());
        assert!(old.check_change(&new).is_err());
        let mut working = old.clone();
        working.status = LeadStatus::Working;
        assert!(working.check_change(&old).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<LeadData, _> =
            serde_json::from_value(serde_json::json!({"last_name": "A", "nmae": "x"}));
        assert!(r.is_err());
    }
}
