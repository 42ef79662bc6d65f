//! The sync endpoints' storage: push (checked here, committed by the single writer) and pull.

use super::writer::PushJob;
use super::{Store, uuid};
use crate::clock::Clock;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use deskline_shared::api::{PullResponse, PushMutation, PushResponse};
use deskline_shared::queue::can_see;
use deskline_shared::{Actor, Event, Ticket, Workspace};
use sqlx::{Connection, Row, SqliteConnection};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// Most mutations one push may carry.
pub const MAX_PUSH: usize = 1000;
/// Most tickets one pull page may carry.
pub const MAX_PULL: u32 = 1000;

impl Store {
    /// Processes a push: duplicates skipped, gaps refused, each new mutation decided and committed
    /// together with the client's `last_mutation_id` (by the single writer, see [`super::writer`]).
    pub async fn push(
        &self,
        actor: &Actor,
        ws: Arc<Workspace>,
        client_id: Uuid,
        mutations: Vec<PushMutation>,
        clock: &Clock,
    ) -> Result<PushResponse, AppError> {
        if mutations.len() > MAX_PUSH {
            return Err(AppError::invalid(
                "mutations",
                format!(
                    "A push may carry at most {MAX_PUSH} mutations; this one has {}.",
                    mutations.len()
                ),
            ));
        }
        if let Some(w) = mutations.windows(2).find(|w| w[1].id <= w[0].id) {
            return Err(AppError::invalid(
                "mutations",
                format!(
                    "Mutation ids must increase: {} follows {}.",
                    w[1].id, w[0].id
                ),
            ));
        }
        if let Some(m) = mutations
            .iter()
            .find(|m| m.id == 0 || i64::try_from(m.id).is_err())
        {
            return Err(AppError::invalid(
                "mutations",
                format!("Mutation ids run from 1 to {}; got {}.", i64::MAX, m.id),
            ));
        }
        self.writer
            .push(PushJob {
                actor: actor.clone(),
                workspace: ws,
                client_id,
                mutations,
                clock: clock.clone(),
            })
            .await
    }

    /// The newest `seq`: the number of changes committed so far.
    pub async fn head(&self) -> anyhow::Result<u64> {
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes")
            .fetch_one(&self.read)
            .await?;
        Ok(u64::try_from(head).unwrap_or(0))
    }

    /// The changes since `cookie` that `actor` may see, one page at a time.
    ///
    /// A page's cookie is the `seq` of its last ticket, so a ticket changed again meanwhile comes
    /// in a later page; until the last page, the client's copy mixes older and newer states. What
    /// depends on the state the client had, is judged at `since`, the cookie the client began
    /// paging from (it defaults to `cookie`): removals (visible at `since` or, having come on an
    /// earlier page of the run, at `cookie`; not now), messages
    /// (after `since` on the page's tickets; all of them for a ticket that came into sight), and
    /// `last_mutation_id` (a mutation leaves the outbox only once its effect has arrived, which
    /// is sure at `since` and, on the last page, at the head).
    #[allow(clippy::too_many_arguments)]
    pub async fn pull(
        &self,
        actor: &Actor,
        ws: &Workspace,
        client_id: Option<Uuid>,
        cookie: u64,
        since: Option<u64>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<PullResponse, AppError> {
        let since = since.unwrap_or(cookie);
        if since > cookie {
            return Err(AppError::invalid(
                "since",
                format!(
                    "`since` ({since}) is where paging began, so it cannot be after the cookie ({cookie})."
                ),
            ));
        }
        let limit = limit.clamp(1, MAX_PULL);
        let mut conn = self.read.acquire().await?;
        // One read transaction: the head and the rows come from the same snapshot.
        let mut tx = conn.begin().await?;
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes")
            .fetch_one(&mut *tx)
            .await?;
        let head = u64::try_from(head).unwrap_or(0);
        if cookie > head {
            return Err(AppError::Conflict {
                code: "sync_reset",
                message: format!(
                    "The cookie {cookie} is ahead of this server (at {head}); discard the local copy and pull from 0."
                ),
            });
        }
        let rows = sqlx::query(
            "SELECT data, seq FROM tickets WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        )
        .bind(i64::try_from(cookie).map_err(anyhow::Error::from)?)
        .bind(i64::try_from(head).map_err(anyhow::Error::from)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() > limit as usize;
        let mut page = Vec::with_capacity(rows.len().min(limit as usize));
        let mut new_cookie = head;
        for row in rows.iter().take(limit as usize) {
            page.push(serde_json::from_str::<Ticket>(
                &row.get::<String, _>("data"),
            )?);
            if more {
                new_cookie = u64::try_from(row.get::<i64, _>("seq")).unwrap_or(head);
            }
        }
        let (tickets, hidden): (Vec<Ticket>, Vec<Ticket>) =
            page.into_iter().partition(|t| can_see(actor, t, ws));
        // Tickets that came into sight after `since`: their whole conversation is news.
        let arrived = if since > 0 {
            let seen = seen_before(&mut tx, actor, ws, &tickets, since, since).await?;
            tickets
                .iter()
                .map(|t| t.id)
                .filter(|id| !seen.contains(id))
                .collect()
        } else {
            HashSet::new()
        };
        // Tickets moved out of the user's sight after the client may have got them: drop them.
        let removed: Vec<Uuid> = seen_before(&mut tx, actor, ws, &hidden, since, cookie)
            .await?
            .into_iter()
            .collect();
        let (fresh, known): (Vec<Uuid>, Vec<Uuid>) = tickets
            .iter()
            .map(|t| t.id)
            .partition(|id| arrived.contains(id));
        let mut messages = messages_since(&mut tx, &known, since).await?;
        messages.extend(messages_since(&mut tx, &fresh, 0).await?);
        // Only mutations whose effects the client surely holds once it has taken in this page: a
        // client drops a pending mutation on this answer, so acknowledging one whose ticket is
        // still on a later page would hide the change until that page.
        let covered = if more { since } else { new_cookie };
        let last_mutation_id = match client_id {
            Some(client) => sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(MAX(mutation_id), 0) FROM mutations WHERE client_id = ? AND user_id = ? AND seq <= ?",
            )
            .bind(client.to_string())
            .bind(actor.id.to_string())
            .bind(to_i64(covered)?)
            .fetch_one(&mut *tx)
            .await
            .map(|id| u64::try_from(id).unwrap_or(0))?,
            None => 0,
        };
        tx.commit().await?;
        Ok(PullResponse {
            tickets,
            removed,
            messages,
            last_mutation_id,
            cookie: new_cookie,
            more,
            head,
            server_time: now,
        })
    }
}

/// The events of `tickets` committed after `cookie` that carry a message, by `seq` and then in
/// the order they were appended.
async fn messages_since(
    conn: &mut SqliteConnection,
    tickets: &[Uuid],
    cookie: u64,
) -> anyhow::Result<Vec<Event>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = tickets.iter().map(Uuid::to_string).collect();
    // Every event that carries a message also wrote a `messages` row under its change, so the
    // semi-join narrows the read to those changes whatever the event kind is called; the check
    // on the decoded event below is the rule itself.
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT e.data FROM events e
         WHERE e.ticket_id IN (SELECT value FROM json_each(?1)) AND e.seq > ?2
           AND EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = e.ticket_id AND m.seq = e.seq)
         ORDER BY e.seq, e.id",
    )
    .bind(serde_json::to_string(&ids)?)
    .bind(to_i64(cookie)?)
    .fetch_all(&mut *conn)
    .await?;
    let mut messages = Vec::new();
    for data in rows {
        let event: Event = serde_json::from_str(&data)?;
        if event.kind.message().is_some() {
            messages.push(event);
        }
    }
    Ok(messages)
}

