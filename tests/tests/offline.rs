//! Working offline, end to end: a real headless Chromium against the real server binary, which
//! the tests kill with SIGKILL and start again on the same port and database (the page's origin,
//! and with it its cookies, IndexedDB and service worker, stays the same).
//!
//! - **Round trip**: an agent makes two dozen changes through the UI with the server gone (a new
//!   ticket, replies, notes, tags, priorities, Start and statuses), closes the page and opens the
//!   app again, still offline: the service worker serves the app and the local copy shows every
//!   change, still pending. Once the server is back, the header says `Saved`, the server holds
//!   each change exactly once (checked event by event on each ticket's timeline) and the page
//!   shows them confirmed, the new ticket with its real reference.
//! - **Conflict**: two agents of one team both start the same three unassigned tickets offline;
//!   on the first, one adds a note and the other a public reply. The first to sync keeps the
//!   tickets; the second is told who has each and since when, keeps the reply, and answers the
//!   three notices with each of their choices: asking the holder to release the ticket (an
//!   internal note), opening it on an internal note, and dismissing it.
//! - **Size**: changes written offline that together exceed what the server takes in one push go
//!   in smaller pushes, each once; one too large on its own is given up with a notice.
//! - **Reset**: the server is restored from a backup older than what a page holds, so the page's
//!   cookie is ahead of it; the page is told to start over, drops its local copy and loads the
//!   server's tickets again, keeping a change it had not sent.
//!   The second browser is held offline (by DevTools network emulation) until the first has
//!   synced, so the order is decided by the test, not by the two retry timers.

use anyhow::{Context, Result, bail, ensure};
use deskline_e2e::pages::{LoginPage, TicketView, WorkspacePage};
use deskline_e2e::{Api, Browser, Cdp, Server};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a page may take to sync once the server is back: the app retries with a backoff that
/// reaches 30 s while the server is gone.
const SYNC_TIMEOUT: Duration = Duration::from_secs(75);

/// Saves what the browser shows as `target/e2e/{name}`, for a person to look at.
async fn screenshot(browser: &Browser, name: &str) -> Result<()> {
    let root = std::env::var_os("DESKLINE_ROOT").map_or_else(|| PathBuf::from(".."), PathBuf::from);
    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), browser.client.screenshot().await?)?;
    Ok(())
}

/// Runs `script` in the page (it may return a promise, which is awaited).
async fn js(browser: &Browser, script: &str) -> Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

