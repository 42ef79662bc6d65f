//! An agent's day in a real headless Chromium against a real server process.

use anyhow::{Context, Result};
use deskline_e2e::pages::{LoginPage, TicketView};
use deskline_e2e::{Browser, Server};
use fantoccini::Locator;
use std::path::PathBuf;

/// Where the README's screenshot lives.
fn screenshot_path() -> PathBuf {
    let root = std::env::var_os("DESKLINE_ROOT").map_or_else(|| PathBuf::from(".."), PathBuf::from);
    root.join("docs/screenshot.png")
}

#[tokio::test]
async fn an_agent_works_a_ticket_and_it_survives_a_reload() -> Result<()> {
    let server = Server::start(150)?;
    let browser = Browser::start(1440, 900).await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in("ana@deskline.test").await?;

    // The sidebar counts what the list holds (the list is virtualised: its length, not its rows
    // in the DOM).
    let all_open = workspace.count("count-all").await?;
    assert!(all_open > 0, "Ana should have open tickets");
    assert_eq!(workspace.list_count().await?, all_open);
    let new_count = workspace.count("count-status-open").await?;
    assert!(new_count > 0, "the demo has new tickets");
    workspace.open_queue("count-status-open").await?;
    browser
        .wait_until("the list shows only new tickets", || async {
            Ok(workspace.list_count().await? == new_count)
        })
        .await?;

    let id = workspace.first_row_id().await?;
    let view = workspace.open_ticket(&id).await?;
    assert_eq!(view.value("ticket-status").await?, "open");

    // Start it, reply, write a note, raise the priority.
    view.start().await?;
    view.wait_value("ticket-status", "in_progress").await?;
    let reply = "Thanks for writing in: a refund is on its way.";
    view.send(false, reply).await?;
    view.wait_message("public", reply).await?;
    let note = "Finance approved the refund; check the ledger tomorrow.";
    view.send(true, note).await?;
    view.wait_message("internal", note).await?;
    view.choose("ticket-priority", "urgent").await?;
    view.wait_value("ticket-priority", "urgent").await?;
    workspace.wait_saved().await?;
    assert_eq!(workspace.count("count-status-open").await?, new_count - 1);

    // Everything is still there after a reload: it was saved on the server, not just on screen.
    browser.client.refresh().await?;
    browser.wait_for("[data-testid='sidebar']").await?;
    let view: TicketView = workspace.open_ticket(&id).await?;
    view.wait_value("ticket-status", "in_progress").await?;
    view.wait_value("ticket-priority", "urgent").await?;
    view.wait_message("public", reply).await?;
    view.wait_message("internal", note).await?;
    let assignee = browser
        .wait_for("[data-testid='ticket-view'] [data-testid='ticket-assignee']")
        .await?;
    let chosen = assignee
        .find(Locator::Css("option:checked"))
        .await?
        .text()
        .await?;
    assert_eq!(chosen, "Ana Souza");

    // Show the conversation in the README's picture: the reply and the amber internal note.
    browser
        .client
        .execute(
            "document.querySelector(\"[data-testid='timeline-message'][data-visibility='internal']\").scrollIntoView({block: 'end'});",
            vec![],
        )
        .await?;
    let png = browser.client.screenshot().await?;
    let path = screenshot_path();
    std::fs::create_dir_all(path.parent().context("screenshot path")?)?;
    std::fs::write(&path, png)?;
    browser.close().await
}

#[tokio::test]
async fn a_rejected_start_rolls_back_and_says_who_holds_the_ticket() -> Result<()> {
    let server = Server::start(60)?;
    let ana = Browser::start(1280, 800).await?;
    let lea = Browser::start(1280, 800).await?;
    ana.client.goto(&server.base).await?;
    lea.client.goto(&server.base).await?;
    let ana_ws = LoginPage(&ana).sign_in("ana@deskline.test").await?;
    let lea_ws = LoginPage(&lea).sign_in("lea@deskline.test").await?;

    // A new ticket both can see; both open it.
    ana_ws.open_queue("count-status-open").await?;
    let id = ana_ws.first_row_id().await?;
    let ana_view = ana_ws.open_ticket(&id).await?;
    let lea_view = lea_ws.open_ticket(&id).await?;

    ana_view.start().await?;
    ana_ws.wait_saved().await?;
    lea_view.start().await?;
    let notice = lea.wait_for("[data-testid='notice']").await?;
    let text = notice.text().await?;
    assert!(
        text.contains("was started by Ana Souza at"),
        "notice says: {text}"
    );
    // Lea's screen shows the truth: Ana holds it.
    lea.wait_until("Lea sees Ana as the assignee", || async {
        let select = lea
            .wait_for("[data-testid='ticket-view'] [data-testid='ticket-assignee']")
            .await?;
        Ok(select
            .find(Locator::Css("option:checked"))
            .await?
            .text()
            .await?
            == "Ana Souza")
    })
    .await?;
    lea_ws.wait_saved().await?;
    ana.close().await?;
    lea.close().await
}

#[tokio::test]
async fn the_workspace_fits_a_phone() -> Result<()> {
    let server = Server::start(40)?;
    let browser = Browser::start(360, 740).await?;
    browser.client.goto(&server.base).await?;
    // A first visit: pick the demo account from the sign-in page instead of typing it.
    let workspace = LoginPage(&browser).sign_in_as_demo("Dara Okafor").await?;
    let id = workspace.first_row_id().await?;
    workspace.open_ticket(&id).await?;
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await?;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the page scrolls sideways on a phone by {overflow}px"
    );
    let dir =
        PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "../target".into()))
            .join("e2e");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("phone.png"), browser.client.screenshot().await?)?;
    browser.close().await
}
