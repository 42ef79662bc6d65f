//! Harness for end-to-end tests: starts the real server binary on a free port over a fresh
//! database, and a headless Chromium through chromedriver, and offers page objects keyed on the
//! app's `data-testid` attributes.
//!
//! The binaries come from `cargo xtask test`: `DESKLINE_SERVER_BIN`, `DESKLINE_DIST`, `CHROMEDRIVER`.

pub mod pages;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of every demo account (the server prints it too).
pub const DEMO_PASSWORD: &str = "deskline-demo";

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).with_context(|| {
        format!("{name} is not set: run the end-to-end tests through `cargo xtask test`")
    })
}

/// A running `deskline-server` process; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The built app it serves.
    dist: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server on a free port with a new database seeded with `tickets` demo tickets.
    pub fn start(tickets: usize) -> Result<Server> {
        Server::start_with(tickets, &[])
    }

    /// Like `start`, with extra flags (e.g. `--test-clock`).
    pub fn start_with(tickets: usize, flags: &[&str]) -> Result<Server> {
        Server::serving(&env_path("DESKLINE_DIST")?, tickets, flags)
    }

    /// Like `start`, serving the app from `dist` (a copy a test may change, as a new build would).
    pub fn serving(dist: &std::path::Path, tickets: usize, flags: &[&str]) -> Result<Server> {
        if !dist.join("index.html").exists() {
            bail!(
                "{} has no index.html: build the app first (`cargo xtask test` does)",
                dist.display()
            );
        }
        let dir = tempfile::tempdir()?;
        let (child, base) = spawn_on(&dir.path().join("e2e.db"), dist, 0, tickets, flags)?;
        Ok(Server {
            child,
            base,
            dist: dist.to_owned(),
            _dir: dir,
        })
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The SQLite database file the server runs on.
    pub fn database(&self) -> PathBuf {
        self._dir.path().join("e2e.db")
    }

    /// The database's files: the main file and SQLite's write-ahead log and its index.
    fn database_files(&self) -> [PathBuf; 3] {
        let db = self.database();
        let with = |suffix: &str| {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        };
        [db.clone(), with("-wal"), with("-shm")]
    }

    /// Copies the database into `dir`, as a backup would; call it between [`Server::kill`] and a
    /// restart, so no write is half done.
    pub fn back_up(&self, dir: &std::path::Path) -> Result<()> {
        for file in self.database_files() {
            if file.exists() {
                std::fs::copy(&file, dir.join(file.file_name().context("a file name")?))?;
            }
        }
        Ok(())
    }

    /// Puts back the copy [`Server::back_up`] made, as restoring a backup would (the server must
    /// be killed first); everything written since is gone.
    pub fn restore(&self, dir: &std::path::Path) -> Result<()> {
        for file in self.database_files() {
            let _ = std::fs::remove_file(&file);
            let copy = dir.join(file.file_name().context("a file name")?);
            if copy.exists() {
                std::fs::copy(&copy, &file)?;
            }
        }
        Ok(())
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would: no shutdown runs.
    pub fn kill(&mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Starts the server again on the same database with `flags`, after [`Server::kill`]; it
    /// listens on a new port, which `base` then names.
    pub fn restart(&mut self, flags: &[&str]) -> Result<()> {
        let (child, base) = spawn_on(&self.database(), &self.dist, 0, 0, flags)?;
        self.child = child;
        self.base = base;
        Ok(())
    }

    /// The port the server listens on.
    pub fn port(&self) -> Result<u16> {
        let port = self
            .base
            .rsplit(':')
            .next()
            .context("no port in the address")?;
        Ok(port.parse()?)
    }

    /// Starts the server again on the same database and the same port, after [`Server::kill`], so
    /// a page opened before the kill (same origin: same cookies, IndexedDB and service worker)
    /// reaches it again. The port may be briefly busy after the kill, so binding is retried for
    /// up to 10 s.
    pub fn restart_same_port(&mut self, flags: &[&str]) -> Result<()> {
        let port = self.port()?;
        let started = Instant::now();
        let (child, base) = loop {
            match spawn_on(&self.database(), &self.dist, port, 0, flags) {
                Ok(spawned) => break spawned,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(e.context(format!("could not listen on port {port} again"))),
            }
        };
        self.child = child;
        self.base = base;
        Ok(())
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Starts the server binary on `port` (0: a free one) over `database` (seeded with `tickets` demo
/// tickets when new), serving the app in `dist`, and waits until it prints its address.
fn spawn_on(
    database: &std::path::Path,
    dist: &std::path::Path,
    port: u16,
    tickets: usize,
    flags: &[&str],
) -> Result<(Child, String)> {
    let bin = env_path("DESKLINE_SERVER_BIN")?;
    let mut child = Command::new(&bin)
        .args(["--port", &port.to_string()])
        .args(["--demo-tickets", &tickets.to_string()])
        .arg("--database")
        .arg(database)
        .arg("--dist")
        .arg(dist)
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("could not start {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = match lines.next() {
            Some(line) => line?,
            None => {
                // Reap it, so retries (see `restart_same_port`) leave no zombies behind.
                let _ = child.wait();
                bail!("the server exited before printing its address");
            }
        };
        if let Some(addr) = line.strip_prefix("Deskline is serving on ") {
            break addr.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((child, base))
}

/// A client of the server's JSON API signed in as one demo account: what the server holds, as
/// opposed to what a page shows.
pub struct Api {
    client: reqwest::Client,
    base: String,
}

impl Server {
    /// Signs in to the API as the demo account with this email.
    pub async fn api(&self, email: &str) -> Result<Api> {
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let res = client
            .post(self.url("/api/login"))
            .json(&serde_json::json!({ "email": email, "password": DEMO_PASSWORD }))
            .send()
            .await?;
        anyhow::ensure!(
            res.status().is_success(),
            "signing in as {email} answered {}",
            res.status()
        );
        Ok(Api {
            client,
            base: self.base.clone(),
        })
    }
}

impl Api {
    /// GETs `path` (e.g. `/api/workspace`) and reads the JSON answer.
    pub async fn get(&self, path: &str) -> Result<serde_json::Value> {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        let status = res.status();
        let body = res.text().await?;
        anyhow::ensure!(status.is_success(), "GET {path} answered {status}: {body}");
        Ok(serde_json::from_str(&body)?)
    }

    /// POSTs `body` as JSON to `path` and reads the JSON answer.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        anyhow::ensure!(status.is_success(), "POST {path} answered {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }

    /// Every ticket the account may see, read page by page.
    pub async fn tickets(&self) -> Result<Vec<serde_json::Value>> {
        let mut tickets = Vec::new();
        let mut after = String::new();
        loop {
            let page = self
                .get(&format!("/api/tickets?limit=500&after={after}"))
                .await?;
            tickets.extend(
                page["tickets"]
                    .as_array()
                    .context("a page without tickets")?
                    .iter()
                    .cloned(),
            );
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return Ok(tickets),
            }
        }
    }

    /// The id of the agent with this name, from the workspace configuration.
    pub async fn agent_id(&self, name: &str) -> Result<String> {
        let ws = self.get("/api/workspace").await?;
        ws["agents"]
            .as_array()
            .and_then(|agents| agents.iter().find(|a| a["name"] == name))
            .and_then(|a| a["id"].as_str())
            .map(str::to_owned)
            .with_context(|| format!("no agent named {name}"))
    }

    /// The id of the first team of the agent named `name`.
    pub async fn first_team_of(&self, name: &str) -> Result<String> {
        let ws = self.get("/api/workspace").await?;
        ws["agents"]
            .as_array()
            .and_then(|agents| agents.iter().find(|a| a["name"] == name))
            .and_then(|a| a["teams"][0].as_str())
            .map(str::to_owned)
            .with_context(|| format!("{name} has no team"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chromedriver process and one headless Chromium session; both end when dropped.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    /// chromedriver's port and the session's id, until the session is closed.
    session: Option<(u16, String)>,
    _profile: tempfile::TempDir,
    /// Where the browser saves downloads, without asking.
    downloads: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile, `width` × `height` pixels.
    pub async fn start(width: u32, height: u32) -> Result<Browser> {
        Browser::start_with(width, height, &[]).await
    }

    /// Like [`Browser::start`], with extra Chromium flags.
    pub async fn start_with(width: u32, height: u32, flags: &[&str]) -> Result<Browser> {
        let chromedriver =
            env_path("CHROMEDRIVER").unwrap_or_else(|_| PathBuf::from("/usr/bin/chromedriver"));
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {}", chromedriver.display()))?;
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-quic".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(flags.iter().map(|f| (*f).to_owned()));
        let downloads = tempfile::tempdir()?;
        // Save downloads without a prompt, and allow a page more than one (CSV, then XLSX).
        let prefs = serde_json::json!({
            "download.default_directory": downloads.path(),
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
            "profile.default_content_setting_values.automatic_downloads": 1,
        });
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": "/usr/bin/chromium", "args": args, "prefs": prefs }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                // chromedriver needs a moment to listen.
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => bail!("could not start a Chromium session through chromedriver: {e}"),
            }
        };
        client.set_window_size(width, height).await?;
        let session = client.session_id().await?.map(|id| (port, id));
        Ok(Browser {
            client,
            driver,
            session,
            _profile: profile,
            downloads,
        })
    }

    /// Waits (up to 15 s) for an element matching the CSS selector.
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css}"))
    }

    /// Waits until the service worker controls the page, reloading once if it has not by then
    /// (it claims the page that registered it, but only once the shell is cached).
    pub async fn wait_service_worker(&self) -> Result<()> {
        let controlled = || async {
            Ok(self
                .client
                .execute("return !!navigator.serviceWorker.controller;", vec![])
                .await?
                == serde_json::json!(true))
        };
        if self
            .wait_until("the service worker controls the page", controlled)
            .await
            .is_err()
        {
            self.client.refresh().await?;
            self.wait_until(
                "the service worker controls the page after a reload",
                controlled,
            )
            .await?;
        }
        Ok(())
    }

    /// Waits (up to 15 s) until `check` holds, polling.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let started = Instant::now();
        loop {
            if check().await.unwrap_or(false) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(15) {
                bail!("timed out waiting until {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 30 s) until the browser has finished downloading `name`, and returns its
    /// bytes. Chromium writes to a `.crdownload` file and renames it when done, so a file under
    /// its own name with no such companion is complete.
    pub async fn wait_download(&self, name: &str) -> Result<Vec<u8>> {
        let dir = self.downloads.path();
        let path = dir.join(name);
        let started = Instant::now();
        loop {
            let in_progress = std::fs::read_dir(dir)?
                .filter_map(|entry| entry.ok())
                .any(|entry| entry.file_name().to_string_lossy().ends_with(".crdownload"));
            if path.exists() && !in_progress {
                return Ok(std::fs::read(&path)?);
            }
            if started.elapsed() > Duration::from_secs(30) {
                let found: Vec<_> = std::fs::read_dir(dir)?
                    .filter_map(|entry| entry.ok())
                    .map(|entry| entry.file_name())
                    .collect();
                bail!("timed out waiting for the download {name}; the folder holds {found:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session cleanly.
    pub async fn close(mut self) -> Result<()> {
        let client = self.client.clone();
        client.close().await?;
        self.session = None;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(())
    }
}

/// Asks chromedriver to end a session, without the async client: a test that failed drops its
/// `Browser` without calling [`Browser::close`], and killing chromedriver alone would leave its
/// Chromium running.
fn end_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // chromedriver answers once Chromium is gone; the first bytes of the answer are enough.
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read(&mut [0; 512]);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some((port, session)) = self.session.take() {
            end_session(port, &session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A Chrome DevTools Protocol command sent through chromedriver (`goog/cdp/execute`), e.g.
/// network emulation: `browser.client.issue_cmd(Cdp { cmd: "Network.enable", params: json!({}) })`.
/// `reqwest` re-exports the `url` and `http` types fantoccini's trait is written in.
#[derive(Debug)]
pub struct Cdp {
    /// The method, e.g. `Network.emulateNetworkConditions`.
    pub cmd: &'static str,
    /// Its parameters.
    pub params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}