/// Polls `check` until it holds, for up to `timeout` (the harness's own waits stop at 15 s).
async fn wait_long<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let started = Instant::now();
    loop {
        if check().await.unwrap_or(false) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > timeout {
            bail!("timed out after {timeout:?} waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the header's sync indicator reads `text`; says what it read last if it never did.
async fn wait_sync_state(
    workspace: &WorkspacePage<'_>,
    text: &str,
    timeout: Duration,
) -> Result<Duration> {
    let waited = wait_long(&format!("the header says {text:?}"), timeout, || async {
        Ok(workspace.sync_state().await? == text)
    })
    .await;
    match waited {
        Ok(waited) => Ok(waited),
        Err(e) => bail!("{e}; it says {:?}", workspace.sync_state().await?),
    }
}

/// Cuts the page off the network (or connects it again), as DevTools' "Offline" does.
async fn emulate_offline(browser: &Browser, offline: bool) -> Result<()> {
    browser
        .client
        .issue_cmd(Cdp {
            cmd: "Network.enable",
            params: json!({}),
        })
        .await?;
    browser
        .client
        .issue_cmd(Cdp {
            cmd: "Network.emulateNetworkConditions",
            params: json!({
                "offline": offline,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": -1,
            }),
        })
        .await?;
    Ok(())
}

/// The ticket's detail as the server holds it: `{ticket, timeline}`.
async fn detail(api: &Api, id: &str) -> Result<Value> {
    api.get(&format!("/api/tickets/{id}")).await
}

/// The wire names of the kinds of `events` (`status_changed`, `message_added`, …).
fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e["kind"].as_object()?.keys().next().cloned())
        .collect()
}

/// How many messages on the timeline have this visibility and body.
fn count_messages(timeline: &[Value], visibility: &str, body: &str) -> usize {
    timeline
        .iter()
        .filter(|e| {
            let m = &e["kind"]["message_added"];
            m["visibility"] == visibility && m["body"] == body
        })
        .count()
}

fn timeline(detail: &Value) -> Result<&Vec<Value>> {
    detail["timeline"].as_array().context("no timeline")
}

/// The ids of the first New, Open and Pending statuses: where tickets arrive, where Start moves
/// them, and waiting on the customer.
fn statuses(ws: &Value) -> Result<(String, String, String)> {
    let first = |category: &str| -> Result<String> {
        ws["statuses"]
            .as_array()
            .context("no statuses")?
            .iter()
            .filter(|s| s["category"] == category)
            .min_by_key(|s| s["position"].as_u64())
            .and_then(|s| s["id"].as_str())
            .map(str::to_owned)
            .with_context(|| format!("no {category} status"))
    };
    Ok((first("new")?, first("open")?, first("pending")?))
}

/// The first of `wanted` that is none of `avoid` (priority names): a change that changes
/// something, since the app queues nothing for a no-op.
fn other_priority(avoid: &[&str], wanted: &[&'static str]) -> &'static str {
    wanted
        .iter()
        .chain(&["urgent", "high", "medium", "low"])
        .copied()
        .find(|p| !avoid.contains(p))
        .unwrap_or("low")
}

fn priority_of(ticket: &Value) -> &str {
    ticket["priority"].as_str().unwrap_or_default()
}

/// One ticket the round trip changes: its timeline's length before, the kinds of event its
/// changes must add (in order), and what it must end up as.
struct Planned {
    id: String,
    reference: String,
    events_before: usize,
    expected_kinds: Vec<&'static str>,
    status: Option<String>,
    priority: Option<&'static str>,
    assignee: Option<String>,
    tags_on: Vec<String>,
    tags_off: Vec<String>,
    messages: Vec<(&'static str, String)>,
}

impl Planned {
    fn new(ticket: &Value, events_before: usize) -> Result<Planned> {
        Ok(Planned {
            id: ticket["id"].as_str().context("id")?.to_owned(),
            reference: ticket["reference"]
                .as_str()
                .context("reference")?
                .to_owned(),
            events_before,
            expected_kinds: Vec::new(),
            status: None,
            priority: None,
            assignee: None,
            tags_on: Vec::new(),
            tags_off: Vec::new(),
            messages: Vec::new(),
        })
    }

    /// Checks the server holds this ticket's changes, each exactly once.
    async fn check_server(&self, api: &Api) -> Result<()> {
        let detail = detail(api, &self.id).await?;
        let ticket = &detail["ticket"];
        let events = timeline(&detail)?;
        ensure!(
            events.len() >= self.events_before,
            "{}: the timeline shrank",
            self.reference
        );
        let new = kinds(&events[self.events_before..]);
        ensure!(
            new == self.expected_kinds,
            "{}: the server added the events {new:?}, expected {:?}",
            self.reference,
            self.expected_kinds
        );
        if let Some(status) = &self.status {
            ensure!(ticket["status"] == *status, "{}: {ticket}", self.reference);
        }
        if let Some(priority) = self.priority {
            ensure!(
                ticket["priority"] == priority,
                "{}: {ticket}",
                self.reference
            );
        }
        if let Some(assignee) = &self.assignee {
            ensure!(
                ticket["assignee"] == *assignee,
                "{}: {ticket}",
                self.reference
            );
        }
        let tags: Vec<&str> = ticket["tags"]
            .as_array()
            .context("tags")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for tag in &self.tags_on {
            ensure!(
                tags.contains(&tag.as_str()),
                "{}: no tag {tag}",
                self.reference
            );
        }
        for tag in &self.tags_off {
            ensure!(
                !tags.contains(&tag.as_str()),
                "{}: tag {tag}",
                self.reference
            );
        }
        for (visibility, body) in &self.messages {
            let n = count_messages(events, visibility, body);
            ensure!(
                n == 1,
                "{}: the {visibility} message {body:?} is on the server {n} times",
                self.reference
            );
        }
        Ok(())
    }

    /// Checks the page shows this ticket as planned (pending or confirmed alike).
    async fn check_page(&self, workspace: &WorkspacePage<'_>) -> Result<()> {
        let view = workspace.open_tab(&self.id).await?;
        if let Some(status) = &self.status {
            view.wait_value("ticket-status", status).await?;
        }
        if let Some(priority) = self.priority {
            view.wait_value("ticket-priority", priority).await?;
        }
        if let Some(assignee) = &self.assignee {
            view.wait_value("ticket-assignee", assignee).await?;
        }
        let tags = view.tags().await?;
        for tag in &self.tags_on {
            ensure!(tags.contains(tag), "{}: no chip for {tag}", self.reference);
        }
        for tag in &self.tags_off {
            ensure!(!tags.contains(tag), "{}: a chip for {tag}", self.reference);
        }
        for (visibility, body) in &self.messages {
            view.wait_message(visibility, body).await?;
            let n = view
                .messages(visibility)
                .await?
                .iter()
                .filter(|m| *m == body)
                .count();
            ensure!(
                n == 1,
                "{}: the page shows {body:?} {n} times",
                self.reference
            );
        }
        Ok(())
    }

    /// The ticket's row in the list is marked as not yet saved.
    async fn check_row_pending(
        &self,
        browser: &Browser,
        workspace: &WorkspacePage<'_>,
    ) -> Result<()> {
        workspace.clear_search().await?;
        workspace.type_search(&self.reference).await?;
        let row = format!("[data-testid='ticket-row'][data-id='{}']", self.id);
        browser
            .wait_for(&format!("{row}.saving"))
            .await
            .with_context(|| format!("{}: its row is not marked as saving", self.reference))?;
        ensure!(
            count(browser, &format!("{row} .saving-marker:not([hidden])")).await? == 1,
            "{}: its row shows no saving marker",
            self.reference
        );
        workspace.clear_search().await
    }
}

/// Records every text the header's sync indicator shows from now on, in `window.deskline_sync_texts`.
const RECORD_SYNC_TEXTS: &str = "
    const el = document.querySelector(\"[data-testid='sync-state']\");
    window.deskline_sync_texts = [el.textContent];
    new MutationObserver(() => window.deskline_sync_texts.push(el.textContent))
        .observe(el, { childList: true, characterData: true, subtree: true });
    return true;";

/// Sends a reply or note and waits for it on the timeline.
async fn send(view: &TicketView<'_>, internal: bool, body: &str) -> Result<()> {
    view.send(internal, body).await?;
    view.wait_message(if internal { "internal" } else { "public" }, body)
        .await
}

/// Sets a property select and waits until it shows the value.
async fn choose(view: &TicketView<'_>, select: &str, value: &str) -> Result<()> {
    view.choose(select, value).await?;
    view.wait_value(select, value).await
}

/// The texts of the notices on screen.
async fn notices(browser: &Browser) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for notice in browser
        .client
        .find_all(Locator::Css("[data-testid='notice'] .notice-text"))
        .await?
    {
        texts.push(notice.text().await?);
    }
    Ok(texts)
}

/// Whether leaving the page now would ask the user to stay (a `beforeunload` the page cancels).
async fn leave(browser: &Browser) -> Result<bool> {
    let asked = js(
        browser,
        "const e = new Event('beforeunload', { cancelable: true });\n\
         window.dispatchEvent(e);\n\
         return e.defaultPrevented;",
    )
    .await?;
    asked.as_bool().context("not a boolean")
}

/// Clicks Start and, in the same task (before the change can reach IndexedDB), tries to leave.
async fn start_and_leave(browser: &Browser) -> Result<bool> {
    let asked = js(
        browser,
        "document.querySelector('[data-testid=btn-start]').click();\n\
         const e = new Event('beforeunload', { cancelable: true });\n\
         window.dispatchEvent(e);\n\
         return e.defaultPrevented;",
    )
    .await?;
    asked.as_bool().context("not a boolean")
}

/// The lines of the open timeline other than messages (status changes, tags, ...).
async fn event_lines(browser: &Browser) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for el in browser
        .client
        .find_all(Locator::Css(
            "[data-testid=timeline] [data-testid=timeline-event] .event-text",
        ))
        .await?
    {
        lines.push(el.text().await?);
    }
    Ok(lines)
}

/// How many elements match `css`.
async fn count(browser: &Browser, css: &str) -> Result<usize> {
    Ok(browser.client.find_all(Locator::Css(css)).await?.len())
}

const ANA: &str = "ana@deskline.test";

#[tokio::test]
async fn changes_made_offline_survive_a_closed_page_and_reach_the_server_once() -> Result<()> {
    let t0 = Instant::now();
    let mut server = Server::start(300)?;
    let api = server.api(ANA).await?;
    let ws = api.get("/api/workspace").await?;
    let (new_status, open_status, pending_status) = statuses(&ws)?;
    let ana_id = api.agent_id("Ana Souza").await?;
    let ana_team = api.first_team_of("Ana Souza").await?;
    let tag_ids: Vec<String> = ws["tags"]
        .as_array()
        .context("no tags")?
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    ensure!(tag_ids.len() >= 3, "the demo has fewer than 3 tags");

    // Five tickets of Ana's team in the All view: four new and unassigned (to Start), and one
    // with a tag to remove.
    let tickets = api.tickets().await?;
    let active = |t: &&Value| {
        t["team"] == ana_team.as_str()
            && t["archived"] == false
            && t["snoozed_until"].is_null()
            && t["trash"].is_null()
            && t["tags"].as_array().is_some_and(|tags| tags.len() <= 2)
    };
    let mut fresh = tickets
        .iter()
        .filter(active)
        .filter(|t| t["assignee"].is_null() && t["status"] == new_status.as_str());
    let mut plan = Vec::new();
    for _ in 0..4 {
        let t = fresh
            .next()
            .context("fewer than 4 new unassigned tickets")?;
        let events = timeline(&detail(&api, t["id"].as_str().context("id")?).await?)?.len();
        plan.push((t.clone(), Planned::new(t, events)?));
    }
    let tagged = tickets
        .iter()
        .filter(active)
        .filter(|t| plan.iter().all(|(p, _)| p["id"] != t["id"]))
        .find(|t| {
            t["status"] == open_status.as_str()
                && t["tags"].as_array().is_some_and(|a| a.len() == 1)
        })
        .context("no open ticket with one tag")?
        .clone();
    let events = timeline(&detail(&api, tagged["id"].as_str().context("id")?).await?)?.len();
    let planned = Planned::new(&tagged, events)?;
    plan.push((tagged, planned));
    // A ticket of the plan's team with a conversation and other events already, read offline
    // from the local copy.
    let mut read_offline = None;
    let listed = [&new_status, &open_status, &pending_status];
    for t in tickets
        .iter()
        .filter(active)
        .filter(|t| listed.iter().any(|s| t["status"] == s.as_str()))
    {
        let id = t["id"].as_str().context("id")?;
        if plan.iter().any(|(p, _)| p["id"] == id) {
            continue;
        }
        let detail = detail(&api, id).await?;
        let said: Vec<(String, String)> = timeline(&detail)?
            .iter()
            .filter_map(|e| {
                let m = &e["kind"]["message_added"];
                Some((
                    m["visibility"].as_str()?.to_owned(),
                    m["body"].as_str()?.to_owned(),
                ))
            })
            .collect();
        let other_events = timeline(&detail)?
            .iter()
            .filter(|e| e["kind"]["message_added"].is_null())
            .count();
        if said.len() >= 2 && other_events > 0 {
            let reference = t["reference"].as_str().context("reference")?.to_owned();
            read_offline = Some((id.to_owned(), reference, said));
            break;
        }
    }
    let (read_id, read_reference, read_messages) =
        read_offline.context("no ticket of the team has two messages and another event")?;
    eprintln!(
        "round trip: server with 300 tickets up after {:.1?}",
        t0.elapsed()
    );

    let browser = Browser::start(1440, 900).await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in(ANA).await?;
    browser.wait_service_worker().await?;
    browser
        .wait_until("the list is loaded", || async {
            Ok(workspace.list_count().await? > 0)
        })
        .await?;
    workspace.wait_saved().await?;
    eprintln!(
        "round trip: signed in, worker in control after {:.1?}",
        t0.elapsed()
    );
    // Opened once online: the local copy keeps its whole timeline, not only the messages.
    let read_events = {
        let view = workspace.find_and_open(&read_reference, &read_id).await?;
        for (visibility, body) in &read_messages {
            view.wait_message(visibility, body).await?;
        }
        let events = event_lines(&browser).await?;
        ensure!(
            !events.is_empty(),
            "the timeline shows no events besides messages"
        );
        workspace.clear_search().await?;
        events
    };

    // The server goes away.
    server.kill()?;
    let offline_at = Instant::now();
    let mut queued = 0;

    // A conversation opened before the server went away reads the same offline.
    {
        let view = workspace.find_and_open(&read_reference, &read_id).await?;
        for (visibility, body) in &read_messages {
            view.wait_message(visibility, body).await?;
        }
        browser
            .wait_until("the timeline's events read as they did online", || async {
                Ok(event_lines(&browser).await? == read_events)
            })
            .await
            .with_context(|| format!("online it read {read_events:?}"))?;
        workspace.clear_search().await?;
    }

    // A new ticket, tagged and noted.
    let title = "Printer on floor 3 jams on every job (written offline)";
    let note_new = "Logged from the floor while the helpdesk server was down.";
    let new_tag = tag_ids[0].clone();
    let new_id = workspace
        .create_ticket(
            title,
            "Reported by phone; the server was unreachable.",
            "high",
            Some(&ana_team),
        )
        .await?;
    queued += 1;
    let view = TicketView(&browser);
    ensure!(
        view.reference().await? == "(reference pending)",
        "a new ticket reads {:?}",
        view.reference().await?
    );
    view.add_tag(&new_tag).await?;
    send(&view, true, note_new).await?;
    queued += 2;

    // T1: Start, a reply, a note, a priority, two tags added and one of them removed again.
    let reply_1 = "Thanks for the details: we are on it and will write again today.";
    let note_1 = "Customer called twice; check the billing export before answering.";
    {
        let (t, p) = &mut plan[0];
        let view = workspace.find_and_open(&p.reference, &p.id).await?;
        // Leaving the page while Start is on its way into the stored outbox: the browser asks.
        // Once it is stored, leaving is quiet (the outbox survives the page).
        browser.wait_for("[data-testid=btn-start]").await?;
        ensure!(
            start_and_leave(&browser).await?,
            "leaving the page while a change was being stored did not ask to stay"
        );
        view.wait_value("ticket-status", &open_status).await?;
        browser
            .wait_until("leaving the page is quiet again", || async {
                Ok(!leave(&browser).await?)
            })
            .await?;
        send(&view, false, reply_1).await?;
        send(&view, true, note_1).await?;
        let priority = other_priority(&[priority_of(t)], &["urgent", "high"]);
        choose(&view, "ticket-priority", priority).await?;
        let have: Vec<String> = view.tags().await?;
        let extra: Vec<String> = tag_ids
            .iter()
            .filter(|id| !have.contains(id))
            .take(2)
            .cloned()
            .collect();
        view.add_tag(&extra[0]).await?;
        view.add_tag(&extra[1]).await?;
        view.remove_tag(&extra[0]).await?;
        queued += 7;
        p.expected_kinds = vec![
            "assignee_changed",
            "status_changed",
            "message_added",
            "message_added",
            "priority_changed",
            "tag_added",
            "tag_added",
            "tag_removed",
        ];
        p.status = Some(open_status.clone());
        p.priority = Some(priority);
        p.assignee = Some(ana_id.clone());
        p.tags_on = vec![extra[1].clone()];
        p.tags_off = vec![extra[0].clone()];
        p.messages = vec![
            ("public", reply_1.to_owned()),
            ("internal", note_1.to_owned()),
        ];
    }
    // T2: Start, a lower priority, then waiting on the customer.
    {
        let (t, p) = &mut plan[1];
        let view = workspace.find_and_open(&p.reference, &p.id).await?;
        view.start().await?;
        view.wait_value("ticket-status", &open_status).await?;
        let priority = other_priority(&[priority_of(t)], &["low", "medium"]);
        choose(&view, "ticket-priority", priority).await?;
        choose(&view, "ticket-status", &pending_status).await?;
        queued += 3;
        p.expected_kinds = vec![
            "assignee_changed",
            "status_changed",
            "priority_changed",
            "status_changed",
        ];
        p.status = Some(pending_status.clone());
        p.priority = Some(priority);
        p.assignee = Some(ana_id.clone());
    }
    // T3: Start, a priority, a tag and a reply.
    let reply_3 = "The new router firmware fixes this; instructions are attached.";
    {
        let (t, p) = &mut plan[2];
        let view = workspace.find_and_open(&p.reference, &p.id).await?;
        view.start().await?;
        view.wait_value("ticket-status", &open_status).await?;
        let priority = other_priority(&[priority_of(t)], &["high", "urgent"]);
        choose(&view, "ticket-priority", priority).await?;
        let have = view.tags().await?;
        let tag = tag_ids
            .iter()
            .find(|id| !have.contains(id))
            .context("no tag left")?
            .clone();
        view.add_tag(&tag).await?;
        send(&view, false, reply_3).await?;
        queued += 4;
        p.expected_kinds = vec![
            "assignee_changed",
            "status_changed",
            "priority_changed",
            "tag_added",
            "message_added",
        ];
        p.status = Some(open_status.clone());
        p.priority = Some(priority);
        p.assignee = Some(ana_id.clone());
        p.tags_on = vec![tag];
        p.messages = vec![("public", reply_3.to_owned())];
    }
    // T4: Start, waiting, Start again (back to work), and a note.
    let note_4 = "Waiting was wrong: the customer already sent the logs.";
    {
        let (_, p) = &mut plan[3];
        let view = workspace.find_and_open(&p.reference, &p.id).await?;
        view.start().await?;
        view.wait_value("ticket-status", &open_status).await?;
        choose(&view, "ticket-status", &pending_status).await?;
        view.start().await?;
        view.wait_value("ticket-status", &open_status).await?;
        send(&view, true, note_4).await?;
        queued += 4;
        p.expected_kinds = vec![
            "assignee_changed",
            "status_changed",
            "status_changed",
            "status_changed",
            "message_added",
        ];
        p.status = Some(open_status.clone());
        p.assignee = Some(ana_id.clone());
        p.messages = vec![("internal", note_4.to_owned())];
    }
    // T5 (someone's open ticket with one tag): two priority changes, its tag swapped for another.
    {
        let (t, p) = &mut plan[4];
        let view = workspace.find_and_open(&p.reference, &p.id).await?;
        let first = other_priority(&[priority_of(t)], &["urgent", "low"]);
        choose(&view, "ticket-priority", first).await?;
        let second = other_priority(&[priority_of(t), first], &["medium", "high"]);
        choose(&view, "ticket-priority", second).await?;
        let old = t["tags"][0].as_str().context("a tag")?.to_owned();
        let new = tag_ids
            .iter()
            .find(|id| **id != old)
            .context("no other tag")?
            .clone();
        view.remove_tag(&old).await?;
        view.add_tag(&new).await?;
        queued += 4;
        p.expected_kinds = vec![
            "priority_changed",
            "priority_changed",
            "tag_removed",
            "tag_added",
        ];
        p.priority = Some(second);
        p.tags_on = vec![new];
        p.tags_off = vec![old];
        if let Some(assignee) = t["assignee"].as_str() {
            p.assignee = Some(assignee.to_owned());
        }
    }
    // And a second public reply on T1, after working elsewhere.
    let reply_1b = "Update: the refund was approved and goes out tomorrow.";
    {
        let (_, p) = &mut plan[0];
        let view = workspace.open_tab(&p.id).await?;
        send(&view, false, reply_1b).await?;
        queued += 1;
        p.expected_kinds.push("message_added");
        p.messages.push(("public", reply_1b.to_owned()));
    }
    ensure!(queued >= 20, "only {queued} changes");
    let offline_text = format!("Offline — {queued} pending");
    wait_sync_state(&workspace, &offline_text, Duration::from_secs(20)).await?;
    eprintln!(
        "round trip: {queued} changes made offline in {:.1?}",
        offline_at.elapsed()
    );

    // The page is closed and opened again, the server still gone.
    browser.client.goto("about:blank").await?;
    browser.client.goto(&server.base).await?;
    let reopened = Instant::now();
    browser.wait_for("[data-testid='sidebar']").await?;
    ensure!(
        js(&browser, "return !!navigator.serviceWorker.controller;").await? == json!(true),
        "the page opened offline is not served by the service worker"
    );
    wait_sync_state(&workspace, &offline_text, Duration::from_secs(20)).await?;
    eprintln!(
        "round trip: reopened offline, workspace shown after {:.1?}",
        reopened.elapsed()
    );
    // Every change is still on screen, from the local copy.
    let new_view = workspace.open_tab(&new_id).await?;
    ensure!(new_view.reference().await? == "(reference pending)");
    ensure!(new_view.tags().await? == vec![new_tag.clone()]);
    new_view.wait_value("ticket-priority", "high").await?;
    new_view.wait_message("internal", note_new).await?;
    screenshot(&browser, "offline-reopened.png").await?;
    for (_, p) in &plan {
        p.check_page(&workspace).await?;
    }
    // Their rows in the list say they are not saved yet.
    for (_, p) in &plan {
        p.check_row_pending(&browser, &workspace).await?;
    }
    // The new ticket is in the list, without a reference yet.
    workspace.clear_search().await?;
    workspace.type_search("\"floor 3 jams\"").await?;
    let row = browser
        .wait_for(&format!(
            "[data-testid='ticket-row'][data-id='{new_id}'].saving"
        ))
        .await?;
    ensure!(
        row.text().await?.contains("(reference pending)"),
        "the new ticket's row reads {:?}",
        row.text().await?
    );
    workspace.clear_search().await?;
    ensure!(workspace.sync_state().await? == offline_text);

    // The server comes back on the same port and database.
    js(&browser, RECORD_SYNC_TEXTS).await?;
    server.restart_same_port(&[])?;
    let back = Instant::now();
    let waited = wait_sync_state(&workspace, "Saved", SYNC_TIMEOUT).await?;
    eprintln!("round trip: server back; the page said Saved after {waited:.1?}");
    // On its way there the header said the changes were being saved, with their count.
    let texts: Vec<String> =
        serde_json::from_value(js(&browser, "return window.deskline_sync_texts;").await?)?;
    ensure!(
        texts
            .iter()
            .any(|t| t.starts_with("Saving ") && t.ends_with('…')),
        "the header never said it was saving: {texts:?}"
    );

    // The server holds each change exactly once.
    let api = server.api(ANA).await?;
    for (_, p) in &plan {
        p.check_server(&api).await?;
    }
    let created: Vec<Value> = api
        .tickets()
        .await?
        .into_iter()
        .filter(|t| t["title"] == title)
        .collect();
    ensure!(
        created.len() == 1,
        "{} tickets titled {title:?}",
        created.len()
    );
    let created = &created[0];
    ensure!(created["id"] == new_id.as_str(), "{created}");
    ensure!(created["priority"] == "high" && created["team"] == ana_team.as_str());
    ensure!(created["tags"] == json!([new_tag]), "{created}");
    let reference = created["reference"]
        .as_str()
        .context("the new ticket has no reference on the server")?
        .to_owned();
    let new_detail = detail(&api, &new_id).await?;
    let new_events = timeline(&new_detail)?;
    ensure!(count_messages(new_events, "internal", note_new) == 1);
    ensure!(
        kinds(new_events).iter().filter(|k| *k == "created").count() == 1,
        "{:?}",
        kinds(new_events)
    );

    // The page shows them confirmed: the real reference, nothing pending.
    let new_view = workspace.open_tab(&new_id).await?;
    browser
        .wait_until("the new ticket shows its reference", || async {
            Ok(new_view.reference().await? == reference)
        })
        .await?;
    new_view.wait_message("internal", note_new).await?;
    for (_, p) in &plan {
        p.check_page(&workspace).await?;
    }
    ensure!(
        // The list's slots keep a hidden marker each.
        count(&browser, ".saving-marker:not([hidden])").await? == 0,
        "saving markers left"
    );
    ensure!(
        count(&browser, ".msg.pending").await? == 0,
        "pending messages left"
    );
    ensure!(
        count(&browser, ".pending-ref").await? == 0,
        "pending references left"
    );
    ensure!(workspace.sync_state().await? == "Saved");
    screenshot(&browser, "offline-synced.png").await?;
    // Nothing went wrong, so nothing was said to have gone wrong, offline or after.
    let said = notices(&browser).await?;
    ensure!(said.is_empty(), "the page shows the notices {said:?}");
    eprintln!(
        "round trip: checked after {:.1?} back online; {:.1?} in all",
        back.elapsed(),
        t0.elapsed()
    );
    browser.close().await
}

/// Two demo agents (email, name) who share a team, and that team's id.
async fn teammates(api: &Api) -> Result<((String, String), (String, String), String)> {
    let ws = api.get("/api/workspace").await?;
    let agents: Vec<&Value> = ws["agents"]
        .as_array()
        .context("no agents")?
        .iter()
        .filter(|a| {
            ["ana", "bruno", "chen", "dara"]
                .iter()
                .any(|n| a["email"] == format!("{n}@deskline.test"))
        })
        .collect();
    let pair = |a: &Value| -> Result<(String, String)> {
        Ok((
            a["email"].as_str().context("email")?.to_owned(),
            a["name"].as_str().context("name")?.to_owned(),
        ))
    };
    for (i, a) in agents.iter().enumerate() {
        for b in &agents[i + 1..] {
            let shared = a["teams"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| b["teams"].as_array().is_some_and(|bt| bt.contains(t)));
            if let Some(team) = shared.and_then(Value::as_str) {
                return Ok((pair(a)?, pair(b)?, team.to_owned()));
            }
        }
    }
    bail!("no two demo agents share a team")
}

/// The notice that names `reference`, and its text.
async fn notice_for(
    browser: &Browser,
    reference: &str,
) -> Result<(fantoccini::elements::Element, String)> {
    for notice in browser
        .client
        .find_all(Locator::Css("[data-testid='notice']"))
        .await?
    {
        let text = notice.text().await?;
        if text.contains(reference) {
            return Ok((notice, text));
        }
    }
    bail!("no notice names {reference}: {:?}", notices(browser).await?)
}

/// The new events on a ticket's timeline since it had `before`, by kind.
async fn new_kinds(api: &Api, id: &str, before: usize) -> Result<Vec<String>> {
    let after = detail(api, id).await?;
    Ok(kinds(&timeline(&after)?[before..]))
}

#[tokio::test]
async fn two_agents_start_the_same_ticket_offline_and_the_second_is_told_who_has_it() -> Result<()>
{
    let t0 = Instant::now();
    let mut server = Server::start(200)?;
    let admin = server.api("admin@deskline.test").await?;
    let ((a_email, a_name), (b_email, b_name), team) = teammates(&admin).await?;
    let a_api = server.api(&a_email).await?;
    let ws = a_api.get("/api/workspace").await?;
    let (new_status, open_status, _) = statuses(&ws)?;
    let a_id = a_api.agent_id(&a_name).await?;
    // Three new unassigned tickets of the shared team: B answers the notice of the first by
    // asking A to release it, of the second by adding a note, and dismisses the third's.
    let mut picked = Vec::new();
    for t in a_api.tickets().await? {
        if t["team"] == team.as_str()
            && t["assignee"].is_null()
            && t["status"] == new_status.as_str()
            && t["archived"] == false
            && t["snoozed_until"].is_null()
            && t["trash"].is_null()
        {
            let id = t["id"].as_str().context("id")?.to_owned();
            let reference = t["reference"].as_str().context("reference")?.to_owned();
            let before = timeline(&detail(&a_api, &id).await?)?.len();
            picked.push((id, reference, before));
        }
        if picked.len() == 3 {
            break;
        }
    }
    ensure!(
        picked.len() == 3,
        "only {} new unassigned tickets in the shared team",
        picked.len()
    );
    let (id, reference, events_before) = picked[0].clone();
    let (noted_id, noted_reference, noted_before) = picked[1].clone();
    let (dismissed_id, dismissed_reference, dismissed_before) = picked[2].clone();
    eprintln!(
        "conflict: {a_name} and {b_name} on {reference}, {noted_reference} and {dismissed_reference}"
    );

    // Both agents are signed in.
    let a = Browser::start(1280, 800).await?;
    let b = Browser::start(1280, 800).await?;
    a.client.goto(&server.base).await?;
    b.client.goto(&server.base).await?;
    let a_ws = LoginPage(&a).sign_in(&a_email).await?;
    let b_ws = LoginPage(&b).sign_in(&b_email).await?;
    a_ws.wait_saved().await?;
    b_ws.wait_saved().await?;

    // Offline, both start the three tickets; on the first, A writes a note and B a public reply.
    server.kill()?;
    let note = format!("{a_name}: I'll take this one, I know the customer.");
    let reply = "Hello! Thanks for reaching out; I'm looking into it now.";
    for (ws, agent) in [(&a_ws, "A"), (&b_ws, "B")] {
        for (ticket, ticket_ref, _) in picked.iter().rev() {
            let view = ws.find_and_open(ticket_ref, ticket).await?;
            view.start().await?;
            view.wait_value("ticket-status", &open_status).await?;
            if *ticket == id {
                if agent == "A" {
                    send(&view, true, &note).await?;
                } else {
                    send(&view, false, reply).await?;
                }
            }
            ws.clear_search().await?;
        }
    }
    let b_view = b_ws.open_tab(&id).await?;
    wait_sync_state(&a_ws, "Offline — 4 pending", Duration::from_secs(20)).await?;
    wait_sync_state(&b_ws, "Offline — 4 pending", Duration::from_secs(20)).await?;

    // The server comes back; B's browser stays cut off until A's changes are in.
    emulate_offline(&b, true).await?;
    server.restart_same_port(&[])?;
    let waited = wait_sync_state(&a_ws, "Saved", SYNC_TIMEOUT).await?;
    eprintln!("conflict: {a_name}'s page said Saved {waited:.1?} after the restart");
    let held = detail(&a_api, &id).await?;
    ensure!(
        held["ticket"]["assignee"] == a_id.as_str(),
        "{}",
        held["ticket"]
    );
    ensure!(
        b_ws.sync_state().await? != "Saved",
        "B synced while cut off"
    );

    emulate_offline(&b, false).await?;
    b.client
        .wait()
        .at_most(SYNC_TIMEOUT)
        .for_element(Locator::Css("[data-testid='notice']"))
        .await
        .context("B never saw a notice")?;
    let waited = wait_sync_state(&b_ws, "Saved", SYNC_TIMEOUT).await?;
    eprintln!("conflict: {b_name}'s page said Saved {waited:.1?} after reconnecting");
    let said = notices(&b).await?;
    ensure!(
        said.len() == 3,
        "{b_name}'s page shows the notices {said:?}"
    );
    // Each notice says who started which ticket, and when (in the browser's time zone).
    let b_api = server.api(&b_email).await?;
    for (ticket, ticket_ref, before) in &picked {
        let after = detail(&b_api, ticket).await?;
        let started = &timeline(&after)?[*before];
        ensure!(
            started["kind"].get("assignee_changed").is_some(),
            "{ticket_ref}: {started}"
        );
        let local = b
            .client
            .execute(
                "return new Date(arguments[0]).toTimeString().slice(0, 5);",
                vec![started["at"].clone()],
            )
            .await?;
        let local = local.as_str().context("a time")?;
        let (_, text) = notice_for(&b, ticket_ref).await?;
        eprintln!("conflict: {b_name} sees: {text:?}");
        ensure!(
            text.contains(&format!(
                "{a_name} started {ticket_ref} at {local} while you were offline"
            )) && text.contains(&format!("it stays with {a_name}")),
            "the notice reads {text:?}"
        );
        // B's reply on the first went through; the others had nothing else from B.
        ensure!(
            text.contains("Your other changes to it were kept.") == (*ticket == id),
            "the notice reads {text:?}"
        );
    }
    screenshot(&b, "offline-conflict.png").await?;

    // The server kept A as the holder, A's note and B's reply; nothing else was added.
    let after = detail(&b_api, &id).await?;
    ensure!(
        after["ticket"]["assignee"] == a_id.as_str(),
        "{}",
        after["ticket"]
    );
    ensure!(after["ticket"]["status"] == open_status.as_str());
    let events = timeline(&after)?;
    ensure!(count_messages(events, "internal", &note) == 1, "A's note");
    ensure!(count_messages(events, "public", reply) == 1, "B's reply");
    let new = kinds(&events[events_before..]);
    ensure!(
        new == [
            "assignee_changed",
            "status_changed",
            "message_added",
            "message_added"
        ],
        "the server added {new:?}"
    );
    for (ticket, before) in [(&noted_id, noted_before), (&dismissed_id, dismissed_before)] {
        let new = new_kinds(&b_api, ticket, before).await?;
        ensure!(
            new == ["assignee_changed", "status_changed"],
            "the server added {new:?}"
        );
    }
    // B's page shows the truth: A holds it, and B's reply is there.
    b_view.wait_value("ticket-assignee", &a_id).await?;
    b_view.wait_message("public", reply).await?;

    // The third: dismissed, and nothing more happens.
    let (notice, _) = notice_for(&b, &dismissed_reference).await?;
    notice
        .find(Locator::Css("[data-testid='notice-dismiss']"))
        .await?
        .click()
        .await?;
    ensure!(
        notice_for(&b, &dismissed_reference).await.is_err(),
        "the dismissed notice stays"
    );

    // The second: opened with the composer on an internal note, ready to type.
    let (notice, _) = notice_for(&b, &noted_reference).await?;
    let choices = notice
        .find_all(Locator::Css("[data-testid='notice-choice']"))
        .await?;
    ensure!(
        choices[0].text().await? == "Open it to add a note",
        "the first choice reads {:?}",
        choices[0].text().await?
    );
    choices[0].click().await?;
    let noted_view = TicketView(&b);
    b.wait_until("the ticket opens on an internal note", || async {
        Ok(noted_view.reference().await? == noted_reference
            && b.wait_for("[data-testid='composer-internal']")
                .await?
                .attr("aria-selected")
                .await?
                .as_deref()
                == Some("true")
            && js(
                &b,
                "return document.activeElement && document.activeElement.dataset.testid;",
            )
            .await?
                == json!("composer-body"))
    })
    .await?;
    let handover = format!("{a_name} has this one; the customer prefers email.");
    b.wait_for("[data-testid='composer-body']")
        .await?
        .send_keys(&handover)
        .await?;
    b.wait_for("[data-testid='composer-send']")
        .await?
        .click()
        .await?;
    noted_view.wait_message("internal", &handover).await?;

    // The first: B asks A to release it.
    let (notice, _) = notice_for(&b, &reference).await?;
    let choices = notice
        .find_all(Locator::Css("[data-testid='notice-choice']"))
        .await?;
    let mut labels = Vec::new();
    for c in &choices {
        labels.push(c.text().await?);
    }
    ensure!(
        labels
            == [
                "Open it to add a note".to_owned(),
                format!("Ask {a_name} to release it")
            ],
        "the notice offers {labels:?}"
    );
    choices[1].click().await?;
    wait_sync_state(&b_ws, "Saved", SYNC_TIMEOUT).await?;
    let after = detail(&b_api, &id).await?;
    let asks: Vec<&Value> = timeline(&after)?
        .iter()
        .filter_map(|e| e["kind"].get("message_added"))
        .filter(|m| {
            m["visibility"] == "internal"
                && m["author_name"] == b_name.as_str()
                && m["body"]
                    .as_str()
                    .is_some_and(|body| body.contains(&a_name) && body.contains("release"))
        })
        .collect();
    ensure!(asks.len() == 1, "{} notes asking {a_name}", asks.len());
    eprintln!(
        "conflict: the server holds {}'s note {:?}",
        b_name, asks[0]["body"]
    );
    let noted = detail(&b_api, &noted_id).await?;
    ensure!(
        count_messages(timeline(&noted)?, "internal", &handover) == 1,
        "B's note on {noted_reference}"
    );
    ensure!(
        new_kinds(&b_api, &dismissed_id, dismissed_before).await?
            == ["assignee_changed", "status_changed"],
        "dismissing changed {dismissed_reference}"
    );
    ensure!(
        count(&b, "[data-testid='notice']").await? == 0,
        "notices stay: {:?}",
        notices(&b).await?
    );
    let said = notices(&a).await?;
    ensure!(
        said.is_empty(),
        "{a_name}'s page shows the notices {said:?}"
    );
    eprintln!("conflict: done in {:.1?}", t0.elapsed());
    a.close().await?;
    b.close().await
}

/// Whether the list holds the ticket `id` (the search box narrowed to `query`).
async fn listed(
    browser: &Browser,
    workspace: &WorkspacePage<'_>,
    query: &str,
    id: &str,
) -> Result<bool> {
    workspace.clear_search().await?;
    workspace.type_search(query).await?;
    // The list answers each key at once; give the last one its frame.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = count(
        browser,
        &format!("[data-testid='ticket-row'][data-id='{id}']"),
    )
    .await?;
    workspace.clear_search().await?;
    Ok(n > 0)
}

#[tokio::test]
async fn a_server_restored_from_an_older_backup_makes_the_page_start_over() -> Result<()> {
    let mut server = Server::start(30)?;
    let api = server.api(ANA).await?;
    let team = api.first_team_of("Ana Souza").await?;
    let browser = Browser::start(1280, 800).await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in(ANA).await?;
    workspace.wait_saved().await?;

    // A backup of the server as it is now (signed-in session included).
    let backup = tempfile::tempdir()?;
    server.kill()?;
    server.back_up(backup.path())?;
    server.restart_same_port(&[])?;

    // After the backup, a ticket is created elsewhere and reaches the page.
    let api = server.api(ANA).await?;
    let lost = uuid::Uuid::now_v7().to_string();
    api.post(
        "/api/sync/push",
        &json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
            {"id": 1, "created_at": chrono::Utc::now(), "name": "create", "args": {
                "ticket_id": lost, "title": "Wombat written after the backup",
                "ticket_type": "Support Ticket", "channel": "phone", "priority": "medium",
                "team": team}}
        ]}),
    )
    .await?;
    wait_long("the new ticket is listed", SYNC_TIMEOUT, || async {
        listed(&browser, &workspace, "wombat", &lost).await
    })
    .await?;
    workspace.wait_saved().await?;

    // The server is restored from the backup: the page's cookie is now ahead of it. Meanwhile the
    // page keeps a change of its own that the restored server has never seen.
    server.kill()?;
    server.restore(backup.path())?;
    let kept = workspace
        .create_ticket(
            "Platypus written while the server was being restored",
            "Typed in during the restore.",
            "low",
            Some(&team),
        )
        .await?;
    workspace.clear_search().await?;
    server.restart_same_port(&[])?;
    let api = server.api(ANA).await?;
    wait_long(
        "the restored server holds the page's change",
        SYNC_TIMEOUT,
        || async {
            Ok(api
                .tickets()
                .await?
                .iter()
                .any(|t| t["id"] == kept.as_str()))
        },
    )
    .await?;
    workspace.wait_saved().await?;
    // The page started over: what the server never had (after its restore) is gone, the list
    // is the server's, and the change made meanwhile is in it once.
    wait_long("the lost ticket leaves the list", SYNC_TIMEOUT, || async {
        Ok(!listed(&browser, &workspace, "wombat", &lost).await?)
    })
    .await?;
    ensure!(
        listed(&browser, &workspace, "platypus", &kept).await?,
        "the page's own change is not listed"
    );
    let on_server = api
        .tickets()
        .await?
        .iter()
        .filter(|t| t["title"] == "Platypus written while the server was being restored")
        .count();
    ensure!(
        on_server == 1,
        "the server holds the page's ticket {on_server} times"
    );
    // And so does the local copy: a reload reads the same.
    browser.client.refresh().await?;
    let workspace = WorkspacePage(&browser);
    workspace.wait_saved().await?;
    ensure!(
        !listed(&browser, &workspace, "wombat", &lost).await?,
        "the local copy still holds the lost ticket"
    );
    ensure!(listed(&browser, &workspace, "platypus", &kept).await?);
    browser.close().await
}

