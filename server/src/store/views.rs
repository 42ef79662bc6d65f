//! Saved views: each user's named queries, in the order they arranged them. Every change runs in
//! one transaction on the writer, so the limits checked here still hold when the change commits.

use super::{Store, millis, uuid};
use crate::error::AppError;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use deskline_shared::api::{SaveView, SavedView};
use deskline_shared::queue::Sort;
use sqlx::{Connection, Row, SqliteConnection};
use std::collections::HashSet;
use uuid::Uuid;

/// Most views one user may keep.
pub const MAX_VIEWS: usize = 50;

/// The one answer for a view that does not exist and for someone else's view.
fn not_found() -> AppError {
    AppError::NotFound("There is no saved view with that id.".into())
}

fn name_taken(name: &str) -> AppError {
    AppError::invalid("name", format!("You already have a view named \"{name}\"."))
}

/// `user`'s views in their order, on `conn`.
async fn load(conn: &mut SqliteConnection, user: Uuid) -> anyhow::Result<Vec<SavedView>> {
    let rows = sqlx::query(
        "SELECT id, name, query, sort, position FROM saved_views
         WHERE user_id = ? ORDER BY position, created_at, id",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let sort: String = row.get("sort");
        views.push(SavedView {
            id: uuid(&row.get::<String, _>("id"))?,
            name: row.get("name"),
            query: row.get("query"),
            sort: Sort::from_name(&sort)
                .with_context(|| format!("unknown stored sort {sort:?}"))?,
            position: u32::try_from(row.get::<i64, _>("position")).unwrap_or(u32::MAX),
        });
    }
    Ok(views)
}

/// A 422 when another of `views` (not `except`) has `name`, compared with Unicode case folding.
fn check_name_free(views: &[SavedView], name: &str, except: Option<Uuid>) -> Result<(), AppError> {
    let folded = name.to_lowercase();
    match views
        .iter()
        .find(|v| Some(v.id) != except && v.name.to_lowercase() == folded)
    {
        Some(other) => Err(name_taken(&other.name)),
        None => Ok(()),
    }
}

/// The unique index on names is a backstop for [`check_name_free`]; should it ever fire, the
/// caller still hears which field is at fault.
fn write_error(e: sqlx::Error, name: &str) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => name_taken(name),
        _ => e.into(),
    }
}

impl Store {
    /// `user`'s views in their order.
    pub async fn views(&self, user: Uuid) -> anyhow::Result<Vec<SavedView>> {
        let mut conn = self.read.acquire().await?;
        load(&mut conn, user).await
    }

    /// Appends a checked view (name trimmed, query parsed) to `user`'s views.
    pub async fn create_view(
        &self,
        user: Uuid,
        view: &SaveView,
        now: DateTime<Utc>,
    ) -> Result<SavedView, AppError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let views = load(&mut tx, user).await?;
        if views.len() >= MAX_VIEWS {
            return Err(AppError::Invalid {
                message: format!(
                    "You already have {MAX_VIEWS} saved views, the most one person may keep; delete one first."
                ),
                field: None,
            });
        }
        check_name_free(&views, &view.name, None)?;
        let saved = SavedView {
            id: Uuid::now_v7(),
            name: view.name.clone(),
            query: view.query.clone(),
            sort: view.sort,
            position: views.last().map_or(0, |v| v.position.saturating_add(1)),
        };
        sqlx::query(
            "INSERT INTO saved_views (id, user_id, name, query, sort, position, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(saved.id.to_string())
        .bind(user.to_string())
        .bind(&saved.name)
        .bind(&saved.query)
        .bind(saved.sort.name())
        .bind(i64::from(saved.position))
        .bind(millis(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &saved.name))?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Replaces the name, query and sort of one of `user`'s views; its place stays.
    pub async fn update_view(
        &self,
        user: Uuid,
        id: Uuid,
        view: &SaveView,
    ) -> Result<SavedView, AppError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let views = load(&mut tx, user).await?;
        let old = views.iter().find(|v| v.id == id).ok_or_else(not_found)?;
        check_name_free(&views, &view.name, Some(id))?;
        sqlx::query(
            "UPDATE saved_views SET name = ?, query = ?, sort = ? WHERE id = ? AND user_id = ?",
        )
        .bind(&view.name)
        .bind(&view.query)
        .bind(view.sort.name())
        .bind(id.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &view.name))?;
        tx.commit().await?;
        Ok(SavedView {
            id,
            name: view.name.clone(),
            query: view.query.clone(),
            sort: view.sort,
            position: old.position,
        })
    }

    /// Deletes one of `user`'s views; the ones after it move up, so places stay 0, 1, 2, ...
    pub async fn delete_view(&self, user: Uuid, id: Uuid) -> Result<(), AppError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let position: i64 =
            sqlx::query_scalar("SELECT position FROM saved_views WHERE id = ? AND user_id = ?")
                .bind(id.to_string())
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(not_found)?;
        sqlx::query("DELETE FROM saved_views WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE saved_views SET position = position - 1 WHERE user_id = ? AND position > ?",
        )
        .bind(user.to_string())
        .bind(position)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts `user`'s views in the order of `ids`, which must name each of them exactly once.
    pub async fn order_views(&self, user: Uuid, ids: &[Uuid]) -> Result<Vec<SavedView>, AppError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let views = load(&mut tx, user).await?;
        let mut listed = HashSet::with_capacity(ids.len());
        for id in ids {
            // Someone else's id reads exactly like one that does not exist.
            if !views.iter().any(|v| v.id == *id) {
                return Err(AppError::invalid(
                    "ids",
                    format!("You have no saved view {id}; list each of your views once."),
                ));
            }
            if !listed.insert(*id) {
                return Err(AppError::invalid(
                    "ids",
                    format!("The view {id} is listed twice; list each of your views once."),
                ));
            }
        }
        if let Some(left_out) = views.iter().find(|v| !listed.contains(&v.id)) {
            return Err(AppError::invalid(
                "ids",
                format!(
                    "The order leaves out your view \"{}\"; list each of your views once.",
                    left_out.name
                ),
            ));
        }
        for (position, id) in (0i64..).zip(ids) {
            sqlx::query("UPDATE saved_views SET position = ? WHERE id = ?")
                .bind(position)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let ordered = load(&mut tx, user).await?;
        tx.commit().await?;
        Ok(ordered)
    }
}
