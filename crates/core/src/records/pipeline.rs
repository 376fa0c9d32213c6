use super::{Check, Id, RecordData};
use crate::Invalid;
use crate::msg;
use serde::{Deserialize, Serialize};

/// A direction of business with its own ordered stages (направление сделок).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineData {
    #[serde(default)]
    pub name: String,
    /// Order in pipeline switchers; lower first.
    #[serde(default)]
    pub position: i64,
    /// The pipeline new deals and conversions land in when none is named.
    #[serde(default)]
    pub is_default: bool,
    /// 1C's rule: a deal of this pipeline is won only once its invoices are
    /// fully paid and its goods fully shipped.
    #[serde(default)]
    pub won_requires_paid_and_shipped: bool,
    /// Where a deal moves when one of its quotes is won (a stage of this pipeline).
    #[serde(default)]
    pub quote_won_stage_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pipeline {
    pub id: Id,
    #[serde(flatten)]
    pub data: PipelineData,
    pub stages: Vec<Stage>,
}

impl Pipeline {
    /// Where new deals start: the first open stage.
    pub fn first_open_stage(&self) -> Option<&Stage> {
        self.stages.iter().find(|s| s.data.kind == StageKind::Open)
    }

    pub fn first_of_kind(&self, kind: StageKind) -> Option<&Stage> {
        self.stages.iter().find(|s| s.data.kind == kind)
    }

    pub fn stage(&self, id: Id) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

impl RecordData for PipelineData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = PipelineData {
            name: c.required("name", Some(self.name), 200),
            position: self.position,
            is_default: self.is_default,
            won_requires_paid_and_shipped: self.won_requires_paid_and_shipped,
            quote_won_stage_id: self.quote_won_stage_id,
        };
        c.finish(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [StageKind::Open, StageKind::Won, StageKind::Lost]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageData {
    #[serde(default)]
    pub name: String,
    /// Chance to win, percent; a won stage is 100 and a lost one 0.
    #[serde(default)]
    pub probability: i64,
    #[serde(default = "open")]
    pub kind: StageKind,
    /// Order within the pipeline; lower first.
    #[serde(default)]
    pub position: i64,
}

fn open() -> StageKind {
    StageKind::Open
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stage {
    pub id: Id,
    pub pipeline_id: Id,
    #[serde(flatten)]
    pub data: StageData,
}

impl RecordData for StageData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        if !(0..=100).contains(&self.probability) {
            c.errors.add("probability", msg::PERCENT);
        }
        match self.kind {
            StageKind::Won if self.probability != 100 => {
                c.errors.add("probability", msg::STAGE_WON_PROBABILITY)
            }
            StageKind::Lost if self.probability != 0 => {
                c.errors.add("probability", msg::STAGE_LOST_PROBABILITY)
            }
            _ => {}
        }
        let out = StageData {
            name: c.required("name", Some(self.name), 200),
            probability: self.probability,
            kind: self.kind,
            position: self.position,
        };
        c.finish(out)
    }
}

/// The stages of the pipeline seeded on a new database, in the server's locale.
pub fn default_stages(locale: &str) -> (String, Vec<StageData>) {
    let ru = locale != "en";
    let names: [(&str, &str, i64, StageKind); 6] = [
        ("Новая", "New", 10, StageKind::Open),
        ("Квалификация", "Qualification", 20, StageKind::Open),
        ("Предложение", "Proposal", 50, StageKind::Open),
        ("Переговоры", "Negotiation", 80, StageKind::Open),
        ("Успешно", "Won", 100, StageKind::Won),
        ("Проиграна", "Lost", 0, StageKind::Lost),
    ];
    let stages = names
        .iter()
        .enumerate()
        .map(|(i, (r, e, p, k))| StageData {
            name: (if ru { *r } else { *e }).to_owned(),
            probability: *p,
            kind: *k,
            position: i as i64,
        })
        .collect();
    ((if ru { "Продажи" } else { "Sales" }).to_owned(), stages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_stages_are_valid_and_end_won_lost() {
        for locale in ["ru", "en"] {
            let (name, stages) = default_stages(locale);
            assert!(!name.is_empty());
            assert_eq!(stages.len(), 6);
            for s in &stages {
                s.clone().validate().unwrap();
            }
            assert_eq!(stages[4].kind, StageKind::Won);
            assert_eq!(stages[5].kind, StageKind::Lost);
        }
        assert_eq!(default_stages("ru").1[0].name, "Новая");
        assert_eq!(default_stages("ru").0, "Продажи");
    }

    #[test]
    fn won_and_lost_have_fixed_probabilities() {
        let s = StageData {
            name: "W".into(),
            probability: 90,
            kind: StageKind::Won,
            position: 0,
        };
        assert!(s.validate().is_err());
        let s = StageData {
            name: "X".into(),
            probability: 101,
            kind: StageKind::Open,
            position: 0,
        };
        assert!(s.validate().is_err());
    }
}
