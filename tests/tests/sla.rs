//! Service levels in a real browser against a real server with a movable clock: a ticket near its
//! deadline shows amber, then red once the clock passes it, and the agent's inbox says so.

use anyhow::{Context, Result, ensure};
use deskline_e2e::pages::LoginPage;
use deskline_e2e::{Browser, Server};
use fantoccini::Locator;
use serde_json::{Value, json};

/// Calls the API from inside the page, with the signed-in session; returns `(status, body)`.
async fn api(browser: &Browser, method: &str, path: &str, body: Value) -> Result<(u64, Value)> {
    let script = r#"
        const [method, path, body, done] = arguments;
        fetch(path, {
            method,
            headers: { 'content-type': 'application/json' },
            body: body === null ? undefined : JSON.stringify(body),
        })
            .then(async (r) => { const t = await r.text(); done([r.status, t ? JSON.parse(t) : null]); })
            .catch((e) => done([0, String(e)]));
    "#;
    let out = browser
        .client
        .execute_async(script, vec![json!(method), json!(path), body])
        .await?;
    let status = out[0].as_u64().context("no status")?;
    Ok((status, out[1].clone()))
}

/// An ISO instant `minutes` after the ISO instant `from`, computed by the page.
async fn plus_minutes(browser: &Browser, from: &str, minutes: i64) -> Result<String> {
    let out = browser
        .client
        .execute(
            "return new Date(Date.parse(arguments[0]) + arguments[1] * 60000).toISOString();",
            vec![json!(from), json!(minutes)],
        )
        .await?;
    Ok(out.as_str().context("no date")?.to_owned())
}

async fn badge_state(browser: &Browser, ticket: &str) -> Result<(String, String)> {
    let badge = browser
        .wait_for(&format!(
            "[data-testid='ticket-row'][data-id='{ticket}'] [data-testid='sla-badge']"
        ))
        .await?;
    let state = badge.attr("data-state").await?.unwrap_or_default();
    Ok((state, badge.text().await?))
}

async fn wait_badge(browser: &Browser, ticket: &str, want: &str) -> Result<String> {
    browser
        .wait_until(&format!("the SLA badge shows {want}"), || async {
            Ok(badge_state(browser, ticket).await?.0 == want)
        })
        .await?;
    Ok(badge_state(browser, ticket).await?.1)
}

#[tokio::test]
async fn a_ticket_turns_amber_then_red_and_the_inbox_tells_its_agent() -> Result<()> {
    let server = Server::start_with(30, &["--test-clock"])?;
    let browser = Browser::start(1440, 900).await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in("ana@deskline.test").await?;

    // Ana logs an urgent phone call for Billing and takes it (through the API, from the page).
    let (_, config) = api(&browser, "GET", "/api/workspace", Value::Null).await?;
    let billing = config["teams"]
        .as_array()
        .and_then(|teams| teams.iter().find(|t| t["name"] == "Billing"))
        .context("no Billing team")?["id"]
        .clone();
    let id: String = browser
        .client
        .execute("return crypto.randomUUID();", vec![])
        .await?
        .as_str()
        .context("no uuid")?
        .to_owned();
    let client_id: Value = browser
        .client
        .execute("return crypto.randomUUID();", vec![])
        .await?;
    let (status, pushed) = api(
        &browser,
        "POST",
        "/api/sync/push",
        json!({"client_id": client_id, "mutations": [
            {"id": 1, "created_at": "2026-11-21T09:00:00Z", "name": "create", "args": {
                "ticket_id": id, "title": "Card terminal rejects every payment",
                "ticket_type": "Support Ticket", "channel": "phone", "priority": "urgent",
                "team": billing}},
            {"id": 2, "created_at": "2026-11-21T09:00:00Z", "name": "start", "args": {"ticket_id": id}},
        ]}),
    )
    .await?;
    ensure!(status == 200, "push answered {status}: {pushed}");
    let (_, detail) = api(&browser, "GET", &format!("/api/tickets/{id}"), Value::Null).await?;
    let created = detail["ticket"]["created_at"]
        .as_str()
        .context("no created_at")?
        .to_owned();
    let reference = detail["ticket"]["reference"]
        .as_str()
        .context("no reference")?
        .to_owned();

    // Urgent: first response within one hour around the clock, warning at 75 %.
    browser.client.refresh().await?;
    let text = wait_badge(&browser, &id, "on_track").await?;
    ensure!(
        text.contains("1h") || text.contains("59m"),
        "an on-track badge shows the hour left: {text:?}"
    );

    let at = plus_minutes(&browser, &created, 50).await?;
    let (status, _) = api(&browser, "PUT", "/api/test/clock", json!({ "now": at })).await?;
    ensure!(status == 200, "the test clock did not move: {status}");
    browser.client.refresh().await?;
    let text = wait_badge(&browser, &id, "warning").await?;
    ensure!(
        text.contains("10m") || text.contains("9m"),
        "about ten minutes left at 50 of 60: {text:?}"
    );
    // The ticket's banner lists the first response as a warning.
    workspace.open_ticket(&id).await?;
    browser
        .wait_for("[data-testid='sla-banner'] [data-testid='sla-metric'][data-metric='first_response'][data-state='warning']")
        .await?;
    browser
        .client
        .screenshot()
        .await
        .map(|png| std::fs::write(e2e_dir().join("sla-warning.png"), png))??;

    let at = plus_minutes(&browser, &created, 62).await?;
    api(&browser, "PUT", "/api/test/clock", json!({ "now": at })).await?;
    browser.client.refresh().await?;
    let text = wait_badge(&browser, &id, "breached").await?;
    ensure!(
        text.contains("-2m") || text.contains("-1m"),
        "a breached badge counts below zero: {text:?}"
    );
    workspace.open_ticket(&id).await?;
    browser
        .wait_for("[data-testid='sla-metric'][data-metric='first_response'][data-state='breached']")
        .await?;

    // The inbox has both the warning and the breach for this ticket.
    browser
        .wait_until("the inbox count shows", || async {
            let count = browser.wait_for("[data-testid='inbox-count']").await?;
            Ok(count.text().await?.trim().parse::<u32>().unwrap_or(0) >= 2)
        })
        .await?;
    browser
        .wait_for("[data-testid='inbox-button']")
        .await?
        .click()
        .await?;
    browser.wait_for("[data-testid='inbox-entry']").await?;
    let mut texts = Vec::new();
    for entry in browser
        .client
        .find_all(Locator::Css("[data-testid='inbox-entry']"))
        .await?
    {
        texts.push(entry.text().await?);
    }
    let breach = format!("First response breached on {reference}");
    let warning = format!("First response due soon on {reference}");
    ensure!(
        texts.iter().any(|t| t.contains(&breach)),
        "no {breach:?} in {texts:?}"
    );
    ensure!(
        texts.iter().any(|t| t.contains(&warning)),
        "no {warning:?} in {texts:?}"
    );
    browser
        .client
        .screenshot()
        .await
        .map(|png| std::fs::write(e2e_dir().join("sla-inbox.png"), png))??;
    browser.close().await
}

