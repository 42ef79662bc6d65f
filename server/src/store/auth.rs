//! Accounts and sessions.

use super::workspace::enum_value;
use super::{Store, millis, uuid};
use chrono::{Duration, Utc};
use deskline_shared::{Actor, Role};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;

/// An account as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2 PHC string; `None` for accounts that cannot sign in with a password.
    pub password_hash: Option<String>,
    /// Inactive accounts cannot sign in.
    pub active: bool,
}

impl UserRow {
    /// The actor for `shared::apply`.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            name: self.name.clone(),
            role: self.role,
        }
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<UserRow> {
    Ok(UserRow {
        id: uuid(&row.get::<String, _>("id"))?,
        email: row.get("email"),
        name: row.get("name"),
        role: enum_value(&row.get::<String, _>("role"))?,
        password_hash: row.get("password_hash"),
        active: row.get::<i64, _>("active") == 1,
    })
}

/// Recent answers of [`Store::session_user`], by the session's token hash. Sessions end by
/// signing out (which forgets the entry here) or by expiring (checked on every read); an entry is
/// read again from the database after [`SessionCache::FRESH_MS`], so a session ended by another
/// process ends here within that.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionCache(Arc<Mutex<HashMap<String, CachedSession>>>);

/// A cached session: its user, when it expires, and when it was read (Unix milliseconds).
type CachedSession = (UserRow, i64, i64);

impl SessionCache {
    const FRESH_MS: i64 = 60_000;
    /// Entries kept at most; past this the cache starts over.
    const MAX: usize = 10_000;

    fn get(&self, hash: &str, now: i64) -> Option<UserRow> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (user, expires_at, read_at) = map.get(hash)?;
        (*expires_at > now && now - read_at < Self::FRESH_MS).then(|| user.clone())
    }

    fn put(&self, hash: String, user: UserRow, expires_at: i64) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(hash, (user, expires_at, millis(Utc::now())));
    }

    fn forget(&self, hash: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(hash);
    }
}

impl Store {
    /// Looks an account up by email, ignoring case.
    pub async fn user_by_email(&self, email: &str) -> anyhow::Result<Option<UserRow>> {
        let row = sqlx::query(
            "SELECT id, email, name, role, password_hash, active FROM users WHERE email = ?",
        )
        .bind(email.trim())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Creates an account. For a customer, `id` is their contact id, which tickets name as requester.
    pub async fn create_account(
        &self,
        id: Uuid,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO users (id, email, name, role, password_hash) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(email)
        .bind(name)
        .bind(super::workspace::enum_name(&role)?)
        .bind(password_hash)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Starts a session for `user`; returns the secret cookie value.
    pub async fn create_session(&self, user: Uuid) -> anyhow::Result<String> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        let now = Utc::now();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash(&token))
            .bind(user.to_string())
            .bind(millis(now))
            .bind(millis(now + Duration::days(SESSION_DAYS)))
            .execute(&self.write)
            .await?;
        Ok(token)
    }

    /// The active account behind a session cookie value, if the session is valid. Every request
    /// asks this, so answers are kept for a minute ([`SessionCache`]); signing out forgets one.
    pub async fn session_user(&self, token: &str) -> anyhow::Result<Option<UserRow>> {
        let hash = token_hash(token);
        let now = millis(Utc::now());
        if let Some(user) = self.sessions.get(&hash, now) {
            return Ok(Some(user));
        }
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.password_hash, u.active, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        self.sessions
            .put(hash, user.clone(), row.get::<i64, _>("expires_at"));
        Ok(Some(user))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token: &str) -> anyhow::Result<()> {
        let hash = token_hash(token);
        self.sessions.forget(&hash);
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(&hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
