//! What a manager does about a record: events (meetings, calls in the
//! calendar), tasks, and interactions logged after the fact — and the only
//! status changes each of them allows.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Event,
    Task,
    Interaction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    Planned,
    Held,
    NotHeld,
    NotStarted,
    Waiting,
    Deferred,
    InProgress,
    Completed,
}

use ActivityStatus::*;

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 8] = [
        Planned, Held, NotHeld, NotStarted, Waiting, Deferred, InProgress, Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Planned => "planned",
            Held => "held",
            NotHeld => "not_held",
            NotStarted => "not_started",
            Waiting => "waiting",
            Deferred => "deferred",
            InProgress => "in_progress",
            Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Done with: nothing is left to do, so it is never overdue.
    pub fn is_closed(self) -> bool {
        matches!(self, Held | NotHeld | Completed)
    }
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Event => "event",
            ActivityKind::Task => "task",
            ActivityKind::Interaction => "interaction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Event, Self::Task, Self::Interaction]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The statuses this kind can ever be in. An event is never Deferred or
    /// InProgress; an interaction is a record of something that happened.
    pub fn statuses(self) -> &'static [ActivityStatus] {
        match self {
            ActivityKind::Event => &[Planned, Held, NotHeld],
            ActivityKind::Task => &[
                Planned, NotStarted, Waiting, Deferred, InProgress, Completed,
            ],
            ActivityKind::Interaction => &[Completed],
        }
    }

    pub fn initial_status(self) -> ActivityStatus {
        match self {
            ActivityKind::Event | ActivityKind::Task => Planned,
            ActivityKind::Interaction => Completed,
        }
    }

    pub fn allows(self, status: ActivityStatus) -> bool {
        self.statuses().contains(&status)
    }

    /// The state machine. Staying put is always allowed (an edit of other fields).
    pub fn can_transition(self, from: ActivityStatus, to: ActivityStatus) -> bool {
        if !self.allows(from) || !self.allows(to) {
            return false;
        }
        if from == to {
            return true;
        }
        match self {
            // An event happens or it does not; one that did not can be rescheduled.
            ActivityKind::Event => {
                matches!((from, to), (Planned, Held | NotHeld) | (NotHeld, Planned))
            }
            // Open task statuses move freely; a completed task can only be reopened as in progress.
            ActivityKind::Task => from != Completed || to == InProgress,
            ActivityKind::Interaction => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Call,
    Email,
    Message,
    Meeting,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Normal, Priority::High];

    /// As the database and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Call,
        Channel::Email,
        Channel::Message,
        Channel::Meeting,
    ];

    /// As the database and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Email => "email",
            Channel::Message => "message",
            Channel::Meeting => "meeting",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Incoming,
    Outgoing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [ActivityKind; 3] = [
        ActivityKind::Event,
        ActivityKind::Task,
        ActivityKind::Interaction,
    ];

    #[test]
    fn priorities_and_channels_are_spelled_as_serde_spells_them() {
        for p in Priority::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
        }
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).ok(), Some(c.as_str().into()));
        }
    }

    #[test]
    fn events_are_never_deferred_or_in_progress() {
        for from in ActivityStatus::ALL {
            assert!(!ActivityKind::Event.can_transition(from, Deferred));
            assert!(!ActivityKind::Event.can_transition(from, InProgress));
        }
    }

    #[test]
    fn event_lifecycle() {
        let e = ActivityKind::Event;
        assert!(e.can_transition(Planned, Held));
        assert!(e.can_transition(Planned, NotHeld));
        assert!(e.can_transition(NotHeld, Planned));
        assert!(!e.can_transition(Held, Planned));
        assert!(!e.can_transition(Held, NotHeld));
    }

    #[test]
    fn task_lifecycle() {
        let t = ActivityKind::Task;
        assert!(t.can_transition(Planned, InProgress));
        assert!(t.can_transition(Waiting, Deferred));
        assert!(t.can_transition(Deferred, Completed));
        assert!(t.can_transition(Completed, InProgress));
        assert!(!t.can_transition(Completed, Planned));
        assert!(!t.can_transition(Planned, Held));
    }

    #[test]
    fn status_names_round_trip() {
        for s in ActivityStatus::ALL {
            assert_eq!(ActivityStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }

    proptest! {
        #[test]
        fn transitions_stay_within_kind(k in 0usize..3, a in 0usize..8, b in 0usize..8) {
            let kind = KINDS[k];
            let (from, to) = (ActivityStatus::ALL[a], ActivityStatus::ALL[b]);
            if kind.can_transition(from, to) {
                prop_assert!(kind.allows(from) && kind.allows(to));
            }
        }

        #[test]
        fn initial_status_is_allowed_and_reachable_from_itself(k in 0usize..3) {
            let kind = KINDS[k];
            prop_assert!(kind.allows(kind.initial_status()));
            prop_assert!(kind.can_transition(kind.initial_status(), kind.initial_status()));
        }
    }
}