fn e2e_dir() -> std::path::PathBuf {
    let root = std::env::var_os("DESKLINE_ROOT")
        .map_or_else(|| std::path::PathBuf::from(".."), std::path::PathBuf::from);
    let dir = root.join("target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn type_into(browser: &Browser, css: &str, text: &str) -> Result<()> {
    let input = browser.wait_for(css).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

#[tokio::test]
async fn a_leader_edits_service_levels_and_mistakes_are_named() -> Result<()> {
    let server = Server::start(10)?;
    let browser = Browser::start(1280, 900).await?;
    browser.client.goto(&server.base).await?;
    LoginPage(&browser).sign_in("lea@deskline.test").await?;
    browser
        .wait_for("[data-testid='settings-link']")
        .await?
        .click()
        .await?;
    browser.wait_for("[data-testid='sla-settings']").await?;

    // An inverted working period is refused with a sentence naming it, and nothing is saved.
    type_into(
        &browser,
        "[data-testid='sla-calendar'] [data-testid='calendar-period-end']",
        "08:00",
    )
    .await?;
    browser
        .wait_for("[data-testid='sla-save']")
        .await?
        .click()
        .await?;
    let error = browser
        .wait_for("[data-testid='sla-error']")
        .await?
        .text()
        .await?;
    ensure!(
        error.contains("ends at 08:00 but starts at 09:00"),
        "the error names the period: {error:?}"
    );
    let (_, saved) = api(&browser, "GET", "/api/sla", Value::Null).await?;
    ensure!(
        saved["calendars"][0]["hours"][0]["end"] == "18:00",
        "nothing was saved: {saved}"
    );
    browser
        .client
        .screenshot()
        .await
        .map(|png| std::fs::write(e2e_dir().join("sla-settings-error.png"), png))??;

    // A threshold outside 1–99 % is refused too.
    browser
        .wait_for("[data-testid='sla-reset']")
        .await?
        .click()
        .await?;
    type_into(&browser, "[data-testid='policy-warning']", "100").await?;
    browser
        .wait_for("[data-testid='sla-save']")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the warning error shows", || async {
            let text = browser
                .wait_for("[data-testid='sla-error']")
                .await?
                .text()
                .await?;
            Ok(text.contains("between 1 and 99"))
        })
        .await?;

    // A good change is saved and is what the server serves from then on.
    type_into(&browser, "[data-testid='policy-warning']", "80").await?;
    browser
        .wait_for("[data-testid='sla-save']")
        .await?
        .click()
        .await?;
    browser
        .wait_until("the settings say saved", || async {
            let status = browser
                .wait_for("[data-testid='sla-status']")
                .await?
                .text()
                .await?;
            Ok(status.contains("Saved"))
        })
        .await?;
    let (_, saved) = api(&browser, "GET", "/api/sla", Value::Null).await?;
    ensure!(saved["policies"][0]["warning_percent"] == 80, "{saved}");

    // Agents get their device's settings, without the service levels.
    browser
        .wait_for("[data-testid='btn-logout']")
        .await?
        .click()
        .await?;
    LoginPage(&browser).sign_in("ana@deskline.test").await?;
    browser
        .wait_for("[data-testid='settings-link']")
        .await?
        .click()
        .await?;
    browser.wait_for("[data-testid='device-settings']").await?;
    ensure!(
        browser
            .client
            .find(Locator::Css("[data-testid='sla-settings']"))
            .await
            .is_err(),
        "an agent sees the service level settings"
    );
    browser.close().await
}