/// Types `body` into the composer at once (WebDriver would send 20,000 key events) and sends it.
async fn send_long(browser: &Browser, internal: bool, body: &str) -> Result<()> {
    browser
        .wait_for(if internal {
            "[data-testid='composer-internal']"
        } else {
            "[data-testid='composer-public']"
        })
        .await?
        .click()
        .await?;
    browser
        .client
        .execute(
            "const box = document.querySelector(\"[data-testid='composer-body']\");
             box.value = arguments[0];
             box.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(body)],
        )
        .await?;
    browser
        .wait_for("[data-testid='composer-send']")
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn changes_too_large_for_one_push_go_in_smaller_ones() -> Result<()> {
    // A server (or a proxy in front of it) that takes 20,000 bytes a push.
    let limit = ["--max-push-bytes", "20000"];
    let mut server = Server::start_with(30, &limit)?;
    let api = server.api(ANA).await?;
    let ana = api.agent_id("Ana Souza").await?;
    let ticket = api
        .tickets()
        .await?
        .into_iter()
        .find(|t| t["assignee"] == ana.as_str())
        .context("Ana holds no ticket")?;
    let id = ticket["id"].as_str().context("id")?.to_owned();
    let reference = ticket["reference"]
        .as_str()
        .context("reference")?
        .to_owned();
    let browser = Browser::start(1280, 800).await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in(ANA).await?;
    workspace.wait_saved().await?;
    let view = workspace.find_and_open(&reference, &id).await?;

    // Offline, five long replies (about 6 KB each: 30 KB together) and one of the longest a
    // reply may be, which alone is more than the server takes.
    server.kill()?;
    let replies: Vec<String> = (1..=5)
        .map(|n| format!("Reply {n}:{}", " the details once more.".repeat(270)))
        .collect();
    for reply in &replies {
        send_long(&browser, false, reply).await?;
        view.wait_message("public", reply).await?;
    }
    // The longest a reply may be (`deskline_shared::MAX_REPLY_CHARS`).
    let longest = "x".repeat(20_000);
    send_long(&browser, false, &longest).await?;
    wait_sync_state(&workspace, "Offline — 6 pending", Duration::from_secs(20)).await?;

    server.restart_same_port(&limit)?;
    wait_sync_state(&workspace, "Saved", SYNC_TIMEOUT).await?;
    let api = server.api(ANA).await?;
    let events = detail(&api, &id).await?;
    let timeline = timeline(&events)?;
    for reply in &replies {
        ensure!(
            count_messages(timeline, "public", reply) == 1,
            "a long reply is on the server {} times",
            count_messages(timeline, "public", reply)
        );
    }
    ensure!(
        count_messages(timeline, "public", &longest) == 0,
        "the reply too large for the server is on it"
    );
    // The one given up is said to be, with the server's reason.
    let said = notices(&browser).await?;
    ensure!(
        said.len() == 1
            && said[0].contains("larger than the server takes")
            && said[0].contains("not saved"),
        "the page shows the notices {said:?}"
    );
    browser.close().await
}
