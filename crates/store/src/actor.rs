//! Who is acting, and what they may see.
//!
//! Every read of sales records — get, list, search, timeline, reports,
//! exports — goes through [`Actor::visible_owners`], so the permission rule
//! lives in one place.

use voronka_core::records::{Id, Role};

#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// `None` for the system itself (CLI, demo data, scheduled work).
    pub user_id: Option<Id>,
    pub role: Role,
    /// Owners whose records this actor sees and edits; `None` means everyone's.
    pub visible_owners: Option<Vec<Id>>,
}

impl Actor {
    /// The server acting on its own, with every right.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            role: Role::Admin,
            visible_owners: None,
        }
    }

    pub fn can_see_owner(&self, owner: Id) -> bool {
        match &self.visible_owners {
            None => true,
            Some(owners) => owners.contains(&owner),
        }
    }

    /// The owners whose records count when the request asks for `wanted`
    /// (one owner, a team): never more than the actor sees. `None` = everyone's.
    pub fn narrow(&self, wanted: Option<Vec<Id>>) -> Option<Vec<Id>> {
        match (&self.visible_owners, wanted) {
            (None, w) => w,
            (Some(v), None) => Some(v.clone()),
            (Some(v), Some(w)) => Some(w.into_iter().filter(|o| v.contains(o)).collect()),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The owner a new record gets when the request names none.
    pub fn default_owner(&self) -> Option<Id> {
        self.user_id
    }
}

/// The rule itself: admins and heads of sales see everything; a manager sees
/// their own records and, when the team allows it, their team's.
pub fn visible_owners(
    role: Role,
    user_id: Id,
    team_members: Option<&[Id]>,
    team_visibility: bool,
) -> Option<Vec<Id>> {
    if role.sees_everything() {
        return None;
    }
    let mut owners = vec![user_id];
    if team_visibility && let Some(members) = team_members {
        owners.extend(members.iter().copied().filter(|m| *m != user_id));
    }
    owners.sort_unstable();
    Some(owners)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_admins_see_all() {
        assert_eq!(visible_owners(Role::Head, 1, Some(&[2]), false), None);
        assert_eq!(visible_owners(Role::Admin, 1, None, true), None);
    }

    #[test]
    fn managers_see_own_and_team_when_allowed() {
        assert_eq!(
            visible_owners(Role::Manager, 3, Some(&[1, 3, 2]), true),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            visible_owners(Role::Manager, 3, Some(&[1, 3, 2]), false),
            Some(vec![3])
        );
        assert_eq!(visible_owners(Role::Manager, 3, None, true), Some(vec![3]));
    }
}