/// A protocol number as SQLite stores it; the push checks ids up front, so this failing is a bug.
fn to_i64(n: u64) -> anyhow::Result<i64> {
    i64::try_from(n).map_err(|_| anyhow::anyhow!("{n} does not fit SQLite's INTEGER"))
}

/// Which of `tickets` (a page: each changed after `cookie`) `actor` could see in a state that a
/// client paging from `since` may hold: the state at `since`, or one that followed a change up to
/// `cookie` (an earlier page of the run carried the ticket as it then was). With `since ==
/// cookie`, that is the state at `since` alone. Each change records the team and assignee before
/// it, which is all visibility reads. Only such tickets are reported as removed, so nobody
/// learns of tickets they were never shown. One read for a whole page (a read per ticket was
/// most of a pull).
async fn seen_before(
    conn: &mut SqliteConnection,
    actor: &Actor,
    ws: &Workspace,
    tickets: &[Ticket],
    since: u64,
    cookie: u64,
) -> anyhow::Result<HashSet<Uuid>> {
    let mut seen = HashSet::new();
    if !actor.role.is_staff() || tickets.is_empty() {
        return Ok(seen);
    }
    let by_id: HashMap<Uuid, &Ticket> = tickets.iter().map(|t| (t.id, t)).collect();
    let ids: Vec<String> = tickets.iter().map(|t| t.id.to_string()).collect();
    // The state before each change after `since`, up to the first change after `cookie` (the
    // state before that one is the newest a page up to `cookie` can have carried).
    let rows = sqlx::query(
        "SELECT c.ticket_id, c.prev_existed, c.prev_team_id, c.prev_assignee_id
         FROM changes c
         WHERE c.ticket_id IN (SELECT value FROM json_each(?1)) AND c.seq > ?2
           AND c.seq <= (SELECT MIN(f.seq) FROM changes f
                         WHERE f.ticket_id = c.ticket_id AND f.seq > ?3)",
    )
    .bind(serde_json::to_string(&ids)?)
    .bind(to_i64(since)?)
    .bind(to_i64(cookie)?)
    .fetch_all(conn)
    .await?;
    for row in rows {
        // Created after `since`: no state before this change existed.
        if row.get::<i64, _>("prev_existed") == 0 {
            continue;
        }
        let id = uuid(&row.get::<String, _>("ticket_id"))?;
        let Some(ticket) = by_id.get(&id).filter(|_| !seen.contains(&id)) else {
            continue;
        };
        let column = |column: &str| {
            row.get::<Option<String>, _>(column)
                .map(|s| uuid(&s))
                .transpose()
        };
        let before = Ticket {
            team: column("prev_team_id")?,
            assignee: column("prev_assignee_id")?,
            ..(*ticket).clone()
        };
        if can_see(actor, &before, ws) {
            seen.insert(id);
        }
    }
    Ok(seen)
}
