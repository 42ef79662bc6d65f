//! The single writer of the sync path: one thread that owns the connection every mutation is
//! committed on, so commits are serialised and `seq` is gap-free and in commit order.
//!
//! Pushes queue up while the thread commits; it takes everything waiting (up to
//! [`MAX_BATCH`] mutations) and commits it in one transaction, then answers each push. A push is
//! answered only once its transaction is on disk, so an acknowledged mutation survives a killed
//! process. Statements run on this thread directly (rusqlite), not through a worker thread per
//! statement: the hops between threads were most of a push's cost, and a commit per mutation
//! wrote the same index pages again and again.
//!
//! If a batch fails (a storage error, never a rejection), its transaction is rolled back and each
//! job is committed again on its own, so one job's failure is that job's alone.

use super::sla::Alert;
use super::{millis, uuid};
use crate::clock::Clock;
use crate::error::AppError;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use deskline_shared::api::{MutationResult, Outcome, PushMutation, PushResponse};
use deskline_shared::queue::can_see;
use deskline_shared::{
    Actor, Context, Event, EventKind, Mutation, Rejection, Ticket, Workspace, apply,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Most mutations one transaction takes: enough to share the commit, few enough that the first
/// push of a batch is not kept waiting long.
const MAX_BATCH: usize = 512;

/// A push, as the writer takes it.
pub struct PushJob {
    pub actor: Actor,
    pub workspace: Arc<Workspace>,
    pub client_id: Uuid,
    pub mutations: Vec<PushMutation>,
    pub clock: Clock,
}

/// Mutations committed without a client (the demo seed), each by its own actor at its own time.
pub struct CommitJob {
    pub workspace: Arc<Workspace>,
    pub mutations: Vec<(Actor, Mutation, DateTime<Utc>)>,
}

/// One step of the SLA scheduler: due times, alerts, and its cursor (see `store::sla`).
pub struct SlaJob {
    pub due: Vec<(Uuid, Option<DateTime<Utc>>)>,
    pub alerts: Vec<Alert>,
    pub cursor: Option<i64>,
    pub now: DateTime<Utc>,
}

enum Job {
    Push(PushJob, oneshot::Sender<Result<PushResponse, AppError>>),
    Commit(CommitJob, oneshot::Sender<anyhow::Result<()>>),
    Sla(SlaJob, oneshot::Sender<anyhow::Result<usize>>),
}

impl Job {
    fn size(&self) -> usize {
        match self {
            Job::Push(job, _) => job.mutations.len().max(1),
            Job::Commit(job, _) => job.mutations.len().max(1),
            Job::Sla(job, _) => job.due.len() / 16 + job.alerts.len() + 1,
        }
    }
}

/// What a job comes to inside a transaction: its answer, or a storage failure that rolls the
/// transaction back.
enum Done {
    Push(Result<PushResponse, AppError>),
    Commit,
    Sla(usize),
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone, Debug)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Opens the database file at `path` (already created and migrated) and starts the thread.
    pub fn start(path: &Path) -> anyhow::Result<Writer> {
        let conn = Connection::open(path)
            .with_context(|| format!("could not open the database {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // NORMAL in WAL mode survives a killed process; only a power loss can drop the last commits.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Checkpoints copy the log into the database and sync it, which stalls whoever runs
        // them: a thread of their own does, so pushes never wait for one.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.set_prepared_statement_cache_capacity(64);
        let checkpoints = Connection::open(path)?;
        checkpoints.busy_timeout(Duration::from_secs(10))?;
        let (due, checkpoint) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("deskline-checkpoint".into())
            .spawn(move || {
                // Ends with the writer, which holds `due`.
                while checkpoint.recv().is_ok() {
                    if let Err(e) =
                        checkpoints.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "a checkpoint failed; the next one tries again");
                    }
                }
            })?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("deskline-writer".into())
            .spawn(move || run(conn, queue, due))?;
        Ok(Writer { jobs })
    }

    /// Decides and commits a push; see [`super::Store::push`].
    pub async fn push(&self, job: PushJob) -> Result<PushResponse, AppError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Push(job, reply))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the writer thread stopped"))?
    }

    /// Commits mutations without a client (the seed). A refused one is skipped, as a user would be
    /// told and go on.
    pub async fn commit(&self, job: CommitJob) -> anyhow::Result<()> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Commit(job, reply))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the writer thread stopped"))?
    }

    /// Records one step of the SLA scheduler; returns how many alerts were new.
    pub async fn sla(&self, job: SlaJob) -> anyhow::Result<usize> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Sla(job, reply))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the writer thread stopped"))?
    }

    fn send(&self, job: Job) -> anyhow::Result<()> {
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("the writer thread stopped"))
    }
}

