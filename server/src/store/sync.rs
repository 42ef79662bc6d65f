//! The sync endpoints' storage: push (checked here, committed by the single writer) and pull.

use super::writer::PushJob;
use super::{Store, uuid};
use crate::clock::Clock;
use crate::error::AppError;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use deskline_shared::api::{PullResponse, PushMutation, PushResponse};
use deskline_shared::queue::Sight;
use deskline_shared::{Actor, EventKind, Workspace};
use rusqlite::{OptionalExtension, params};
use serde_json::value::RawValue;
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
    ///
    /// Tickets and events go out as the JSON they were stored as; who sees a ticket is judged on
    /// the columns that hold its team, assignee and requester.
    #[allow(clippy::too_many_arguments)]
    pub async fn pull(
        &self,
        actor: &Actor,
        ws: Arc<Workspace>,
        client_id: Option<Uuid>,
        cookie: u64,
        check: Option<u32>,
        since: Option<u64>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<RawPull, AppError> {
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
        let actor = actor.clone();
        self.readers
            .run(move |conn| {
                // One read transaction: the head and the rows come from the same snapshot.
                let tx = conn.transaction()?;
                let page = read_pull(
                    &tx, &actor, &ws, client_id, cookie, check, since, limit, now,
                );
                tx.finish()?;
                page
            })
            .await
    }
}

