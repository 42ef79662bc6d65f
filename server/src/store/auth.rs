//! Accounts and sessions.

use super::workspace::enum_value;
use super::{Store, millis, uuid};
use chrono::{Duration, Utc};
use deskline_shared::{Actor, Role};
use sha2::{Digest, Sha256};
use sqlx::Row;
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

    /// The active account behind a session cookie value, if the session is valid.
    pub async fn session_user(&self, token: &str) -> anyhow::Result<Option<UserRow>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.password_hash, u.active FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
        )
        .bind(token_hash(token))
        .bind(millis(Utc::now()))
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Ends a session.
    pub async fn delete_session(&self, token: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash(token))
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
