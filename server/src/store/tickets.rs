//! Reading tickets and timelines.

use super::Store;
use deskline_shared::{Actor, Event, Role, Ticket, Workspace};
use sqlx::{Row, SqliteConnection};
use std::str::FromStr;
use uuid::Uuid;

/// The SQL condition (on alias `t`, parameter `?1` = the actor id) for the tickets `actor` may see.
///
/// This mirrors `deskline_shared::queue::can_see`; a test checks the two agree on every ticket.
pub fn visible_filter(actor: &Actor, ws: &Workspace) -> &'static str {
    match actor.role {
        Role::Admin => "(?1 IS NOT NULL)",
        Role::Customer => "(t.requester_id = ?1)",
        Role::Agent | Role::Leader if ws.agents_see_all_teams => "(?1 IS NOT NULL)",
        Role::Agent | Role::Leader => {
            "(t.assignee_id = ?1 OR t.team_id IS NULL OR t.team_id IN (SELECT team_id FROM team_members WHERE user_id = ?1))"
        }
    }
}

/// Where a page of `GET /api/tickets` ends: the last row's update time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    updated_at: i64,
    id: Uuid,
}

impl std::fmt::Display for PageCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.updated_at, self.id)
    }
}

impl FromStr for PageCursor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ms, id) = s.split_once('.').ok_or(())?;
        Ok(PageCursor {
            updated_at: ms.parse().map_err(|_| ())?,
            id: Uuid::parse_str(id).map_err(|_| ())?,
        })
    }
}

/// Loads the current state of a ticket on `conn`.
pub(crate) async fn load_ticket(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> anyhow::Result<Option<Ticket>> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM tickets WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

impl Store {
    /// A ticket, if it exists and `actor` may see it.
    pub async fn ticket_for(
        &self,
        actor: &Actor,
        ws: &Workspace,
        id: Uuid,
    ) -> anyhow::Result<Option<Ticket>> {
        let mut conn = self.read.acquire().await?;
        let ticket = load_ticket(&mut conn, id).await?;
        Ok(ticket
            .filter(|t| deskline_shared::queue::can_see(actor, t, ws))
            .map(|t| deskline_shared::queue::as_seen_by(actor, &t)))
    }

    /// A ticket's events, oldest first. Customers get only what they may see: no internal notes.
    pub async fn timeline(&self, actor: &Actor, id: Uuid) -> anyhow::Result<Vec<Event>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM events WHERE ticket_id = ? ORDER BY id")
                .bind(id.to_string())
                .fetch_all(&self.read)
                .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let event: Event = serde_json::from_str(&row)?;
            if actor.role.is_staff() || event.kind.visible_to_customer() {
                events.push(event);
            }
        }
        Ok(events)
    }

    /// The ticket with exactly this reference, whoever may see it: the caller decides what to tell.
    pub async fn ticket_by_reference(&self, reference: &str) -> anyhow::Result<Option<Ticket>> {
        let data: Option<String> =
            sqlx::query_scalar("SELECT data FROM tickets WHERE reference = ?")
                .bind(reference)
                .fetch_optional(&self.read)
                .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// A page of the tickets `actor` may see, most recently updated first, and the total they may see.
    pub async fn ticket_page(
        &self,
        actor: &Actor,
        ws: &Workspace,
        after: Option<PageCursor>,
        limit: u32,
    ) -> anyhow::Result<(Vec<Ticket>, Option<PageCursor>, u64)> {
        let filter = visible_filter(actor, ws);
        let mut conn = self.read.acquire().await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM tickets t WHERE {filter}"))
                .bind(actor.id.to_string())
                .fetch_one(&mut *conn)
                .await?;
        let sql = format!(
            "SELECT data, updated_at, id FROM tickets t WHERE {filter}
             AND (?2 IS NULL OR (t.updated_at, t.id) < (?2, ?3))
             ORDER BY t.updated_at DESC, t.id DESC LIMIT ?4"
        );
        let rows = sqlx::query(&sql)
            .bind(actor.id.to_string())
            .bind(after.map(|c| c.updated_at))
            .bind(after.map(|c| c.id.to_string()))
            .bind(i64::from(limit) + 1)
            .fetch_all(&mut *conn)
            .await?;
        let more = rows.len() > limit as usize;
        let mut tickets = Vec::with_capacity(rows.len().min(limit as usize));
        let mut cursor = None;
        for row in rows.iter().take(limit as usize) {
            let ticket: Ticket = serde_json::from_str(&row.get::<String, _>("data"))?;
            tickets.push(deskline_shared::queue::as_seen_by(actor, &ticket));
            cursor = Some(PageCursor {
                updated_at: row.get("updated_at"),
                id: super::uuid(&row.get::<String, _>("id"))?,
            });
        }
        Ok((
            tickets,
            cursor.filter(|_| more),
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// Every ticket, for tests and tools that check rules against the whole table.
    pub async fn all_tickets(&self) -> anyhow::Result<Vec<Ticket>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM tickets ORDER BY id")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
    }
}