/// The body of [`Store::pull`], inside its read transaction.
#[allow(clippy::too_many_arguments)]
fn read_pull(
    tx: &rusqlite::Transaction,
    actor: &Actor,
    ws: &Workspace,
    client_id: Option<Uuid>,
    cookie: u64,
    check: Option<u32>,
    since: u64,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<RawPull, AppError> {
    let head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    let head = u64::try_from(head).unwrap_or(0);
    if cookie > head {
        return Err(AppError::Conflict {
            code: "sync_reset",
            message: format!(
                "The cookie {cookie} is ahead of this server (at {head}); discard the local copy and pull from 0."
            ),
        });
    }
    // A cookie of another history: this `seq` names another change here (the database was
    // restored from an older backup and has committed changes since).
    if let Some(check) = check
        && cookie > 0
        && token_at(tx, cookie)?.is_some_and(|token| token != check)
    {
        return Err(AppError::Conflict {
            code: "sync_reset",
            message: format!(
                "The cookie {cookie} names a change this server does not have (its data was restored from an older backup); discard the local copy and pull from 0."
            ),
        });
    }
    let mut select = tx.prepare_cached(
        "SELECT id, team_id, assignee_id, requester_id, data, seq FROM tickets
         WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut rows = select.query(params![
        to_i64(cookie)?,
        to_i64(head)?,
        i64::from(limit) + 1
    ])?;
    let mut tickets = Vec::new();
    // The page's tickets the user sees now, and those they do not, with what decides it.
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    let mut taken = 0;
    let mut last_seq = head;
    let mut more = false;
    while let Some(row) = rows.next()? {
        if taken == limit {
            more = true;
            break;
        }
        taken += 1;
        let id = column_uuid(row, 0)?.context("a ticket without an id")?;
        let sight = Sight {
            team: column_uuid(row, 1)?,
            assignee: column_uuid(row, 2)?,
            requester: column_uuid(row, 3)?,
        };
        if sight.visible_to(actor, ws) {
            tickets.push(RawValue::from_string(row.get(4)?)?);
            visible.push((id, sight));
        } else {
            hidden.push((id, sight));
        }
        last_seq = u64::try_from(row.get::<_, i64>(5)?).unwrap_or(head);
    }
    let new_cookie = if more { last_seq } else { head };
    // Tickets that came into sight after `since`, or that an earlier page of this run may have
    // reported as removed (the client then dropped their messages): their whole conversation is
    // news. Sending a message again is harmless, as a client keeps one copy per message.
    let (known, fresh): (Vec<Uuid>, Vec<Uuid>) = if since > 0 && actor.role.is_staff() {
        let seen = states_before(tx, &visible, since, since)?
            .into_iter()
            .filter(|(_, sight)| sight.visible_to(actor, ws))
            .map(|(id, _)| id)
            .collect::<HashSet<Uuid>>();
        // On the first page of a run the only state is the one at `since`, read just above.
        let out_of_sight: HashSet<Uuid> = if cookie > since {
            states_before(tx, &visible, since, cookie)?
                .into_iter()
                .filter(|(_, sight)| !sight.visible_to(actor, ws))
                .map(|(id, _)| id)
                .collect()
        } else {
            HashSet::new()
        };
        visible
            .iter()
            .map(|(id, _)| *id)
            .partition(|id| seen.contains(id) && !out_of_sight.contains(id))
    } else {
        (Vec::new(), visible.iter().map(|(id, _)| *id).collect())
    };
    // Tickets moved out of the user's sight after the client may have got them: drop them.
    let removed: Vec<Uuid> = seen_before(tx, actor, ws, &hidden, since, cookie)?
        .into_iter()
        .collect();
    let mut messages = messages_since(tx, &known, since)?;
    messages.extend(messages_since(tx, &fresh, 0)?);
    // Only mutations whose effects the client surely holds once it has taken in this page: a
    // client drops a pending mutation on this answer, so acknowledging one whose ticket is
    // still on a later page would hide the change until that page.
    let covered = if more { since } else { new_cookie };
    let last_mutation_id = match client_id {
        Some(client) => tx
            .prepare_cached(
                "SELECT COALESCE(MAX(mutation_id), 0) FROM mutations
                 WHERE client_id = ?1 AND user_id = ?2 AND seq <= ?3",
            )?
            .query_row(
                params![client.to_string(), actor.id.to_string(), to_i64(covered)?],
                |r| r.get::<_, i64>(0),
            )
            .map(|id| u64::try_from(id).unwrap_or(0))?,
        None => 0,
    };
    let check = if new_cookie > 0 {
        token_at(tx, new_cookie)?
    } else {
        None
    };
    Ok(PullResponse {
        tickets,
        removed,
        messages,
        last_mutation_id,
        cookie: new_cookie,
        check,
        more,
        head,
        server_time: now,
    })
}

/// A pull page with tickets and events as the JSON stored for them; it serialises exactly as the
/// [`PullResponse`] clients read.
pub type RawPull = PullResponse<Box<RawValue>, Box<RawValue>>;

/// A column holding an id, or NULL.
fn column_uuid(row: &rusqlite::Row, column: usize) -> anyhow::Result<Option<Uuid>> {
    row.get_ref(column)?.as_str_or_null()?.map(uuid).transpose()
}

/// The events of `tickets` committed after `cookie` that carry a message, by `seq` and then in
/// the order they were appended.
fn messages_since(
    tx: &rusqlite::Transaction,
    tickets: &[Uuid],
    cookie: u64,
) -> anyhow::Result<Vec<Box<RawValue>>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = tickets.iter().map(Uuid::to_string).collect();
    // A change that adds a message writes a `messages` row under its `seq`, which narrows the read
    // to those changes; the kind picks the message's own event among the change's.
    let mut select = tx.prepare_cached(
        "SELECT e.data FROM events e
         WHERE (e.ticket_id, e.seq) IN (SELECT m.ticket_id, m.seq FROM messages m
                                        WHERE m.ticket_id IN (SELECT value FROM json_each(?1))
                                          AND m.seq > ?2)
           AND e.kind = ?3
         ORDER BY e.seq, e.id",
    )?;
    let rows = select.query_map(
        params![
            serde_json::to_string(&ids)?,
            to_i64(cookie)?,
            EventKind::MESSAGE_ADDED
        ],
        |row| row.get::<_, String>(0),
    )?;
    let mut messages = Vec::new();
    for data in rows {
        messages.push(RawValue::from_string(data?)?);
    }
    Ok(messages)
}

/// A protocol number as SQLite stores it; the push checks ids up front, so this failing is a bug.
fn to_i64(n: u64) -> anyhow::Result<i64> {
    i64::try_from(n).map_err(|_| anyhow::anyhow!("{n} does not fit SQLite's INTEGER"))
}

/// The token of the change `seq` names (`None` for changes older than tokens, or none at all).
fn token_at(tx: &rusqlite::Transaction, seq: u64) -> anyhow::Result<Option<u32>> {
    let token: Option<Option<i64>> = tx
        .prepare_cached("SELECT token FROM changes WHERE seq = ?1")?
        .query_row(params![to_i64(seq)?], |r| r.get(0))
        .optional()?;
    Ok(token.flatten().and_then(|t| u32::try_from(t).ok()))
}

/// Which of `tickets` (a page: each changed after `cookie`) `actor` could see in a state that a
/// client paging from `since` may hold: the state at `since`, or one that followed a change up to
/// `cookie` (an earlier page of the run carried the ticket as it then was). With `since ==
/// cookie`, that is the state at `since` alone. Only such tickets are reported as removed, so
/// nobody learns of tickets they were never shown.
fn seen_before(
    tx: &rusqlite::Transaction,
    actor: &Actor,
    ws: &Workspace,
    tickets: &[(Uuid, Sight)],
    since: u64,
    cookie: u64,
) -> anyhow::Result<HashSet<Uuid>> {
    if !actor.role.is_staff() {
        return Ok(HashSet::new());
    }
    Ok(states_before(tx, tickets, since, cookie)?
        .into_iter()
        .filter(|(_, sight)| sight.visible_to(actor, ws))
        .map(|(id, _)| id)
        .collect())
}

/// The states of `tickets` (each changed after `cookie`, with its sight now) that a client paging
/// from `since` may hold, as in [`seen_before`]: the state before each change after `since`, up
/// to each ticket's first change after `cookie`. Each change records the team and assignee before
/// it, which is all visibility reads of staff. One read for a whole page, which visits only the
/// changes it needs; a ticket created after `since` has no state before it and is not listed.
fn states_before(
    tx: &rusqlite::Transaction,
    tickets: &[(Uuid, Sight)],
    since: u64,
    cookie: u64,
) -> anyhow::Result<Vec<(Uuid, Sight)>> {
    let mut states = Vec::new();
    if tickets.is_empty() {
        return Ok(states);
    }
    let by_id: HashMap<Uuid, Sight> = tickets.iter().copied().collect();
    let ids: Vec<String> = tickets.iter().map(|(id, _)| id.to_string()).collect();
    let mut select = tx.prepare_cached(
        "WITH page (ticket_id, upto) AS (
             SELECT j.value, (SELECT MIN(f.seq) FROM changes f WHERE f.ticket_id = j.value AND f.seq > ?3)
             FROM json_each(?1) j)
         SELECT c.ticket_id, c.prev_team_id, c.prev_assignee_id
         FROM page JOIN changes c ON c.ticket_id = page.ticket_id AND c.seq > ?2 AND c.seq <= page.upto
         -- Created after `since`: no state before this change existed.
         WHERE c.prev_existed = 1",
    )?;
    let mut rows = select.query(params![
        serde_json::to_string(&ids)?,
        to_i64(since)?,
        to_i64(cookie)?
    ])?;
    while let Some(row) = rows.next()? {
        let id = column_uuid(row, 0)?.context("a ticket without an id")?;
        let Some(now) = by_id.get(&id) else {
            continue;
        };
        states.push((
            id,
            Sight {
                team: column_uuid(row, 1)?,
                assignee: column_uuid(row, 2)?,
                ..*now
            },
        ));
    }
    Ok(states)
}
