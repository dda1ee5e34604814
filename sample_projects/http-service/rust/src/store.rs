//! In-memory user store. Ids are dense: user `id` lives at index `id - 1`.

use std::sync::RwLock;

use crate::models::{seed_user, NewUser, User};

#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    EmailTaken,
}

pub struct Store {
    users: RwLock<Vec<User>>,
}

impl Store {
    /// A store holding the seed users 1..=count.
    pub fn seeded(count: u64) -> Store {
        Store {
            users: RwLock::new((1..=count).map(seed_user).collect()),
        }
    }

    pub fn get(&self, id: u64) -> Option<User> {
        if id == 0 {
            return None;
        }
        let users = self.users.read().expect("store lock poisoned");
        users.get((id - 1) as usize).cloned()
    }

    /// One page of users in id order, and the total count.
    pub fn list(&self, offset: u64, limit: u64) -> (Vec<User>, u64) {
        let users = self.users.read().expect("store lock poisoned");
        let total = users.len() as u64;
        let page = users
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .cloned()
            .collect();
        (page, total)
    }

    pub fn create(&self, new: NewUser) -> Result<User, StoreError> {
        let mut users = self.users.write().expect("store lock poisoned");
        if users.iter().any(|u| u.email == new.email) {
            return Err(StoreError::EmailTaken);
        }
        let user = User {
            id: users.len() as u64 + 1,
            name: new.name,
            email: new.email,
            active: true,
            roles: new.roles,
        };
        users.push(user.clone());
        Ok(user)
    }
}
