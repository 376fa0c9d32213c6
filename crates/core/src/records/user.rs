use super::{Check, Id, RecordData};
use crate::msg;
use crate::{Invalid, Timestamp, email};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including settings.
    Admin,
    /// Head of sales: sees and edits all sales records.
    Head,
    /// Sees and edits own records and, if the team allows, the team's.
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Head => "head",
            Role::Manager => "manager",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Role::Admin, Role::Head, Role::Manager]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
    pub fn sees_everything(self) -> bool {
        matches!(self, Role::Admin | Role::Head)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    Ru,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserData {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "manager")]
    pub role: Role,
    #[serde(default)]
    pub team_id: Option<Id>,
    #[serde(default = "ru")]
    pub locale: Locale,
    /// IANA name, e.g. Europe/Moscow.
    #[serde(default = "moscow")]
    pub time_zone: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn manager() -> Role {
    Role::Manager
}
fn ru() -> Locale {
    Locale::Ru
}
fn moscow() -> String {
    "Europe/Moscow".into()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: Id,
    #[serde(flatten)]
    pub data: UserData,
    pub created_at: Timestamp,
}

impl RecordData for UserData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let login = self.login.trim().to_lowercase();
        if login.is_empty() {
            c.errors.add("login", msg::REQUIRED);
        } else if login.chars().count() > 64
            || !login
                .chars()
                .all(|ch| ch.is_alphanumeric() || matches!(ch, '.' | '_' | '-' | '@'))
        {
            c.errors.add("login", msg::LOGIN_FORMAT);
        }
        let email = match crate::text::clean(self.email) {
            Some(e) => c.errors.check("email", email::normalize_email(&e)),
            None => None,
        };
        let tz = self.time_zone.trim().to_owned();
        if tz.is_empty()
            || tz.len() > 64
            || !tz
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '/' | '_' | '-' | '+'))
        {
            c.errors.add("time_zone", msg::TIME_ZONE);
        }
        let out = UserData {
            name: c.required("name", Some(self.name), 200),
            login,
            email,
            role: self.role,
            team_id: self.team_id,
            locale: self.locale,
            time_zone: tz,
            active: self.active,
        };
        c.finish(out)
    }
}

/// A sales department with its head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub head_id: Option<Id>,
    /// When on, managers see and edit the records of everyone in the team.
    #[serde(default = "yes")]
    pub team_visibility: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Team {
    pub id: Id,
    #[serde(flatten)]
    pub data: TeamData,
}

impl RecordData for TeamData {
    fn validate(self) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let out = TeamData {
            name: c.required("name", Some(self.name), 200),
            head_id: self.head_id,
            team_visibility: self.team_visibility,
        };
        c.finish(out)
    }
}

/// A password a person chose. Long passphrases are welcome; short ones are not.
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < 8 {
        return Err(Invalid::field("password", msg::TOO_SHORT.with("min", 8)));
    }
    if n > 256 {
        return Err(Invalid::field("password", msg::TOO_LONG.with("max", 256)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lowercased_and_checked() {
        let u: UserData =
            serde_json::from_value(serde_json::json!({"login": " Ivanov ", "name": "Иванов"}))
                .unwrap();
        let u = u.validate().unwrap();
        assert_eq!(u.login, "ivanov");
        assert_eq!(u.role, Role::Manager);
        assert_eq!(u.locale, Locale::Ru);
        let bad: UserData =
            serde_json::from_value(serde_json::json!({"login": "a b", "name": ""})).unwrap();
        let f = bad.validate().unwrap_err().0.into_map();
        assert!(f.contains_key("login") && f.contains_key("name"));
    }

    #[test]
    fn passwords_have_a_minimum_length() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
    }
}