/// The log is checkpointed once the writer has had nothing to do for this long ...
const CHECKPOINT_WHEN_IDLE: Duration = Duration::from_millis(250);
/// ... or, under constant load, this long after the last checkpoint. A checkpoint syncs the
/// database file, and on a busy disk the commits around it wait: at 2,000 mutations a second,
/// a checkpoint a second put the slowest pushes at 20-60 ms instead of 5.
const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(10);

fn run(mut conn: Connection, queue: mpsc::Receiver<Job>, checkpoint: mpsc::SyncSender<()>) {
    // When the first commit after the last checkpoint was made.
    let mut unchecked: Option<std::time::Instant> = None;
    loop {
        let first = match queue.recv_timeout(CHECKPOINT_WHEN_IDLE) {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Full: the last one is still running, and will take these commits too.
                if unchecked.take().is_some() {
                    let _ = checkpoint.try_send(());
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        match unchecked {
            Some(since) if since.elapsed() >= CHECKPOINT_AT_LEAST_EVERY => {
                let _ = checkpoint.try_send(());
                unchecked = Some(std::time::Instant::now());
            }
            Some(_) => {}
            None => unchecked = Some(std::time::Instant::now()),
        }
        let mut size = first.size();
        let mut batch = vec![first];
        while size < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => {
                    size += job.size();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        match commit_batch(&mut conn, &batch) {
            Ok(done) => answer(batch, done),
            Err(error) if batch.len() == 1 => answer_failed(batch, &error),
            Err(_) => {
                // Each on its own, so only a job that fails by itself is answered with its failure.
                for job in batch {
                    match commit_batch(&mut conn, std::slice::from_ref(&job)) {
                        Ok(done) => answer(vec![job], done),
                        Err(error) => answer_failed(vec![job], &error),
                    }
                }
            }
        }
    }
}

fn commit_batch(conn: &mut Connection, batch: &[Job]) -> anyhow::Result<Vec<Done>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    let mut done = Vec::with_capacity(batch.len());
    for job in batch {
        done.push(match job {
            Job::Push(job, _) => Done::Push(push(&tx, job, &mut head)?),
            Job::Commit(job, _) => {
                for (actor, mutation, at) in &job.mutations {
                    let _ = commit_mutation(&tx, &job.workspace, actor, mutation, *at, &mut head)?;
                }
                Done::Commit
            }
            Job::Sla(job, _) => Done::Sla(record_sla(&tx, job)?),
        });
    }
    tx.commit()?;
    Ok(done)
}

fn answer(batch: Vec<Job>, done: Vec<Done>) {
    for (job, done) in batch.into_iter().zip(done) {
        // A caller that went away (a dropped request) no longer needs its answer.
        match (job, done) {
            (Job::Push(_, reply), Done::Push(result)) => {
                let _ = reply.send(result);
            }
            (Job::Commit(_, reply), Done::Commit) => {
                let _ = reply.send(Ok(()));
            }
            (Job::Sla(_, reply), Done::Sla(sent)) => {
                let _ = reply.send(Ok(sent));
            }
            _ => unreachable!("answers are made in the order of their jobs"),
        }
    }
}

fn answer_failed(batch: Vec<Job>, error: &anyhow::Error) {
    for job in batch {
        match job {
            Job::Push(_, reply) => {
                let _ = reply.send(Err(AppError::Internal(anyhow::anyhow!("{error:#}"))));
            }
            Job::Commit(_, reply) => {
                let _ = reply.send(Err(anyhow::anyhow!("{error:#}")));
            }
            Job::Sla(_, reply) => {
                let _ = reply.send(Err(anyhow::anyhow!("{error:#}")));
            }
        }
    }
}

/// What committing an accepted mutation produced.
#[derive(Debug)]
pub struct Committed {
    /// The change number, or `None` when the mutation changed nothing.
    pub seq: Option<u64>,
    /// The ticket after the change.
    pub ticket: Option<Ticket>,
}

/// One push inside the batch's transaction: duplicates answered with their recorded outcome,
/// gaps refused, each new mutation decided and committed with the client's `last_mutation_id`.
fn push(
    tx: &Transaction<'_>,
    job: &PushJob,
    head: &mut i64,
) -> anyhow::Result<Result<PushResponse, AppError>> {
    let PushJob {
        actor,
        workspace: ws,
        client_id,
        mutations,
        clock,
    } = job;
    let client = client_id.to_string();
    let row: Option<(String, i64)> = tx
        .prepare_cached("SELECT user_id, last_mutation_id FROM sync_clients WHERE client_id = ?")?
        .query_row([&client], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let known = row.is_some();
    let mut last = match row {
        Some((user, last)) => {
            if uuid(&user)? != actor.id {
                return Ok(Err(AppError::Forbidden(
                    "This client id belongs to another account; sign in again to get a new one."
                        .into(),
                )));
            }
            u64::try_from(last).unwrap_or(0)
        }
        None => 0,
    };
    // Ids increase, so the new ones are a suffix; each must follow the one before it.
    let new = mutations.iter().map(|m| m.id).filter(|&id| id > last);
    if let Some((expected, got)) = (last + 1..)
        .zip(new)
        .find(|(expected, got)| expected != got)
    {
        return Ok(Err(AppError::Conflict {
            code: "mutation_gap",
            message: format!(
                "This client's mutations must be numbered without gaps: after {} comes {expected}, not {got}.",
                expected - 1
            ),
        }));
    }
    if !known {
        tx.prepare_cached(
            "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, updated_at) VALUES (?, ?, 0, ?)",
        )?
        .execute(params![client, actor.id.to_string(), millis(clock.now())])?;
    }

    let mut results = Vec::with_capacity(mutations.len());
    for m in mutations {
        if m.id <= last {
            // Already processed: answer what was decided then (the first answer may have been lost).
            let stored: Option<String> = tx
                .prepare_cached(
                    "SELECT outcome FROM mutations WHERE client_id = ? AND mutation_id = ?",
                )?
                .query_row(params![client, to_i64(m.id)?], |r| r.get(0))
                .optional()?;
            let outcome = stored
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(Outcome::Duplicate);
            results.push(MutationResult { id: m.id, outcome });
            continue;
        }
        let now = clock.now();
        let verdict = commit_mutation(tx, ws, actor, &m.mutation, now, head)?;
        // The head once this mutation is done: its own change, or the head it left unchanged.
        let seq = match verdict.as_ref().ok().and_then(|c| c.seq) {
            Some(seq) => seq,
            None => u64::try_from(*head).unwrap_or(0),
        };
        let outcome = match verdict {
            Ok(_) => Outcome::Applied { seq },
            Err(rejection) => Outcome::Rejected {
                message: rejection.to_string(),
                rejection,
            },
        };
        tx.prepare_cached(
            "INSERT INTO mutations (client_id, mutation_id, user_id, name, ticket_id, args, created_at, processed_at, outcome, seq)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            client,
            to_i64(m.id)?,
            actor.id.to_string(),
            m.mutation.name(),
            m.mutation.ticket_id().to_string(),
            serde_json::to_string(&m.mutation)?,
            millis(m.created_at),
            millis(now),
            serde_json::to_string(&outcome)?,
            to_i64(seq)?,
        ])?;
        last = m.id;
        results.push(MutationResult { id: m.id, outcome });
    }
    tx.prepare_cached(
        "UPDATE sync_clients SET last_mutation_id = ?, updated_at = ? WHERE client_id = ?",
    )?
    .execute(params![to_i64(last)?, millis(clock.now()), client])?;
    Ok(Ok(PushResponse {
        results,
        last_mutation_id: last,
    }))
}

/// Decides `mutation` with `shared::apply` against the stored ticket and, when accepted, appends its
/// events, updates the ticket and records the next `seq` (`head` + 1). The outer `Result` is for
/// storage failures, the inner one is the domain's verdict.
pub fn commit_mutation(
    tx: &Transaction<'_>,
    ws: &Workspace,
    actor: &Actor,
    mutation: &Mutation,
    now: DateTime<Utc>,
    head: &mut i64,
) -> anyhow::Result<Result<Committed, Rejection>> {
    let stored: Option<Ticket> = tx
        .prepare_cached("SELECT data FROM tickets WHERE id = ?")?
        .query_row([mutation.ticket_id().to_string()], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .map(|data| serde_json::from_str(&data))
        .transpose()?;
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
    // Message ids are chosen by clients; one already on any timeline must be a rejection, not a
    // failed insert (a 500 that would block the client's queue for good).
    if let Mutation::Reply { message_id, .. } = mutation {
        let taken = tx
            .prepare_cached("SELECT 1 FROM messages WHERE id = ?")?
            .exists([message_id.to_string()])?;
        if taken {
            return Ok(Err(Rejection::DuplicateMessage));
        }
    }
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
        let sequence: i64 = tx
            .prepare_cached(
                "UPDATE workspace SET next_reference = next_reference + 1 RETURNING next_reference - 1",
            )?
            .query_row([], |r| r.get(0))?;
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
    let prev = visible.as_ref().map(|t| (t.team, t.assignee));
    let ticket = match visible {
        Some(mut t) => {
            for event in &events {
                t.apply_event(event);
            }
            t
        }
        None => Ticket::replay(&events)
            .ok_or_else(|| anyhow::anyhow!("a create produced no Created event"))?,
    };

    let seq = *head + 1;
    let id = ticket.id.to_string();
    tx.prepare_cached(
        "INSERT INTO changes (seq, ticket_id, committed_at, prev_existed, prev_team_id, prev_assignee_id, token)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        seq,
        id,
        millis(now),
        prev.is_some(),
        prev.and_then(|(team, _)| team).map(|t| t.to_string()),
        prev.and_then(|(_, assignee)| assignee).map(|a| a.to_string()),
        // A u32, so JavaScript clients read it exactly.
        rand::random::<u32>(),
    ])?;
    for event in &events {
        tx.prepare_cached(
            "INSERT INTO events (ticket_id, seq, actor_id, at, kind, data) VALUES (?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            id,
            seq,
            event.actor.map(|a| a.to_string()),
            millis(event.at),
            event.kind.name(),
            serde_json::to_string(event)?,
        ])?;
        if let Some(message) = event.kind.message() {
            tx.prepare_cached(
                "INSERT INTO messages (id, ticket_id, visibility, from_staff, author_id, body, created_at, seq)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![
                message.id.to_string(),
                id,
                super::workspace::enum_name(&message.visibility)?,
                message.from_staff,
                event.actor.map(|a| a.to_string()),
                message.body,
                millis(event.at),
                seq,
            ])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO tickets (id, reference, status, team_id, assignee_id, requester_id, created_at, updated_at, seq, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET reference = ?2, status = ?3, team_id = ?4, assignee_id = ?5, requester_id = ?6,
           updated_at = ?8, seq = ?9, data = ?10",
    )?
    .execute(params![
        id,
        ticket.reference,
        ticket.status.as_str(),
        ticket.team.map(|t| t.to_string()),
        ticket.assignee.map(|a| a.to_string()),
        ticket.requester.as_ref().map(|r| r.id.to_string()),
        millis(ticket.created_at),
        millis(ticket.updated_at),
        seq,
        serde_json::to_string(&ticket)?,
    ])?;
    *head = seq;
    Ok(Ok(Committed {
        seq: Some(u64::try_from(seq)?),
        ticket: Some(ticket),
    }))
}

/// Due times, then each alert's once-only row and, when it is new, its inbox entries and
/// emails, then the scheduler's cursor. Returns how many alerts were new.
fn record_sla(tx: &Transaction<'_>, job: &SlaJob) -> anyhow::Result<usize> {
    let SlaJob {
        due,
        alerts,
        cursor,
        now,
    } = job;
    for (ticket, at) in due {
        tx.prepare_cached("UPDATE tickets SET sla_due_at = ? WHERE id = ?")?
            .execute(params![at.map(millis), ticket.to_string()])?;
    }
    let mut sent = 0;
    for alert in alerts {
        let new = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO sla_alerts (ticket_id, metric, cycle_start, kind, at) VALUES (?, ?, ?, ?, ?)",
            )?
            .execute(params![
                alert.ticket.to_string(),
                alert.metric,
                millis(alert.cycle_start),
                alert.kind,
                millis(*now),
            ])?
            == 1;
        if !new {
            continue;
        }
        sent += 1;
        for (user, email) in &alert.recipients {
            tx.prepare_cached(
                "INSERT INTO inbox (user_id, ticket_id, reference, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![
                user.to_string(),
                alert.ticket.to_string(),
                alert.reference,
                format!("sla_{}", alert.kind),
                alert.title,
                alert.body,
                millis(*now),
            ])?;
            tx.prepare_cached(
                "INSERT INTO email_outbox (to_address, subject, body, created_at) VALUES (?, ?, ?, ?)",
            )?
            .execute(params![email, alert.title, alert.body, millis(*now)])?;
        }
    }
    if let Some(seq) = cursor {
        tx.prepare_cached(
            "INSERT INTO sla_scheduler (id, seq) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, ?1)",
        )?
        .execute([seq])?;
    }
    Ok(sent)
}

/// A protocol number as SQLite stores it; the push checks ids up front, so this failing is a bug.
fn to_i64(n: u64) -> anyhow::Result<i64> {
    i64::try_from(n).map_err(|_| anyhow::anyhow!("{n} does not fit SQLite's INTEGER"))
}
