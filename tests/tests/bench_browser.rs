//! The browser budgets of DESIGN.md §8 that need the whole app against a real server: the first
//! bootstrap of 50,000 tickets into IndexedDB, a reload with them cached, and a keystroke in the
//! search box to the painted list with 100,000 tickets.
//!
//! Benchmarks, not tests: `cargo xtask bench` runs them (ignored otherwise) against a release
//! server and the release app, and reads the `BENCH name value` lines they print. Timings come
//! from the page's own clock: the performance marks the app leaves (`deskline-signed-in`,
//! `deskline-synced`, `deskline-list-painted`) and, for keystrokes, listeners in the page.

use anyhow::{Context, Result, bail, ensure};
use deskline_e2e::pages::{LoginPage, WorkspacePage};
use deskline_e2e::{Browser, Server};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The admin sees every ticket.
const ADMIN: &str = "admin@deskline.test";

async fn js(browser: &Browser, script: &str) -> Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

/// When the page left the performance mark `name`, in ms since its navigation began.
async fn mark(browser: &Browser, name: &str) -> Result<Option<f64>> {
    let at = js(
        browser,
        &format!(
            "const m = performance.getEntriesByName('{name}', 'mark'); return m.length ? m[0].startTime : null;"
        ),
    )
    .await?;
    Ok(at.as_f64())
}

