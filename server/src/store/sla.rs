//! SLA storage: the configuration, the scheduler's cursor and due times, alerts, inbox and outbox.

use super::{Store, millis, uuid};
use chrono::{DateTime, Utc};
use deskline_shared::api::{Inbox, InboxEntry};
use deskline_shared::sla::SlaConfig;
use deskline_shared::{Ticket, Workspace};
use sqlx::Row;
use uuid::Uuid;

/// An alert to deliver: who, about what.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The ticket.
    pub ticket: Uuid,
    /// Its reference.
    pub reference: Option<String>,
    /// `first_response`, `next_response` or `resolution`.
    pub metric: &'static str,
    /// When the metric's clock started (part of the once-only key).
    pub cycle_start: DateTime<Utc>,
    /// `warning` or `breached`.
    pub kind: &'static str,
    /// Inbox title and email subject.
    pub title: String,
    /// Inbox body and email text.
    pub body: String,
    /// Staff to tell: `(user id, email)`.
    pub recipients: Vec<(Uuid, String)>,
}

impl Store {
    /// Rebuilds, from their activity log, tickets stored before the SLA clock was part of the
    /// record (see migration 0002). Returns how many.
    pub async fn refold_tickets(&self) -> anyhow::Result<usize> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM tickets WHERE json_extract(data, '$.sla') IS NULL")
                .fetch_all(&self.read)
                .await?;
        let mut conn = self.write.acquire().await?;
        for id in &ids {
            let rows: Vec<String> =
                sqlx::query_scalar("SELECT data FROM events WHERE ticket_id = ? ORDER BY id")
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
            let events = rows
                .iter()
                .map(|r| serde_json::from_str(r))
                .collect::<Result<Vec<deskline_shared::Event>, _>>()?;
            let ticket = Ticket::replay(&events)
                .ok_or_else(|| anyhow::anyhow!("ticket {id} has no creation event"))?;
            sqlx::query("UPDATE tickets SET data = ? WHERE id = ?")
                .bind(serde_json::to_string(&ticket)?)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(ids.len())
    }

    /// Saves a validated configuration with filled zones.
    pub async fn save_sla(&self, sla: &SlaConfig) -> anyhow::Result<()> {
        let mut conn = self.write.acquire().await?;
        super::workspace::save_sla(&mut conn, sla).await?;
        // Every due time was computed under the old policies.
        sqlx::query("UPDATE sla_scheduler SET seq = 0 WHERE id = 1")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Tickets changed since the scheduler last looked (as stored, JSON), oldest change first,
    /// with the new cursor.
    pub async fn sla_changed(&self, limit: i64) -> anyhow::Result<(Vec<String>, i64)> {
        let mut conn = self.read.acquire().await?;
        let cursor: i64 = sqlx::query_scalar("SELECT seq FROM sla_scheduler WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0);
        let rows = sqlx::query("SELECT data, seq FROM tickets WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(cursor)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        let mut last = cursor;
        let mut tickets = Vec::with_capacity(rows.len());
        for row in rows {
            tickets.push(row.get::<String, _>("data"));
            last = row.get("seq");
        }
        Ok((tickets, last))
    }

    /// Tickets whose SLA state may have changed by `now` (as stored, JSON).
    pub async fn sla_due(&self, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<String>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT data FROM tickets WHERE sla_due_at <= ? ORDER BY sla_due_at LIMIT ?",
        )
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// Records due times and alerts of one scheduler step, and moves the cursor, in one
    /// transaction of the writer (the scheduler's writes would otherwise hold the database lock
    /// the pushes wait for). Returns how many alerts were new (the others were sent before).
    pub async fn sla_record(
        &self,
        due: &[(Uuid, Option<DateTime<Utc>>)],
        alerts: &[Alert],
        cursor: Option<i64>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        self.writer
            .sla(super::writer::SlaJob {
                due: due.to_vec(),
                alerts: alerts.to_vec(),
                cursor,
                now,
            })
            .await
    }

    /// A user's newest inbox entries and unread count.
    pub async fn inbox(&self, user: Uuid) -> anyhow::Result<Inbox> {
        let rows = sqlx::query(
            "SELECT id, ticket_id, reference, kind, title, body, created_at, read_at
             FROM inbox WHERE user_id = ? ORDER BY id DESC LIMIT 100",
        )
        .bind(user.to_string())
        .fetch_all(&self.read)
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            entries.push(InboxEntry {
                id: row.get("id"),
                ticket_id: row
                    .get::<Option<String>, _>("ticket_id")
                    .map(|t| uuid(&t))
                    .transpose()?,
                reference: row.get("reference"),
                kind: row.get("kind"),
                title: row.get("title"),
                body: row.get("body"),
                created_at: DateTime::from_timestamp_millis(row.get("created_at"))
                    .unwrap_or_default(),
                read: row.get::<Option<i64>, _>("read_at").is_some(),
            });
        }
        let unread: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE user_id = ? AND read_at IS NULL")
                .bind(user.to_string())
                .fetch_one(&self.read)
                .await?;
        Ok(Inbox {
            entries,
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
        })
    }

    /// Marks one of the user's entries read (`id`), or all of them; `false` when `id` is not theirs.
    pub async fn inbox_read(
        &self,
        user: Uuid,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE inbox SET read_at = COALESCE(read_at, ?1)
             WHERE user_id = ?2 AND (?3 IS NULL OR id = ?3)",
        )
        .bind(millis(now))
        .bind(user.to_string())
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(id.is_none() || done.rows_affected() == 1)
    }

    /// The email outbox, newest first (what admins see while no SMTP server is configured).
    pub async fn email_outbox(&self) -> anyhow::Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT to_address, subject, body FROM email_outbox ORDER BY id DESC LIMIT 200",
        )
        .fetch_all(&self.read)
        .await?)
    }
}

/// Who hears about a ticket's SLA: its assignee; without one, the leaders and admins who can see it.
pub fn recipients(ticket: &Ticket, ws: &Workspace) -> Vec<(Uuid, String)> {
    use deskline_shared::queue::can_see;
    use deskline_shared::{Actor, Role};
    if let Some(agent) = ticket
        .assignee
        .and_then(|a| ws.agent(a))
        .filter(|a| a.active)
    {
        return vec![(agent.id, agent.email.clone())];
    }
    ws.agents
        .iter()
        .filter(|a| a.active && matches!(a.role, Role::Leader | Role::Admin))
        .filter(|a| {
            let actor = Actor {
                id: a.id,
                name: a.name.clone(),
                role: a.role,
            };
            can_see(&actor, ticket, ws)
        })
        .map(|a| (a.id, a.email.clone()))
        .collect()
}
