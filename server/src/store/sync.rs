//! The write path: push (decide with `shared::apply`, commit, number with `seq`) and pull.

use super::tickets::load_ticket;
use super::{Store, millis, uuid};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use deskline_shared::api::{MutationResult, Outcome, PullResponse, PushMutation, PushResponse};
use deskline_shared::queue::can_see;
use deskline_shared::{
    Actor, Context, Event, EventKind, Mutation, Rejection, Ticket, Workspace, apply,
};
use sqlx::{Connection, Row, SqliteConnection};
use uuid::Uuid;

/// Most mutations one push may carry.
pub const MAX_PUSH: usize = 1000;
/// Most tickets one pull page may carry.
pub const MAX_PULL: u32 = 1000;

/// What committing an accepted mutation produced.
#[derive(Debug)]
pub struct Committed {
    /// The change number, or `None` when the mutation changed nothing.
    pub seq: Option<u64>,
    /// The ticket after the change.
    pub ticket: Option<Ticket>,
}

/// Decides `mutation` with `shared::apply` against the stored ticket and, when accepted, appends its
/// events, updates the ticket and records a new gap-free `seq` — all on `conn`, inside the caller's
/// transaction. The outer `Result` is for storage failures, the inner one is the domain's verdict.
pub async fn commit_mutation(
    conn: &mut SqliteConnection,
    ws: &Workspace,
    actor: &Actor,
    mutation: &Mutation,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Committed, Rejection>> {
    let stored = load_ticket(conn, mutation.ticket_id()).await?;
    // A ticket the actor may not see does not exist for them; a create with a taken id is still refused.
    let visible = match (&stored, mutation) {
        (Some(t), Mutation::Create { .. }) if !can_see(actor, t, ws) => {
            return Ok(Err(Rejection::AlreadyExists {
                reference: "another ticket".into(),
            }));
        }
        (Some(t), _) if !can_see(actor, t, ws) => None,
        _ => stored,
    };
    let ctx = Context {
        actor,
        workspace: ws,
        now,
    };
    let mut events = match apply(visible.as_ref(), mutation, &ctx) {
        Ok(events) => events,
        Err(rejection) => return Ok(Err(rejection)),
    };
    if events.is_empty() {
        return Ok(Ok(Committed {
            seq: None,
            ticket: visible,
        }));
    }
    if matches!(mutation, Mutation::Create { .. }) {
        let sequence: i64 = sqlx::query_scalar(
            "UPDATE workspace SET next_reference = next_reference + 1 RETURNING next_reference - 1",
        )
        .fetch_one(&mut *conn)
        .await?;
        let reference = ws
            .reference_scheme
            .format(u64::try_from(sequence)?, now.date_naive());
        events.push(Event {
            ticket: mutation.ticket_id(),
            actor: None,
            at: now,
            kind: EventKind::ReferenceAssigned { reference },
        });
    }
    let mut ticket = match visible {
        Some(t) => t,
        None => Ticket::from_created(&events[0])
            .ok_or_else(|| anyhow::anyhow!("a create produced no Created event"))?,
    };
    let created = matches!(events[0].kind, EventKind::Created(_));
    for event in events.iter().skip(usize::from(created)) {
        ticket.apply_event(event);
    }

    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM changes")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO changes (seq, ticket_id, committed_at) VALUES (?, ?, ?)")
        .bind(seq)
        .bind(ticket.id.to_string())
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
    for event in &events {
        sqlx::query("INSERT INTO events (ticket_id, seq, actor_id, at, kind, data) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(ticket.id.to_string())
            .bind(seq)
            .bind(event.actor.map(|a| a.to_string()))
            .bind(millis(event.at))
            .bind(event.kind.name())
            .bind(serde_json::to_string(event)?)
            .execute(&mut *conn)
            .await?;
        if let Some(message) = event.kind.message() {
            sqlx::query("INSERT INTO messages (id, ticket_id, visibility, from_staff, author_id, body, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(message.id.to_string())
                .bind(ticket.id.to_string())
                .bind(super::workspace::enum_name(&message.visibility)?)
                .bind(message.from_staff)
                .bind(event.actor.map(|a| a.to_string()))
                .bind(&message.body)
                .bind(millis(event.at))
                .bind(seq)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query(
        "INSERT INTO tickets (id, reference, status, team_id, assignee_id, requester_id, created_at, updated_at, seq, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET reference = ?2, status = ?3, team_id = ?4, assignee_id = ?5, requester_id = ?6,
           updated_at = ?8, seq = ?9, data = ?10",
    )
    .bind(ticket.id.to_string())
    .bind(&ticket.reference)
    .bind(ticket.status.as_str())
    .bind(ticket.team.map(|t| t.to_string()))
    .bind(ticket.assignee.map(|a| a.to_string()))
    .bind(ticket.requester.as_ref().map(|r| r.id.to_string()))
    .bind(millis(ticket.created_at))
    .bind(millis(ticket.updated_at))
    .bind(seq)
    .bind(serde_json::to_string(&ticket)?)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(Committed {
        seq: Some(u64::try_from(seq)?),
        ticket: Some(ticket),
    }))
}

impl Store {
    /// Processes a push: duplicates skipped, gaps refused, each new mutation decided and committed in
    /// its own transaction together with the client's `last_mutation_id`.
    pub async fn push(
        &self,
        actor: &Actor,
        ws: &Workspace,
        client_id: Uuid,
        mutations: &[PushMutation],
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
        if let Some(m) = mutations.iter().find(|m| m.id == 0) {
            return Err(AppError::invalid(
                "mutations",
                format!("Mutation ids start at 1; got {}.", m.id),
            ));
        }
        let mut conn = self.write.acquire().await?;
        let row =
            sqlx::query("SELECT user_id, last_mutation_id FROM sync_clients WHERE client_id = ?")
                .bind(client_id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        let mut last = match row {
            Some(row) => {
                if uuid(&row.get::<String, _>("user_id"))? != actor.id {
                    return Err(AppError::Forbidden("This client id belongs to another account; sign in again to get a new one.".into()));
                }
                u64::try_from(row.get::<i64, _>("last_mutation_id")).unwrap_or(0)
            }
            None => {
                sqlx::query("INSERT INTO sync_clients (client_id, user_id, last_mutation_id, updated_at) VALUES (?, ?, 0, ?)")
                    .bind(client_id.to_string())
                    .bind(actor.id.to_string())
                    .bind(millis(Utc::now()))
                    .execute(&mut *conn)
                    .await?;
                0
            }
        };
        if let Some(first_new) = mutations.iter().map(|m| m.id).find(|&id| id > last)
            && first_new != last + 1
        {
            return Err(AppError::Conflict {
                code: "mutation_gap",
                message: format!(
                    "The server has processed this client's mutations up to {last}, so the next must be {}; got {first_new}.",
                    last + 1
                ),
            });
        }

        let mut results = Vec::with_capacity(mutations.len());
        for m in mutations {
            if m.id <= last {
                results.push(MutationResult {
                    id: m.id,
                    outcome: Outcome::Duplicate,
                });
                continue;
            }
            let now = Utc::now();
            let mut tx = conn.begin().await?;
            let outcome = match commit_mutation(&mut tx, ws, actor, &m.mutation, now).await? {
                Ok(committed) => Outcome::Applied {
                    seq: committed.seq.unwrap_or(0),
                },
                Err(rejection) => Outcome::Rejected {
                    message: rejection.to_string(),
                    rejection,
                },
            };
            sqlx::query(
                "INSERT INTO mutations (client_id, mutation_id, user_id, name, ticket_id, args, created_at, processed_at, outcome)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(client_id.to_string())
            .bind(i64::try_from(m.id).map_err(anyhow::Error::from)?)
            .bind(actor.id.to_string())
            .bind(m.mutation.name())
            .bind(m.mutation.ticket_id().to_string())
            .bind(serde_json::to_string(&m.mutation)?)
            .bind(millis(m.created_at))
            .bind(millis(now))
            .bind(serde_json::to_string(&outcome)?)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE sync_clients SET last_mutation_id = ?, updated_at = ? WHERE client_id = ?",
            )
            .bind(i64::try_from(m.id).map_err(anyhow::Error::from)?)
            .bind(millis(now))
            .bind(client_id.to_string())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            last = m.id;
            results.push(MutationResult { id: m.id, outcome });
        }
        Ok(PushResponse {
            results,
            last_mutation_id: last,
        })
    }

    /// The changes since `cookie` that `actor` may see, one page at a time.
    pub async fn pull(
        &self,
        actor: &Actor,
        ws: &Workspace,
        client_id: Option<Uuid>,
        cookie: u64,
        limit: u32,
    ) -> Result<PullResponse, AppError> {
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
        let mut tickets = Vec::new();
        let mut removed = Vec::new();
        let mut new_cookie = head;
        for row in rows.iter().take(limit as usize) {
            let ticket: Ticket = serde_json::from_str(&row.get::<String, _>("data"))?;
            if more {
                new_cookie = u64::try_from(row.get::<i64, _>("seq")).unwrap_or(head);
            }
            if can_see(actor, &ticket, ws) {
                tickets.push(ticket);
            } else if cookie > 0 && actor.role.is_staff() {
                // It changed and is no longer visible (moved to another team): tell the client to drop it.
                removed.push(ticket.id);
            }
        }
        let last_mutation_id = match client_id {
            Some(client) => sqlx::query_scalar::<_, i64>(
                "SELECT last_mutation_id FROM sync_clients WHERE client_id = ? AND user_id = ?",
            )
            .bind(client.to_string())
            .bind(actor.id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .map_or(0, |id| u64::try_from(id).unwrap_or(0)),
            None => 0,
        };
        tx.commit().await?;
        Ok(PullResponse {
            tickets,
            removed,
            last_mutation_id,
            cookie: new_cookie,
            more,
            server_time: Utc::now(),
        })
    }
}
