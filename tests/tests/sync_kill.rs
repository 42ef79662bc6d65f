//! Crash safety of the sync protocol, natively against the real server binary (no browser): eight
//! clients push batches of mutations while the server is killed with SIGKILL, and after a restart
//! on the same database every acknowledged mutation is there exactly once, re-pushes are answered
//! as first decided, and the clients carry on with their next ids.

use anyhow::{Context, Result, bail, ensure};
use deskline_e2e::{DEMO_PASSWORD, Server};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Mutations per push.
const BATCH: u64 = 4;
/// Acknowledged pushes, across all clients, before the kill.
const PUSHES_BEFORE_KILL: usize = 40;

/// One sync client: an account's session, its own client id and the tickets it works on.
struct Client {
    http: reqwest::Client,
    email: &'static str,
    client_id: Uuid,
    tickets: Vec<String>,
    tags: Vec<String>,
    /// Every mutation sent, by id, whether or not an answer came back.
    sent: BTreeMap<u64, Value>,
    /// The outcome of each mutation whose push was answered 200.
    acknowledged: BTreeMap<u64, Value>,
}

impl Client {
    async fn sign_in(server: &Server, email: &'static str) -> Result<Client> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        let res = http
            .post(server.url("/api/login"))
            .json(&json!({ "email": email, "password": DEMO_PASSWORD }))
            .send()
            .await?;
        ensure!(
            res.status().is_success(),
            "signing in as {email}: {}",
            res.status()
        );
        let mut client = Client {
            http,
            email,
            client_id: Uuid::now_v7(),
            tickets: Vec::new(),
            tags: Vec::new(),
            sent: BTreeMap::new(),
            acknowledged: BTreeMap::new(),
        };
        let page = client.get(&server.base, "/api/tickets?limit=500").await?;
        client.tickets = ids(&page["tickets"])?;
        client.tags = ids(&client.get(&server.base, "/api/workspace").await?["tags"])?;
        ensure!(!client.tickets.is_empty() && !client.tags.is_empty());
        Ok(client)
    }

    async fn get(&self, base: &str, path: &str) -> Result<Value> {
        let res = self.http.get(format!("{base}{path}")).send().await?;
        let status = res.status();
        let body = res.text().await?;
        ensure!(status.is_success(), "GET {path} answered {status}: {body}");
        Ok(serde_json::from_str(&body)?)
    }

    /// The mutation with this id: mostly internal notes (a message must never be stored twice),
    /// then tag and priority changes, over the client's tickets in turn.
    fn mutation(&self, id: u64) -> Value {
        let n = id as usize;
        let ticket = &self.tickets[n % self.tickets.len()];
        let (name, args) = match id % 4 {
            0 | 1 => (
                "reply",
                json!({"ticket_id": ticket, "message_id": Uuid::now_v7(), "visibility": "internal",
                       "body": format!("Note {id} from {}", self.email)}),
            ),
            2 => {
                let tag = &self.tags[n % self.tags.len()];
                let name = if id % 8 == 2 { "add_tag" } else { "remove_tag" };
                (name, json!({"ticket_id": ticket, "tag": tag}))
            }
            _ => {
                let priority = ["low", "medium", "high", "urgent"][n / 4 % 4];
                (
                    "set_priority",
                    json!({"ticket_id": ticket, "priority": priority}),
                )
            }
        };
        json!({"id": id, "created_at": "2026-11-21T09:00:00Z", "name": name, "args": args})
    }

    /// POSTs these mutations; `None` when no answer came back (the server is gone).
    async fn push(&self, base: &str, mutations: &[Value]) -> Result<Option<Value>> {
        let body = json!({"client_id": self.client_id, "mutations": mutations});
        let res = match self
            .http
            .post(format!("{base}/api/sync/push"))
            .json(&body)
            .send()
            .await
        {
            Ok(res) => res,
            Err(_) => return Ok(None),
        };
        let status = res.status();
        // A body cut off by the kill is no answer either.
        let Ok(text) = res.text().await else {
            return Ok(None);
        };
        ensure!(
            status.is_success(),
            "{}: push answered {status}: {text}",
            self.email
        );
        Ok(Some(serde_json::from_str(&text)?))
    }

    /// Pushes batch after batch until the server stops answering.
    async fn push_until_killed(&mut self, base: &str, answered: &AtomicUsize) -> Result<()> {
        let started = Instant::now();
        let mut next = 1;
        while started.elapsed() < Duration::from_secs(120) {
            let batch: Vec<Value> = (next..next + BATCH).map(|id| self.mutation(id)).collect();
            for m in &batch {
                self.sent.insert(m["id"].as_u64().context("id")?, m.clone());
            }
            next += BATCH;
            let Some(answer) = self.push(base, &batch).await? else {
                return Ok(());
            };
            for r in answer["results"].as_array().context("results")? {
                self.acknowledged
                    .insert(r["id"].as_u64().context("id")?, r["outcome"].clone());
            }
            answered.fetch_add(1, Ordering::SeqCst);
        }
        bail!("the server was never killed")
    }
}

fn ids(list: &Value) -> Result<Vec<String>> {
    list.as_array()
        .context("a list")?
        .iter()
        .map(|item| item["id"].as_str().map(str::to_owned).context("an id"))
        .collect()
}

