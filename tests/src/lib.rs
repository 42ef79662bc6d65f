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
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server on a free port with a new database seeded with `tickets` demo tickets.
    pub fn start(tickets: usize) -> Result<Server> {
        Server::start_with(tickets, &[])
    }

    /// Like `start`, with extra flags (e.g. `--test-clock`).
    pub fn start_with(tickets: usize, flags: &[&str]) -> Result<Server> {
        let bin = env_path("DESKLINE_SERVER_BIN")?;
        let dist = env_path("DESKLINE_DIST")?;
        if !dist.join("index.html").exists() {
            bail!(
                "{} has no index.html: build the app first (`cargo xtask test` does)",
                dist.display()
            );
        }
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(&bin)
            .args(["--port", "0", "--demo-tickets", &tickets.to_string()])
            .arg("--database")
            .arg(dir.path().join("e2e.db"))
            .arg("--dist")
            .arg(&dist)
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("could not start {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .context("the server exited before printing its address")??;
            if let Some(addr) = line.strip_prefix("Deskline is serving on ") {
                break addr.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Server {
            child,
            base,
            _dir: dir,
        })
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
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
    _profile: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile, `width` × `height` pixels.
    pub async fn start(width: u32, height: u32) -> Result<Browser> {
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
        let args = vec![
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
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
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
        Ok(Browser {
            client,
            driver,
            _profile: profile,
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

    /// Ends the session cleanly.
    pub async fn close(mut self) -> Result<()> {
        let client = self.client.clone();
        client.close().await?;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
