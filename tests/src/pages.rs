//! Page objects: what a person does on each page, in terms of the app's `data-testid`s.

use crate::{Browser, DEMO_PASSWORD};
use anyhow::{Context, Result};
use fantoccini::Locator;
use fantoccini::elements::Element;

fn tid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

/// The sign-in page.
pub struct LoginPage<'a>(pub &'a Browser);

impl<'a> LoginPage<'a> {
    /// Signs in with the demo password and waits for the workspace.
    pub async fn sign_in(self, email: &str) -> Result<WorkspacePage<'a>> {
        let b = self.0;
        b.wait_for(&tid("login-email"))
            .await?
            .send_keys(email)
            .await?;
        b.wait_for(&tid("login-password"))
            .await?
            .send_keys(DEMO_PASSWORD)
            .await?;
        b.wait_for(&tid("login-submit")).await?.click().await?;
        b.wait_for(&tid("sidebar")).await?;
        Ok(WorkspacePage(b))
    }
}

impl<'a> LoginPage<'a> {
    /// Picks a demo account from the list on the sign-in page and signs in with it.
    pub async fn sign_in_as_demo(self, name: &str) -> Result<WorkspacePage<'a>> {
        let b = self.0;
        b.wait_for(&tid("demo-logins")).await?;
        let mut picked = false;
        for button in b
            .client
            .find_all(Locator::Css(&tid("demo-account")))
            .await?
        {
            if button.text().await?.contains(name) {
                button.click().await?;
                picked = true;
                break;
            }
        }
        anyhow::ensure!(picked, "no demo account named {name}");
        b.wait_for(&tid("login-submit")).await?.click().await?;
        b.wait_for(&tid("sidebar")).await?;
        Ok(WorkspacePage(b))
    }
}

/// The agent workspace: sidebar, ticket list and ticket view.
pub struct WorkspacePage<'a>(pub &'a Browser);

impl<'a> WorkspacePage<'a> {
    /// The number a sidebar entry shows.
    pub async fn count(&self, entry: &str) -> Result<u64> {
        let el = self.0.wait_for(&tid(entry)).await?;
        let n = el
            .attr("data-count")
            .await?
            .with_context(|| format!("{entry} has no data-count"))?;
        Ok(n.parse()?)
    }

    /// Clicks a sidebar entry.
    pub async fn open_queue(&self, entry: &str) -> Result<()> {
        self.0.wait_for(&tid(entry)).await?.click().await?;
        Ok(())
    }

    /// The rows of the ticket list.
    pub async fn rows(&self) -> Result<Vec<Element>> {
        self.0.wait_for(&tid("ticket-list")).await?;
        Ok(self
            .0
            .client
            .find_all(Locator::Css(&tid("ticket-row")))
            .await?)
    }

    /// The id of the first ticket in the list.
    pub async fn first_row_id(&self) -> Result<String> {
        let row = self
            .rows()
            .await?
            .into_iter()
            .next()
            .context("the list is empty")?;
        row.attr("data-id").await?.context("a row without data-id")
    }

    /// Opens the ticket with this id from the list and waits for its view.
    pub async fn open_ticket(&self, id: &str) -> Result<TicketView<'a>> {
        let row = self
            .0
            .wait_for(&format!("{}[data-id='{id}']", tid("ticket-row")))
            .await?;
        row.click().await?;
        self.0
            .wait_for(&format!("{}[data-id='{id}']", tid("ticket-view")))
            .await?;
        Ok(TicketView(self.0))
    }

    /// The header's sync indicator text.
    pub async fn sync_state(&self) -> Result<String> {
        Ok(self.0.wait_for(&tid("sync-state")).await?.text().await?)
    }

    /// Waits until every change has reached the server.
    pub async fn wait_saved(&self) -> Result<()> {
        self.0
            .wait_until("every change is saved", || async {
                Ok(self.sync_state().await? == "Saved")
            })
            .await
    }
}

/// The open ticket.
pub struct TicketView<'a>(pub &'a Browser);

impl TicketView<'_> {
    async fn el(&self, id: &str) -> Result<Element> {
        self.0
            .wait_for(&format!("{} {}", tid("ticket-view"), tid(id)))
            .await
    }

    /// The value of one of the property selects (`ticket-status`, `ticket-priority`, ...).
    pub async fn value(&self, select: &str) -> Result<String> {
        Ok(self
            .el(select)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Picks an option of a property select by its value.
    pub async fn choose(&self, select: &str, value: &str) -> Result<()> {
        self.el(select).await?.select_by_value(value).await?;
        Ok(())
    }

    /// Waits until a property select shows `value`.
    pub async fn wait_value(&self, select: &str, value: &str) -> Result<()> {
        self.0
            .wait_until(&format!("{select} is {value}"), || async {
                Ok(self.value(select).await? == value)
            })
            .await
    }

    /// Clicks Start (take it).
    pub async fn start(&self) -> Result<()> {
        self.el("btn-start").await?.click().await?;
        Ok(())
    }

    /// Writes and sends a public reply or an internal note.
    pub async fn send(&self, internal: bool, body: &str) -> Result<()> {
        self.el(if internal {
            "composer-internal"
        } else {
            "composer-public"
        })
        .await?
        .click()
        .await?;
        self.el("composer-body").await?.send_keys(body).await?;
        self.el("composer-send").await?.click().await?;
        Ok(())
    }

    /// The bodies of the timeline's messages with this visibility (`public` or `internal`).
    pub async fn messages(&self, visibility: &str) -> Result<Vec<String>> {
        let css = format!(
            "{} [data-testid='timeline-message'][data-visibility='{visibility}'] {}",
            tid("timeline"),
            tid("message-body")
        );
        let mut bodies = Vec::new();
        for el in self.0.client.find_all(Locator::Css(&css)).await? {
            bodies.push(el.text().await?);
        }
        Ok(bodies)
    }

    /// Waits until a message with this visibility and body is on the timeline.
    pub async fn wait_message(&self, visibility: &str, body: &str) -> Result<()> {
        self.0
            .wait_until(
                &format!("the {visibility} message {body:?} is on the timeline"),
                || async { Ok(self.messages(visibility).await?.iter().any(|m| m == body)) },
            )
            .await
    }
}