#[tokio::test]
async fn acknowledged_mutations_survive_a_sigkill_exactly_once() -> Result<()> {
    // Setup: eight clients of six accounts (two share a session, each with its own client id).
    let mut server = Server::start_with(80, &[])?;
    let emails = [
        "ana@deskline.test",
        "bruno@deskline.test",
        "chen@deskline.test",
        "dara@deskline.test",
        "lea@deskline.test",
        "admin@deskline.test",
        "ana@deskline.test",
        "lea@deskline.test",
    ];
    let mut clients = Vec::new();
    for email in emails {
        clients.push(Client::sign_in(&server, email).await?);
    }

    // Exec: all push at once; SIGKILL once enough pushes were answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for mut client in clients {
        let (base, answered) = (server.base.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            client
                .push_until_killed(&base, &answered)
                .await
                .map(|()| client)
        }));
    }
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < PUSHES_BEFORE_KILL {
        ensure!(
            started.elapsed() < Duration::from_secs(60),
            "only {} pushes answered in 60 s",
            answered.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = server.pid();
    server.kill()?;
    let mut clients = Vec::new();
    for task in tasks {
        clients.push(task.await??);
    }
    let unanswered: usize = clients
        .iter()
        .map(|c| c.sent.len() - c.acknowledged.len())
        .sum();
    eprintln!(
        "killed {pid} after {} answered pushes; {unanswered} mutations sent without an answer",
        answered.load(Ordering::SeqCst)
    );
    server.restart(&[])?;

    // Check: every client re-pushes all it ever sent (its queue after a lost answer).
    let admin = Client::sign_in(&server, "admin@deskline.test").await?;
    let mut applied_notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut dropped_notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut committed_unanswered = 0;
    for client in &clients {
        // What the server kept of this client: at least everything it acknowledged.
        let pulled = client
            .get(
                &server.base,
                &format!("/api/sync/pull?limit=1000&client_id={}", client.client_id),
            )
            .await?;
        let kept = pulled["last_mutation_id"]
            .as_u64()
            .context("last_mutation_id")?;
        let acknowledged = client.acknowledged.keys().last().copied().unwrap_or(0);
        ensure!(
            kept >= acknowledged,
            "{}: acknowledged up to {acknowledged}, kept up to {kept}",
            client.email
        );
        committed_unanswered += kept - acknowledged;

        let all: Vec<Value> = client.sent.values().cloned().collect();
        let answer = client
            .push(&server.base, &all)
            .await?
            .context("the restarted server answers")?;
        let last = *client.sent.keys().last().context("sent something")?;
        ensure!(
            answer["last_mutation_id"] == last,
            "{}: {answer}",
            client.email
        );
        let results = answer["results"].as_array().context("results")?;
        ensure!(results.len() == all.len());
        for (m, r) in all.iter().zip(results) {
            let id = m["id"].as_u64().context("id")?;
            ensure!(r["id"] == id);
            let outcome = &r["outcome"];
            // Acknowledged before the kill: answered exactly as then, and not applied again.
            if let Some(first) = client.acknowledged.get(&id) {
                ensure!(
                    outcome == first,
                    "{} mutation {id}: {first} then {outcome}",
                    client.email
                );
            }
            ensure!(
                outcome.get("applied").is_some() || outcome.get("rejected").is_some(),
                "{} mutation {id}: {outcome}",
                client.email
            );
            if m["name"] == "reply" {
                let ticket = m["args"]["ticket_id"]
                    .as_str()
                    .context("ticket")?
                    .to_owned();
                let message = m["args"]["message_id"]
                    .as_str()
                    .context("message")?
                    .to_owned();
                let notes = if outcome.get("applied").is_some() {
                    &mut applied_notes
                } else {
                    &mut dropped_notes
                };
                notes.entry(ticket).or_default().insert(message);
            }
        }

        // And carries on with its next id: no gap, no refusal of the queue.
        let next = client.mutation(last + 1);
        let answer = client
            .push(&server.base, &[next])
            .await?
            .context("an answer")?;
        ensure!(answer["last_mutation_id"] == last + 1, "{answer}");
    }
    ensure!(applied_notes.values().map(BTreeSet::len).sum::<usize>() > 0);
    eprintln!("{committed_unanswered} of the unanswered mutations had been committed");

    // Check: each applied note is on its ticket's timeline exactly once; none other of ours is.
    for (ticket, notes) in &applied_notes {
        let detail = admin
            .get(&server.base, &format!("/api/tickets/{ticket}"))
            .await?;
        let mut on_timeline: BTreeMap<String, usize> = BTreeMap::new();
        for event in detail["timeline"].as_array().context("timeline")? {
            if let Some(id) = event["kind"]["message_added"]["id"].as_str() {
                *on_timeline.entry(id.to_owned()).or_default() += 1;
            }
        }
        for note in notes {
            ensure!(
                on_timeline.get(note) == Some(&1),
                "note {note} on {ticket} appears {:?} times",
                on_timeline.get(note)
            );
        }
        for note in dropped_notes.get(ticket).into_iter().flatten() {
            ensure!(
                !on_timeline.contains_key(note),
                "rejected note {note} is on {ticket}"
            );
        }
    }
    Ok(())
}