/// Waits up to `limit` for the mark `name`.
async fn wait_mark(browser: &Browser, name: &str, limit: Duration) -> Result<f64> {
    let started = Instant::now();
    loop {
        if let Ok(Some(at)) = mark(browser, name).await {
            return Ok(at);
        }
        if started.elapsed() > limit {
            bail!("no {name} mark after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The value below which `p` percent of `values` lie (nearest rank).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Signs in as the admin in a fresh browser profile and waits until the first pull is in the
/// local copy. Returns the browser and the bootstrap time (signed in to synced), in ms.
async fn bootstrap(server: &Server, limit: Duration) -> Result<(Browser, f64)> {
    let browser = Browser::start(1280, 900).await?;
    browser.client.goto(&server.base).await?;
    LoginPage(&browser).submit(ADMIN).await?;
    let signed_in = wait_mark(&browser, "deskline-signed-in", limit).await?;
    let synced = wait_mark(&browser, "deskline-synced", limit).await?;
    Ok((browser, synced - signed_in))
}

#[tokio::test]
#[ignore = "a benchmark: `cargo xtask bench` runs it"]
async fn bootstrap_and_warm_reload_of_50k_tickets() -> Result<()> {
    const TICKETS: u64 = 50_000;
    let server = Server::start(TICKETS as usize)?;
    let mut bootstraps = Vec::new();
    let mut reloads = Vec::new();
    for _ in 0..3 {
        let (browser, ms) = bootstrap(&server, Duration::from_secs(180)).await?;
        let listed = WorkspacePage(&browser).list_count().await?;
        println!("bootstrap of {TICKETS} tickets: {ms:.0} ms ({listed} listed)");
        bootstraps.push(ms);
        // Reloads with everything cached: navigation start to the first list painted with tickets.
        for _ in 0..3 {
            browser.client.refresh().await?;
            let painted =
                wait_mark(&browser, "deskline-list-painted", Duration::from_secs(60)).await?;
            // The same list, from the local copy (nothing changed on the server meanwhile).
            let count = WorkspacePage(&browser).list_count().await?;
            ensure!(
                count == listed,
                "the reload listed {count} tickets, not {listed}"
            );
            println!("warm reload: list painted after {painted:.0} ms ({count} listed)");
            reloads.push(painted);
        }
        browser.close().await?;
    }
    println!("BENCH bootstrap_50k_ms {:.0}", median(&mut bootstraps));
    println!("BENCH warm_reload_50k_ms {:.0}", median(&mut reloads));
    Ok(())
}

/// Records, for each key pressed in the search box, the time from the key event to the frame
/// after the one the app's update went into: the browser has painted by then (see
/// [`UNTHROTTLED`] for when frames are drawn). The app updates
/// the list synchronously from the input event (signals and effects run in microtasks), so the
/// next animation frame carries the new list.
const MEASURE_KEYS: &str = "
    window.deskline_keys = [];
    const box = document.querySelector(\"[data-testid='search-box']\");
    box.addEventListener('keydown', (event) => {
        // Shift (for a colon) is a key of its own to the browser, not a keystroke of the text.
        if (event.key === 'Shift') return;
        const start = event.timeStamp;
        requestAnimationFrame(() => {
            const after = new MessageChannel();
            after.port1.onmessage = () => window.deskline_keys.push(performance.now() - start);
            after.port2.postMessage(null);
        });
    }, true);
    return true;";

/// Chromium flags that let a frame be drawn as soon as there is something to draw, instead of at
/// the next refresh of a 60 Hz display. With them, a key's time to its painted frame is the work
/// the key causes (the app's and the browser's), which is what the budget is about; without them
/// every figure also holds a wait for the display's next refresh of anywhere up to 16.7 ms, which
/// no page can avoid: even a page holding nothing but a text box takes 17-19 ms at p95 that way.
const UNTHROTTLED: [&str; 2] = ["--disable-gpu-vsync", "--disable-frame-rate-limit"];

/// The p95 of a key in the search box to its painted list at 100,000 tickets, and of the same keys
/// on an empty page, in a browser started with `flags`; `label` names the run in the output.
async fn keystrokes(server: &Server, flags: &[&str], label: &str) -> Result<(f64, f64)> {
    const TICKETS: usize = 100_000;
    let browser = Browser::start_with(1280, 900, flags).await?;
    browser.client.goto(&server.base).await?;
    LoginPage(&browser).submit(ADMIN).await?;
    let signed_in = wait_mark(&browser, "deskline-signed-in", Duration::from_secs(600)).await?;
    let synced = wait_mark(&browser, "deskline-synced", Duration::from_secs(600)).await?;
    println!(
        "{label}: bootstrap of {TICKETS} tickets: {:.0} ms",
        synced - signed_in
    );
    let workspace = WorkspacePage(&browser);
    workspace.clear_search().await?;
    let all = workspace.list_count().await?;
    // The default view leaves out completed tickets; every key filters all of them.
    ensure!(
        all as usize >= TICKETS / 2,
        "the admin's list holds only {all} tickets"
    );
    let mut latencies = type_and_measure(&browser).await?;
    let p95 = percentile(&mut latencies, 95.0);
    println!(
        "{label}: {} keys: median {:.1} ms, p95 {p95:.1} ms, worst {:.1} ms",
        latencies.len(),
        median(&mut latencies),
        latencies.last().copied().unwrap_or_default()
    );
    // The same keys in a page that holds nothing but a text box, in the same browser: what the
    // browser takes from a key to a painted frame when the page does no work at all.
    browser
        .client
        .goto("data:text/html,<input data-testid='search-box'>")
        .await?;
    let mut floor = type_and_measure(&browser).await?;
    let floor_p95 = percentile(&mut floor, 95.0);
    println!(
        "{label}: empty page: median {:.1} ms, p95 {floor_p95:.1} ms",
        median(&mut floor)
    );
    browser.close().await?;
    Ok((p95, floor_p95))
}

#[tokio::test]
#[ignore = "a benchmark: `cargo xtask bench` runs it"]
async fn keystroke_to_painted_list_at_100k_tickets() -> Result<()> {
    let server = Server::start(100_000)?;
    let (p95, floor) = keystrokes(&server, &UNTHROTTLED, "unthrottled frames").await?;
    println!("BENCH keystroke_to_paint_100k_p95_ms {p95:.1}");
    println!("BENCH keystroke_to_paint_empty_page_p95_ms {floor:.1}");
    // The same in a browser that draws at 60 Hz, for comparison.
    let (p95, floor) = keystrokes(&server, &[], "60 Hz frames").await?;
    println!("BENCH keystroke_to_paint_100k_60hz_p95_ms {p95:.1}");
    println!("BENCH keystroke_to_paint_empty_page_60hz_p95_ms {floor:.1}");
    Ok(())
}

/// Types the benchmark's words into the search box key by key, deleting each again, and returns
/// each key's time to the painted frame (see [`MEASURE_KEYS`]).
async fn type_and_measure(browser: &Browser) -> Result<Vec<f64>> {
    js(browser, MEASURE_KEYS).await?;
    let search = browser
        .wait_for("[data-testid='search-box']")
        .await
        .context("no search box")?;
    // Words and filters an agent types, each typed key by key and then deleted the same way; three
    // rounds (372 keys), as a p95 over one round rests on its six slowest keys, which this shared
    // machine makes vary by a third from run to run.
    let mut pressed = 0u64;
    let words = [
        "printer",
        "refund",
        "status:open",
        "priority:urgent",
        "login",
        "tag:billing",
        "invoice",
    ];
    for text in words.iter().cycle().take(3 * words.len()) {
        for key in text
            .chars()
            .map(String::from)
            .chain(std::iter::repeat_n("\u{E003}".to_owned(), text.len()))
        {
            search.send_keys(&key).await?;
            pressed += 1;
            // The page's count of measured keys reaches ours once the key's frame is painted.
            let started = Instant::now();
            loop {
                let seen = js(browser, "return window.deskline_keys.length;")
                    .await?
                    .as_u64()
                    .unwrap_or(0);
                if seen >= pressed {
                    break;
                }
                if started.elapsed() > Duration::from_secs(60) {
                    bail!("key {pressed} ({key:?} of {text:?}) was not painted; {seen} keys were");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let left = js(
            browser,
            "return document.querySelector(\"[data-testid='search-box']\").value;",
        )
        .await?;
        ensure!(
            left.as_str() == Some(""),
            "the search box was not emptied after {text:?}"
        );
    }
    let latencies: Vec<f64> =
        serde_json::from_value(js(browser, "return window.deskline_keys;").await?)?;
    ensure!(
        latencies.len() as u64 == pressed,
        "{} keys measured, {pressed} pressed",
        latencies.len()
    );
    Ok(latencies)
}
