//! Request and response types, plus the rules every user record obeys.
//! Everything else in the crate depends on this module.

use serde::{Deserialize, Serialize};

/// Users 1..=SEED_USERS exist when the server starts.
pub const SEED_USERS: u64 = 1000;

/// Longest accepted name, in Unicode scalar values.
pub const MAX_NAME_CHARS: usize = 64;

/// Roles a user may hold.
pub const KNOWN_ROLES: [&str; 3] = ["reader", "writer", "admin"];

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Alan", "Barbara", "Dennis", "Edsger", "Grace", "Ken", "Linus", "Margaret", "Niklaus",
    "Rob", "Radia",
];
const LAST_NAMES: [&str; 12] = [
    "Lovelace", "Turing", "Liskov", "Ritchie", "Dijkstra", "Hopper", "Thompson", "Torvalds",
    "Hamilton", "Wirth", "Pike", "Perlman",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub roles: Vec<String>,
}

/// Body of `POST /users`. Missing and `null` fields read as absent.
#[derive(Debug, Default, Deserialize)]
pub struct CreateUserRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: Option<Vec<String>>,
}

/// A validated `CreateUserRequest`, ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct UserList {
    pub users: Vec<User>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: String,
}

/// The deterministic seed user with this id.
pub fn seed_user(id: u64) -> User {
    let first = FIRST_NAMES[(id % 12) as usize];
    let last = LAST_NAMES[((id / 12) % 12) as usize];
    let roles: &[&str] = if id % 50 == 0 {
        &["admin", "reader"]
    } else if id % 5 == 0 {
        &["writer", "reader"]
    } else {
        &["reader"]
    };
    User {
        id,
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}{}@example.com",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase(),
            id
        ),
        active: id % 7 != 0,
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

/// Check a create request; the error is the message shown to the client.
pub fn validate(req: CreateUserRequest) -> Result<NewUser, String> {
    let name = req.name.unwrap_or_default().trim().to_string();
    if name.is_empty() {
        return Err("name is required".to_string());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("name must be at most {MAX_NAME_CHARS} characters"));
    }
    let email = req.email.unwrap_or_default().trim().to_ascii_lowercase();
    if !valid_email(&email) {
        return Err("email must look like user@host".to_string());
    }
    let mut roles = req.roles.unwrap_or_default();
    if roles.is_empty() {
        roles.push("reader".to_string());
    }
    for role in &roles {
        if !KNOWN_ROLES.contains(&role.as_str()) {
            return Err("roles must be reader, writer or admin".to_string());
        }
    }
    Ok(NewUser { name, email, roles })
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, host)) => !local.is_empty() && !host.is_empty() && !host.contains('@'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_users_are_stable() {
        let u = seed_user(1);
        assert_eq!(u.name, "Alan Lovelace");
        assert_eq!(u.email, "alan.lovelace1@example.com");
        assert_eq!(seed_user(50).roles, vec!["admin", "reader"]);
    }

    #[test]
    fn validate_rejects_blank_names() {
        let req = CreateUserRequest {
            name: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(validate(req).unwrap_err(), "name is required");
    }
}
