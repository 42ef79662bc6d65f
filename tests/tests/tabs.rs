//! One agent with two tabs of the workspace in one browser profile. One tab leads: it holds the
//! Web Lock, pushes, pulls and hears the server's pokes. The other follows over the
//! BroadcastChannel and sends nothing to the sync endpoints itself, yet sees every change at once
//! and gets its own changes to the server through the leader. Closing the leader hands the lead
//! to the other tab.

use anyhow::{Context, Result, ensure};
use deskline_e2e::pages::{LoginPage, TicketView, WorkspacePage};
use deskline_e2e::{Api, Browser, Cdp, Server};
use fantoccini::wd::WindowHandle;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A change made elsewhere shows within this once the server pokes the leader. The app also pulls
/// every 10 s, so a change that takes longer may have come by that poll instead; two changes both
/// shown within this are very unlikely to be the poll's doing.
const POKED_WITHIN: Duration = Duration::from_secs(3);

/// The tab's part in the sync, as the app marks it on the root element.
async fn role(browser: &Browser) -> Result<String> {
    let role = browser
        .client
        .execute(
            "return document.documentElement.dataset.sync || '';",
            vec![],
        )
        .await?;
    Ok(role.as_str().unwrap_or_default().to_owned())
}

async fn wait_role(browser: &Browser, want: &str) -> Result<()> {
    browser
        .wait_until(&format!("the tab is the {want}"), || async {
            Ok(role(browser).await? == want)
        })
        .await
}

/// How many requests this page has sent to `/api/sync/...` (pushes and pulls).
async fn sync_requests(browser: &Browser) -> Result<u64> {
    let count = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')
                .filter(e => new URL(e.name).pathname.startsWith('/api/sync/')).length;",
            vec![],
        )
        .await?;
    count.as_u64().context("no count")
}

/// Pushes one mutation as a device of its own.
async fn push(api: &Api, name: &str, args: Value) -> Result<()> {
    let answer = api
        .post(
            "/api/sync/push",
            &json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
                {"id": 1, "created_at": chrono::Utc::now(), "name": name, "args": args}
            ]}),
        )
        .await?;
    ensure!(
        answer.to_string().contains("applied"),
        "the push was not applied: {answer}"
    );
    Ok(())
}

/// How many internal notes with this body the server holds on the ticket.
async fn notes_on_server(api: &Api, id: &str, body: &str) -> Result<usize> {
    let detail = api.get(&format!("/api/tickets/{id}")).await?;
    Ok(detail["timeline"]
        .as_array()
        .context("no timeline")?
        .iter()
        .filter(|e| {
            let m = &e["kind"]["message_added"];
            m["visibility"] == "internal" && m["body"] == body
        })
        .count())
}

/// Ana signs in in a first tab, which leads, and opens a second, signed in already (same
/// profile), which follows; the second is the current one.
async fn two_tabs<'a>(
    browser: &'a Browser,
    server: &Server,
) -> Result<(WorkspacePage<'a>, WindowHandle, WindowHandle)> {
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(browser).sign_in("ana@deskline.test").await?;
    wait_role(browser, "leader").await?;
    let first = browser.client.window().await?;
    let second = browser.client.new_window(true).await?.handle;
    browser.client.switch_to_window(second.clone()).await?;
    browser.client.goto(&server.base).await?;
    workspace.rows().await?;
    wait_role(browser, "follower").await?;
    Ok((workspace, first, second))
}

