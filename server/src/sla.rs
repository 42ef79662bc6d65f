//! The SLA scheduler: evaluates tickets with the shared engine and records a notification once
//! per ticket, metric, clock cycle and kind (warning, breach). It looks only at tickets that
//! changed since its last pass and those whose stored due time has come, so a pass over a large
//! workspace costs what changed, not what exists.

use crate::AppState;
use crate::store::sla::{Alert, recipients};
use chrono::{DateTime, Duration, Utc};
use deskline_shared::sla::{Calendar, Metric, SlaEngine, SlaState, Target};
use deskline_shared::{Ticket, Workspace};
use std::sync::Arc;
use uuid::Uuid;

/// Tickets evaluated per transaction.
const BATCH: i64 = 2_000;

/// How long a pass woken by a commit waits for the commits after it.
const COALESCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Evaluates what changed and what came due, records due times and alerts; returns the number of
/// new alerts.
pub async fn run_pass(state: &AppState) -> anyhow::Result<usize> {
    let _running = state.sla_pass.lock().await;
    let now = state.clock.now();
    let ws = state.workspace();
    let engine = state.sla_engine(now);
    let mut sent = 0;
    loop {
        let (tickets, cursor) = state.store.sla_changed(BATCH).await?;
        if tickets.is_empty() {
            break;
        }
        let n = tickets.len();
        let (due, alerts) = evaluate_apart(&engine, &ws, tickets, now).await?;
        sent += state
            .store
            .sla_record(&due, &alerts, Some(cursor), now)
            .await?;
        if (n as i64) < BATCH {
            break;
        }
    }
    loop {
        let tickets = state.store.sla_due(now, BATCH).await?;
        if tickets.is_empty() {
            break;
        }
        let n = tickets.len();
        let (due, alerts) = evaluate_apart(&engine, &ws, tickets, now).await?;
        sent += state.store.sla_record(&due, &alerts, None, now).await?;
        if (n as i64) < BATCH {
            break;
        }
    }
    Ok(sent)
}

/// Reads and evaluates stored tickets on a blocking thread: a pass over a burst of changes is a
/// few milliseconds of work that would otherwise hold one of the threads answering requests.
async fn evaluate_apart(
    engine: &Arc<SlaEngine>,
    ws: &Arc<Workspace>,
    stored: Vec<String>,
    now: DateTime<Utc>,
) -> anyhow::Result<Evaluated> {
    let (engine, ws) = (engine.clone(), ws.clone());
    tokio::task::spawn_blocking(move || {
        let tickets = stored
            .iter()
            .map(|data| serde_json::from_str(data))
            .collect::<Result<Vec<Ticket>, _>>()?;
        Ok(evaluate(&engine, &ws, &tickets, now))
    })
    .await?
}

/// Runs a pass every `every`, and at once when woken (a commit, a new configuration, a moved test
/// clock). Errors are logged and retried on the next tick.
pub fn spawn(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_pass(&state).await {
                tracing::error!(error = %e, "SLA scheduler pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = state.sla_wake.notified() => {
                    // Commits come in bursts: one pass takes a burst's tickets together, rather
                    // than a pass per push competing with the pushes for the database.
                    tokio::time::sleep(COALESCE).await;
                }
            }
        }
    });
}

type Evaluated = (Vec<(Uuid, Option<DateTime<Utc>>)>, Vec<Alert>);

fn evaluate(
    engine: &SlaEngine,
    ws: &Workspace,
    tickets: &[Ticket],
    now: DateTime<Utc>,
) -> Evaluated {
    let mut due = Vec::with_capacity(tickets.len());
    let mut alerts = Vec::new();
    for ticket in tickets {
        due.push((ticket.id, engine.next_change(ticket, now)));
        let Some(report) = engine.report(ticket, now) else {
            continue;
        };
        let calendar = engine
            .config()
            .policies
            .iter()
            .find(|p| p.id == report.policy)
            .and_then(|p| p.calendar)
            .and_then(|id| engine.config().calendar(id));
        let mut who: Option<Vec<(Uuid, String)>> = None;
        for m in &report.metrics {
            let kind = match m.state {
                SlaState::Warning => "warning",
                SlaState::Breached => "breached",
                _ => continue,
            };
            let who = who.get_or_insert_with(|| recipients(ticket, ws));
            if who.is_empty() {
                continue;
            }
            let (title, body) = message(ticket, m.metric, m.target, kind, m.deadline, calendar);
            alerts.push(Alert {
                ticket: ticket.id,
                reference: ticket.reference.clone(),
                metric: m.metric.name(),
                cycle_start: m.started_at,
                kind,
                title,
                body,
                recipients: who.clone(),
            });
        }
    }
    (due, alerts)
}

/// "2h business", "30m around the clock".
fn describe(target: Target) -> String {
    let (h, m) = (target.minutes / 60, target.minutes % 60);
    let amount = match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    };
    let basis = if target.business {
        "business time"
    } else {
        "around the clock"
    };
    format!("{amount} {basis}")
}

/// A deadline in the calendar's local time, e.g. "Tue 13 Jan 10:00 (Europe/Lisbon)".
fn when(at: DateTime<Utc>, calendar: Option<&Calendar>) -> String {
    match calendar {
        Some(c) => {
            let local = at + Duration::seconds(i64::from(c.zone.offset_at(at.timestamp())));
            format!("{} ({})", local.format("%a %d %b %H:%M"), c.time_zone)
        }
        None => format!("{} UTC", at.format("%a %d %b %H:%M")),
    }
}

fn message(
    ticket: &Ticket,
    metric: Metric,
    target: Target,
    kind: &str,
    deadline: Option<DateTime<Utc>>,
    calendar: Option<&Calendar>,
) -> (String, String) {
    let reference = ticket.display_reference();
    let due = deadline.map_or_else(|| "—".to_owned(), |d| when(d, calendar));
    if kind == "breached" {
        (
            format!("{} breached on {reference}", metric.label()),
            format!(
                "\"{}\" missed its {} target of {}; it was due {due}.",
                ticket.title,
                metric.label().to_lowercase(),
                describe(target)
            ),
        )
    } else {
        (
            format!("{} due soon on {reference}", metric.label()),
            format!(
                "\"{}\" has used most of its {} target of {}; it is due {due}.",
                ticket.title,
                metric.label().to_lowercase(),
                describe(target)
            ),
        )
    }
}

/// An engine cache: rebuilt when the configuration changes or the reference time drifts.
#[derive(Default)]
pub struct EngineCache {
    engine: Option<(Arc<SlaEngine>, DateTime<Utc>)>,
}

impl EngineCache {
    /// The engine for `ws` around `now`.
    pub fn get(&mut self, ws: &Workspace, now: DateTime<Utc>) -> Arc<SlaEngine> {
        match &self.engine {
            Some((engine, built))
                if engine.config() == &ws.sla && (now - *built).num_days().abs() < 30 =>
            {
                engine.clone()
            }
            _ => {
                let engine = Arc::new(SlaEngine::new(&ws.sla, now));
                self.engine = Some((engine.clone(), now));
                engine
            }
        }
    }
}
