use super::{Check, EntityKind, Id, RecordData};
use crate::msg;
use crate::{Invalid, Timestamp};
use serde::{Deserialize, Serialize};

/// A note on any sales record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteData {
    pub related_type: EntityKind,
    pub related_id: Id,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    pub id: Id,
    #[serde(flatten)]
    pub data: NoteData,
    pub author_id: Option<Id>,
    pub created_at: Timestamp,
}

impl RecordData for NoteData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        if !self.related_type.is_sales_record() {
            c.errors.add("related_type", msg::RELATED_TYPE);
        }
        let body = match c.long_text("body", Some(self.body)) {
            Some(b) => b,
            None => {
                c.errors.add("body", msg::REQUIRED);
                String::new()
            }
        };
        c.finish(NoteData {
            related_type: self.related_type,
            related_id: self.related_id,
            body,
        })
    }
}

/// A company we compete with for deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetitorData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub strengths: Option<String>,
    #[serde(default)]
    pub weaknesses: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Competitor {
    pub id: Id,
    #[serde(flatten)]
    pub data: CompetitorData,
}

impl RecordData for CompetitorData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = CompetitorData {
            name: c.required("name", Some(self.name), 300),
            website: c.website("website", self.website),
            strengths: c.long_text("strengths", self.strengths),
            weaknesses: c.long_text("weaknesses", self.weaknesses),
        };
        c.finish(out)
    }
}

/// Where a competitor stands on one deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompetitorStatus {
    /// Still in the running.
    Active,
    /// We won the deal against them.
    WonAgainst,
    /// We lost the deal to them.
    LostTo,
}

impl CompetitorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CompetitorStatus::Active => "active",
            CompetitorStatus::WonAgainst => "won_against",
            CompetitorStatus::LostTo => "lost_to",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::WonAgainst, Self::LostTo]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DealCompetitor {
    pub competitor_id: Id,
    pub name: String,
    pub status: CompetitorStatus,
}

/// A user on a deal's sales team, with the role they play there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DealMember {
    pub user_id: Id,
    pub name: String,
    pub role: String,
}

/// The admin-defined lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookupKind {
    LeadSource,
    LossReason,
}

impl LookupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKind::LeadSource => "lead_source",
            LookupKind::LossReason => "loss_reason",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::LeadSource, Self::LossReason]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Seeded on a new database so the lists are never empty.
    pub fn defaults(self, locale: &str) -> Vec<&'static str> {
        let ru = locale != "en";
        match (self, ru) {
            (LookupKind::LeadSource, true) => vec![
                "Веб-форма",
                "Электронная почта",
                "Звонок",
                "Импорт",
                "Выставка",
                "Реклама",
                "Вручную",
            ],
            (LookupKind::LeadSource, false) => vec![
                "Web form",
                "E-mail",
                "Call",
                "Import",
                "Exhibition",
                "Advertising",
                "Manual",
            ],
            (LookupKind::LossReason, true) => vec![
                "Цена",
                "Выбрали конкурента",
                "Нет бюджета",
                "Нет ответа",
                "Не подходит продукт",
            ],
            (LookupKind::LossReason, false) => vec![
                "Price",
                "Chose a competitor",
                "No budget",
                "No response",
                "Product does not fit",
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub position: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lookup {
    pub id: Id,
    pub kind: LookupKind,
    #[serde(flatten)]
    pub data: LookupData,
}

impl RecordData for LookupData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = LookupData {
            name: c.required("name", Some(self.name), 200),
            position: self.position,
            active: self.active,
        };
        c.finish(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_need_a_body() {
        let n = NoteData {
            related_type: EntityKind::Deal,
            related_id: 1,
            body: "  ".into(),
        };
        assert!(n.validate().unwrap_err().0.into_map().contains_key("body"));
    }

    #[test]
    fn lookup_defaults_are_valid() {
        for kind in [LookupKind::LeadSource, LookupKind::LossReason] {
            for loc in ["ru", "en"] {
                for name in kind.defaults(loc) {
                    LookupData {
                        name: name.into(),
                        position: 0,
                        active: true,
                    }
                    .validate()
                    .unwrap();
                }
            }
            assert_eq!(LookupKind::parse(kind.as_str()), Some(kind));
        }
    }
}
