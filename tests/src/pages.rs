//! Page objects: what a person does on each page, in terms of the app's `data-testid`s.

use crate::{Browser, DEMO_PASSWORD};
use anyhow::{Context, Result, bail};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::json;

fn tid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

/// The sign-in page.
pub struct LoginPage<'a>(pub &'a Browser);

impl<'a> LoginPage<'a> {
    /// Signs in with the demo password and waits for the workspace.
    pub async fn sign_in(self, email: &str) -> Result<WorkspacePage<'a>> {
        let b = self.0;
        self.submit(email).await?;
        b.wait_for(&tid("sidebar")).await?;
        Ok(WorkspacePage(b))
    }

    /// Fills in the form with the demo password and submits it, without waiting for what follows
    /// (a large workspace's first load takes longer than a page wait).
    pub async fn submit(&self, email: &str) -> Result<()> {
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
        Ok(())
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

    /// The rows of the ticket list in the DOM, in list order: the list is virtualised, so only
    /// those in sight and a few around them. Its rows are slots that move with the scroll, so the
    /// DOM order is not the list's: `aria-rowindex` is.
    pub async fn rows(&self) -> Result<Vec<Element>> {
        self.0.wait_for(&tid("ticket-list")).await?;
        let mut rows = Vec::new();
        for row in self
            .0
            .client
            .find_all(Locator::Css(&format!(
                "{}[aria-rowindex]",
                tid("ticket-row")
            )))
            .await?
        {
            // A slot the list does not need has no position; one may lose it meanwhile.
            if let Some(at) = row
                .attr("aria-rowindex")
                .await?
                .and_then(|a| a.parse::<u64>().ok())
            {
                rows.push((at, row));
            }
        }
        rows.sort_by_key(|(at, _)| *at);
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }

    /// The id of the first ticket in the list.
    pub async fn first_row_id(&self) -> Result<String> {
        let first = self
            .visible_rows()
            .await?
            .into_iter()
            .next()
            .context("the list is empty")?;
        Ok(first.id)
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

/// One row of the ticket list as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The ticket's id (`data-id`).
    pub id: String,
    /// Its reference (`data-reference`).
    pub reference: String,
    /// The text of its priority cell.
    pub priority: String,
}

/// Search, status tabs, saved views, bulk actions, ticket tabs and export: the tools over the list.
impl WorkspacePage<'_> {
    /// How many tickets the list holds (its `data-count`). The list is virtualised, so this, not
    /// the rows in the DOM, is the list's length.
    pub async fn list_count(&self) -> Result<u64> {
        let list = self.0.wait_for(&tid("ticket-list")).await?;
        let n = list
            .attr("data-count")
            .await?
            .context("a list without data-count")?;
        Ok(n.parse()?)
    }

    /// The rows in the DOM (the ones in sight, and a few around them), top to bottom. Read in one
    /// script so the snapshot is consistent even while the list redraws; ordered by
    /// `aria-rowindex`, since the list's slots are not in list order in the DOM.
    pub async fn visible_rows(&self) -> Result<Vec<ListRow>> {
        self.0.wait_for(&tid("ticket-list")).await?;
        let rows = self
            .0
            .client
            .execute(
                r#"return [...document.querySelectorAll("[data-testid='ticket-row'][aria-rowindex]")]
                    .sort((a, b) => a.ariaRowIndex - b.ariaRowIndex)
                    .map(r => [
                        r.dataset.id,
                        r.dataset.reference,
                        r.querySelector('.c-prio').textContent.trim(),
                    ]);"#,
                vec![],
            )
            .await?;
        let rows = rows.as_array().context("no rows")?;
        rows.iter()
            .map(|row| {
                let cell = |k: usize| row[k].as_str().unwrap_or_default().to_owned();
                Ok(ListRow {
                    id: cell(0),
                    reference: cell(1),
                    priority: cell(2),
                })
            })
            .collect()
    }

    async fn search_box(&self) -> Result<Element> {
        self.0.wait_for(&tid("search-box")).await
    }

    /// Types `text` at the end of the search box.
    pub async fn type_search(&self, text: &str) -> Result<()> {
        let input = self.search_box().await?;
        input.click().await?;
        // The caret goes to the end whatever the click hit.
        input.send_keys(&Key::End).await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Empties the search box as a person would: select everything, delete.
    pub async fn clear_search(&self) -> Result<()> {
        let input = self.search_box().await?;
        input.click().await?;
        input
            .send_keys(&format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace))
            .await?;
        Ok(())
    }

    /// What the search box holds.
    pub async fn search_text(&self) -> Result<String> {
        Ok(self
            .search_box()
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// The query's error, if one is shown.
    pub async fn query_error(&self) -> Result<Option<String>> {
        match self.0.client.find(Locator::Css(&tid("query-error"))).await {
            Ok(el) => Ok(Some(el.text().await?)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The count on a status tab: `all` or a status id.
    pub async fn tab_count(&self, tab: &str) -> Result<u64> {
        let el = self
            .0
            .wait_for(&format!("{} .tab-count", tid(&format!("tab-{tab}"))))
            .await?;
        Ok(el.text().await?.trim().parse()?)
    }

    /// Saves the search box's query and the list order as a view called `name`, and waits for it
    /// in the sidebar.
    pub async fn save_view(&self, name: &str) -> Result<()> {
        self.0.wait_for(&tid("view-save")).await?.click().await?;
        self.0
            .wait_for(&tid("view-name"))
            .await?
            .send_keys(name)
            .await?;
        self.0
            .wait_for(&tid("view-save-confirm"))
            .await?
            .click()
            .await?;
        self.saved_view(name).await?;
        Ok(())
    }

    /// The sidebar entry of the saved view called `name`.
    pub async fn saved_view(&self, name: &str) -> Result<Element> {
        self.0
            .wait_for(&format!("{}[data-name='{name}']", tid("saved-view")))
            .await
    }

    /// Puts the keyboard's row on the next `n` rows and ticks each with `x`, as a person working
    /// down the list would; returns the ids ticked, in order.
    pub async fn tick_with_keyboard(&self, n: usize) -> Result<Vec<String>> {
        // The list's keys do nothing while a text field has the focus.
        self.0
            .client
            .execute(
                "document.activeElement && document.activeElement.blur();",
                vec![],
            )
            .await?;
        let mut ids = Vec::new();
        for _ in 0..n {
            self.press(&['j']).await?;
            let cursor = self
                .0
                .wait_for(&format!("{}.cursor", tid("ticket-row")))
                .await?;
            let id = cursor
                .attr("data-id")
                .await?
                .context("a row without data-id")?;
            self.press(&['x']).await?;
            let marked = format!("{}.cursor.marked[data-id='{id}']", tid("ticket-row"));
            self.0.wait_for(&marked).await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Presses and releases keys one after the other, wherever the focus is.
    pub async fn press(&self, keys: &[char]) -> Result<()> {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &key in keys {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.0.client.perform_actions(actions).await?;
        Ok(())
    }

    /// What the bulk bar says is ticked ("20 selected").
    pub async fn bulk_count(&self) -> Result<String> {
        Ok(self.0.wait_for(&tid("bulk-count")).await?.text().await?)
    }

    /// Assigns every ticked ticket to the agent with this name (or `Nobody`) and returns the
    /// bulk report's first line.
    pub async fn bulk_assign(&self, agent: &str) -> Result<String> {
        self.0
            .wait_for(&tid("bulk-assign"))
            .await?
            .select_by_label(agent)
            .await?;
        let report = self
            .0
            .wait_for(&format!("{} p", tid("bulk-report")))
            .await?;
        let text = report.text().await?;
        // The report's own "Dismiss" button is part of the paragraph.
        Ok(text.trim_end_matches("Dismiss").trim().to_owned())
    }

    /// Clicks a row of the list, which opens its ticket in a tab (or asks which tab to close).
    pub async fn click_row(&self, id: &str) -> Result<()> {
        self.0
            .wait_for(&format!("{}[data-id='{id}']", tid("ticket-row")))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// The ids of the tickets open as tabs, in tab order.
    pub async fn tab_ids(&self) -> Result<Vec<String>> {
        let ids = self
            .0
            .client
            .execute(
                r#"return [...document.querySelectorAll("[data-testid='ticket-tab']")].map(t => t.dataset.id);"#,
                vec![],
            )
            .await?;
        Ok(ids
            .as_array()
            .context("no tabs")?
            .iter()
            .filter_map(|id| id.as_str().map(str::to_owned))
            .collect())
    }

    /// Waits until the tabs are exactly `ids`, in this order.
    pub async fn wait_tabs(&self, ids: &[String]) -> Result<()> {
        let result = self
            .0
            .wait_until("the tabs are in the expected order", || async {
                Ok(self.tab_ids().await? == ids)
            })
            .await;
        if result.is_err() {
            bail!("the tabs are {:?}, not {ids:?}", self.tab_ids().await?);
        }
        Ok(())
    }

    /// Drags the tab at `from` onto the tab at `to`. WebDriver cannot drive HTML5 drag and drop
    /// in Chromium, so the events a drag would fire are dispatched by script; the app keeps the
    /// dragged tab in its own state, so this is the same drop a person makes.
    pub async fn drag_tab(&self, from: usize, to: usize) -> Result<()> {
        let script = r#"
            const [from, to] = arguments;
            const tabs = document.querySelectorAll("[data-testid='ticket-tab']");
            const fire = (el, type, data) =>
                el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
            const data = new DataTransfer();
            fire(tabs[from], 'dragstart', data);
            fire(tabs[to], 'dragenter', data);
            fire(tabs[to], 'dragover', data);
            fire(tabs[to], 'drop', data);
            fire(tabs[from], 'dragend', data);
        "#;
        self.0
            .client
            .execute(script, vec![json!(from), json!(to)])
            .await?;
        Ok(())
    }

    /// Moves the tab at `at` one place to the right with Alt+→ on the focused tab.
    pub async fn move_tab_right(&self, at: usize) -> Result<()> {
        let tabs = self
            .0
            .client
            .find_all(Locator::Css(&tid("ticket-tab")))
            .await?;
        let tab = tabs.get(at).with_context(|| format!("no tab at {at}"))?;
        tab.send_keys(&format!("{}{}{}", Key::Alt, Key::Right, Key::Null))
            .await?;
        Ok(())
    }

    /// Exports the list through the Export menu: `csv` or `xlsx`.
    pub async fn export(&self, format: &str) -> Result<()> {
        self.0
            .wait_for(&format!("{} summary", tid("export")))
            .await?
            .click()
            .await?;
        self.0
            .wait_for(&tid(&format!("export-{format}")))
            .await?
            .click()
            .await?;
        Ok(())
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

/// Finding a ticket whatever the list's order, the New ticket form and the ticket tabs.
impl<'a> WorkspacePage<'a> {
    /// Opens the ticket `id` by typing `query` (its reference, say) in the search box and clicking
    /// its row, then empties the search box again: this works wherever the ticket is in the
    /// (virtualised) list.
    pub async fn find_and_open(&self, query: &str, id: &str) -> Result<TicketView<'a>> {
        self.clear_search().await?;
        self.type_search(query).await?;
        let view = self.open_ticket(id).await?;
        self.clear_search().await?;
        Ok(view)
    }

    /// Fills in the New ticket form and creates the ticket: `priority` is a priority's name,
    /// `team` a team id (`None`: no team). Returns the new ticket's id once its view is open.
    pub async fn create_ticket(
        &self,
        title: &str,
        description: &str,
        priority: &str,
        team: Option<&str>,
    ) -> Result<String> {
        let b = self.0;
        b.wait_for(&tid("btn-new-ticket")).await?.click().await?;
        b.wait_for(&tid("new-title"))
            .await?
            .send_keys(title)
            .await?;
        b.wait_for(&tid("new-description"))
            .await?
            .send_keys(description)
            .await?;
        b.wait_for(&tid("new-priority"))
            .await?
            .select_by_value(priority)
            .await?;
        b.wait_for(&tid("new-team"))
            .await?
            .select_by_value(team.unwrap_or_default())
            .await?;
        b.wait_for(&tid("new-submit")).await?.click().await?;
        let view = TicketView(b);
        b.wait_until("the new ticket is open", || async {
            Ok(view.title().await? == title)
        })
        .await?;
        view.id().await
    }

    /// Shows the ticket open in the tab `id`.
    pub async fn open_tab(&self, id: &str) -> Result<TicketView<'a>> {
        self.0
            .wait_for(&format!("{}[data-id='{id}']", tid("ticket-tab")))
            .await?
            .click()
            .await?;
        self.0
            .wait_for(&format!("{}[data-id='{id}']", tid("ticket-view")))
            .await?;
        Ok(TicketView(self.0))
    }
}

/// What the ticket view says about the ticket, and its tags.
impl TicketView<'_> {
    /// The open ticket's id.
    pub async fn id(&self) -> Result<String> {
        self.0
            .wait_for(&tid("ticket-view"))
            .await?
            .attr("data-id")
            .await?
            .context("a ticket view without data-id")
    }

    /// The reference as shown: "(reference pending)" until the server numbers the ticket.
    pub async fn reference(&self) -> Result<String> {
        Ok(self.el("ticket-reference").await?.text().await?)
    }

    /// The title as shown.
    pub async fn title(&self) -> Result<String> {
        Ok(self.el("ticket-title").await?.text().await?)
    }

    /// The ids of the tags on the ticket, in chip order.
    pub async fn tags(&self) -> Result<Vec<String>> {
        let css = format!("{} {}", tid("ticket-view"), tid("tag-chip"));
        let mut tags = Vec::new();
        for chip in self.0.client.find_all(Locator::Css(&css)).await? {
            tags.extend(chip.attr("data-tag").await?);
        }
        Ok(tags)
    }

    /// Adds the tag with this id through the "Add tag" select and waits for its chip.
    pub async fn add_tag(&self, tag: &str) -> Result<()> {
        self.el("tag-add").await?.select_by_value(tag).await?;
        self.0
            .wait_for(&format!(
                "{} {}[data-tag='{tag}']",
                tid("ticket-view"),
                tid("tag-chip")
            ))
            .await?;
        Ok(())
    }

    /// Removes the tag with this id with its chip's × and waits until the chip is gone.
    pub async fn remove_tag(&self, tag: &str) -> Result<()> {
        self.0
            .wait_for(&format!(
                "{} {}[data-tag='{tag}'] {}",
                tid("ticket-view"),
                tid("tag-chip"),
                tid("tag-remove")
            ))
            .await?
            .click()
            .await?;
        self.0
            .wait_until(&format!("the tag {tag} is gone"), || async {
                Ok(!self.tags().await?.iter().any(|t| t == tag))
            })
            .await
    }
}