#[tokio::test]
async fn one_tab_leads_the_other_follows_and_the_lead_passes_on_when_it_closes() -> Result<()> {
    let server = Server::start(30)?;
    let api = server.api("ana@deskline.test").await?;
    let team = api.first_team_of("Ana Souza").await?;

    let browser = Browser::start(1280, 800).await?;
    let (workspace, first, second) = two_tabs(&browser, &server).await?;
    workspace.type_search("quokka").await?;

    // A change made on another device reaches the follower without a reload: the leader is
    // poked, pulls, and hands the page over.
    let id = uuid::Uuid::now_v7().to_string();
    let made = Instant::now();
    push(
        &api,
        "create",
        json!({"ticket_id": id, "title": "Quokka stuck in the label printer",
               "ticket_type": "Support Ticket", "channel": "phone", "priority": "medium",
               "team": team}),
    )
    .await?;
    let view = workspace.open_ticket(&id).await?;
    let shown = made.elapsed();
    println!(
        "a change made elsewhere showed in the follower tab after {} ms",
        shown.as_millis()
    );
    ensure!(
        shown < POKED_WITHIN,
        "the new ticket took {shown:?}: the leader was not poked"
    );

    // The follower's own change reaches the server through the leader, once, and the follower
    // says Saved.
    let note = "Written in the second tab";
    view.send(true, note).await?;
    view.wait_message("internal", note).await?;
    workspace.wait_saved().await?;
    ensure!(
        notes_on_server(&api, &id, note).await? == 1,
        "the note is not on the server exactly once"
    );
    let follower_requests = sync_requests(&browser).await?;
    ensure!(
        follower_requests == 0,
        "the follower sent {follower_requests} sync requests itself"
    );

    // The leader shows it too.
    browser.client.switch_to_window(first.clone()).await?;
    ensure!(role(&browser).await? == "leader");
    let leader_view = workspace.find_and_open("quokka", &id).await?;
    leader_view.wait_message("internal", note).await?;
    ensure!(
        sync_requests(&browser).await? > 0,
        "the leader made no sync requests"
    );

    // The leader closes: the follower takes the lead and syncs on its own.
    browser.client.close_window().await?;
    browser.client.switch_to_window(second).await?;
    wait_role(&browser, "leader").await?;
    let view = TicketView(&browser);
    let made = Instant::now();
    push(
        &api,
        "set_priority",
        json!({"ticket_id": id, "priority": "urgent"}),
    )
    .await?;
    view.wait_value("ticket-priority", "urgent").await?;
    let shown = made.elapsed();
    ensure!(
        shown < POKED_WITHIN,
        "the priority took {shown:?}: the new leader is not poked"
    );
    ensure!(
        sync_requests(&browser).await? > 0,
        "the new leader made no sync requests"
    );
    let note = "Written after the first tab closed";
    view.send(true, note).await?;
    WorkspacePage(&browser).wait_saved().await?;
    ensure!(
        notes_on_server(&api, &id, note).await? == 1,
        "the new leader's note is not on the server exactly once"
    );
    browser.close().await
}

/// Cuts the current tab off the network (or connects it again); the other tabs keep theirs.
async fn tab_offline(browser: &Browser, offline: bool) -> Result<()> {
    let cdp = |cmd: &'static str, params: Value| browser.client.issue_cmd(Cdp { cmd, params });
    cdp("Network.enable", json!({})).await?;
    cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_change_the_server_refuses_is_told_in_the_tab_that_made_it() -> Result<()> {
    let server = Server::start(30)?;
    let ana = server.api("ana@deskline.test").await?;
    let lea = server.api("lea@deskline.test").await?;
    let team = ana.first_team_of("Ana Souza").await?;
    let id = uuid::Uuid::now_v7().to_string();
    push(
        &ana,
        "create",
        json!({"ticket_id": id, "title": "Wombat asleep on the keyboard",
               "ticket_type": "Support Ticket", "channel": "phone", "priority": "medium",
               "team": team}),
    )
    .await?;

    let browser = Browser::start(1280, 800).await?;
    let (workspace, first, second) = two_tabs(&browser, &server).await?;
    workspace.type_search("wombat").await?;
    let view = workspace.open_ticket(&id).await?;

    // The leader is cut off, so the follower's Start waits in the outbox while Lea takes the
    // ticket from another device.
    browser.client.switch_to_window(first.clone()).await?;
    tab_offline(&browser, true).await?;
    browser.client.switch_to_window(second.clone()).await?;
    view.start().await?;
    push(&lea, "start", json!({ "ticket_id": id })).await?;
    browser.client.switch_to_window(first.clone()).await?;
    tab_offline(&browser, false).await?;

    // The leader pushes the Start, the server refuses it (Lea holds the ticket), and the
    // refusal reaches the tab where Ana pressed Start, naming who holds it.
    browser.client.switch_to_window(second).await?;
    browser
        .wait_until(
            "the follower tells Ana that Lea holds the ticket",
            || async {
                for notice in browser
                    .client
                    .find_all(fantoccini::Locator::Css("[data-testid='notice']"))
                    .await?
                {
                    if notice.text().await?.contains("Lea Lindqvist") {
                        return Ok(true);
                    }
                }
                Ok(false)
            },
        )
        .await?;
    ensure!(
        sync_requests(&browser).await? == 0,
        "the follower sent sync requests itself"
    );
    browser.close().await
}
