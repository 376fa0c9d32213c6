use super::{Check, EntityKind, Id, Meta, RecordData};
use crate::activity::{ActivityKind, ActivityStatus, Channel, Direction, Priority};
use crate::msg;
use crate::{Invalid, Timestamp};
use serde::{Deserialize, Serialize};

/// An event, a task or a logged interaction, about one sales record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityData {
    pub kind: ActivityKind,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Defaults to the kind's initial status.
    #[serde(default)]
    pub status: Option<ActivityStatus>,
    /// The lead, account, contact or deal this is about.
    pub related_type: EntityKind,
    pub related_id: Id,
    /// Events: when it starts and ends.
    #[serde(default)]
    pub start_at: Option<Timestamp>,
    #[serde(default)]
    pub end_at: Option<Timestamp>,
    #[serde(default)]
    pub all_day: bool,
    #[serde(default)]
    pub location: Option<String>,
    /// Tasks: when it is due.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Interactions: how it happened, which way, and what came of it.
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub outcome: Option<String>,
    /// When to remind the owner.
    #[serde(default)]
    pub reminder_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: Id,
    #[serde(flatten)]
    pub data: ActivityData,
    pub completed_at: Option<Timestamp>,
    #[serde(flatten)]
    pub meta: Meta,
}

impl ActivityData {
    pub fn status(&self) -> ActivityStatus {
        self.status.unwrap_or(self.kind.initial_status())
    }

    /// The moment that places it in a calendar or a to-do list.
    pub fn when(&self) -> Option<Timestamp> {
        match self.kind {
            ActivityKind::Task => self.due_at,
            _ => self.start_at,
        }
    }
}

impl RecordData for ActivityData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let status = self.status.unwrap_or(self.kind.initial_status());
        if !self.kind.allows(status) {
            c.errors.add(
                "status",
                msg::ACTIVITY_STATUS_OF_KIND
                    .with("status", status.as_str())
                    .with("kind", self.kind.as_str()),
            );
        }
        if !self.related_type.is_sales_record() {
            c.errors.add("related_type", msg::RELATED_TYPE);
        }
        match self.kind {
            ActivityKind::Event => match (self.start_at, self.end_at) {
                (None, _) => c.errors.add("start_at", msg::EVENT_NEEDS),
                (Some(_), None) => c.errors.add("end_at", msg::EVENT_NEEDS),
                (Some(s), Some(e)) if e < s => c.errors.add("end_at", msg::END_BEFORE_START),
                _ => {}
            },
            ActivityKind::Interaction => {
                if self.channel.is_none() {
                    c.errors.add("channel", msg::INTERACTION_CHANNEL);
                }
            }
            ActivityKind::Task => {}
        }
        let out = ActivityData {
            kind: self.kind,
            subject: c.required("subject", Some(self.subject), 300),
            description: c.long_text("description", self.description),
            status: Some(status),
            related_type: self.related_type,
            related_id: self.related_id,
            start_at: self.start_at,
            end_at: self.end_at,
            all_day: self.all_day,
            location: c.text("location", self.location, 300),
            due_at: self.due_at,
            priority: self.priority.or(match self.kind {
                ActivityKind::Task => Some(Priority::Normal),
                _ => None,
            }),
            channel: self.channel,
            direction: self.direction,
            outcome: c.text("outcome", self.outcome, 1000),
            reminder_at: self.reminder_at,
        };
        c.finish(out)
    }

    fn check_written(&self, old: Option<&Self>) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.instant_written("start_at", self.start_at, old.map(|o| o.start_at));
        c.instant_written("end_at", self.end_at, old.map(|o| o.end_at));
        c.instant_written("due_at", self.due_at, old.map(|o| o.due_at));
        c.instant_written("reminder_at", self.reminder_at, old.map(|o| o.reminder_at));
        c.finish(())
    }

    fn check_change(&self, old: &Self) -> Result<(), Invalid> {
        if self.kind != old.kind {
            return Err(Invalid::field("kind", msg::ACTIVITY_KIND_FIXED));
        }
        let (from, to) = (old.status(), self.status());
        if !self.kind.can_transition(from, to) {
            return Err(Invalid::field(
                "status",
                msg::ACTIVITY_TRANSITION
                    .with("from", from.as_str())
                    .with("to", to.as_str())
                    .with("kind", self.kind.as_str()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> ActivityData {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn an_event_needs_times_in_order() {
        let e = parse(
            json!({"kind": "event", "subject": "Встреча", "related_type": "deal", "related_id": 1,
            "start_at": "2026-11-23T10:00:00Z", "end_at": "2026-11-23T09:00:00Z"}),
        );
        assert!(
            e.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("end_at")
        );
    }

    #[test]
    fn an_event_cannot_be_deferred() {
        let e = parse(
            json!({"kind": "event", "subject": "Встреча", "related_type": "deal", "related_id": 1,
            "status": "deferred", "start_at": "2026-11-23T10:00:00Z", "end_at": "2026-11-23T11:00:00Z"}),
        );
        assert!(
            e.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("status")
        );
    }

    #[test]
    fn a_task_defaults_to_planned_and_normal_priority() {
        let t = parse(json!({"kind": "task", "subject": "Позвонить", "related_type": "lead", "related_id": 2}))
            .validate()
            .unwrap();
        assert_eq!(t.status, Some(ActivityStatus::Planned));
        assert_eq!(t.priority, Some(Priority::Normal));
    }

    #[test]
    fn held_event_cannot_go_back_to_planned() {
        let old = parse(json!({"kind": "event", "subject": "Встреча", "related_type": "deal", "related_id": 1,
            "status": "held", "start_at": "2026-11-23T10:00:00Z", "end_at": "2026-11-23T11:00:00Z"}))
        .validate()
        .unwrap();
        let mut new = old.clone();
        new.status = Some(ActivityStatus::Planned);
        assert!(new.check_change(&old).is_err());
    }

    #[test]
    fn activities_attach_only_to_sales_records() {
        let t =
            parse(json!({"kind": "task", "subject": "X", "related_type": "user", "related_id": 2}));
        assert!(
            t.validate()
                .unwrap_err()
                .0
                .into_map()
                .contains_key("related_type")
        );
    }
}
