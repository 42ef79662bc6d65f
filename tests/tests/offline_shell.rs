//! The app shell offline: the service worker caches it, the manifest makes the workspace
//! installable, a reload with the server gone still boots the app, and a new build reaches the
//! cache on the next online load.

use anyhow::{Context, Result, ensure};
use deskline_e2e::pages::LoginPage;
use deskline_e2e::{Browser, Cdp, Server};
use serde_json::{Value, json};
use std::path::Path;

/// Runs `script` in the page (it may return a promise, which is awaited).
async fn js(browser: &Browser, script: &str) -> Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

/// The paths the page's origin holds in its Cache Storage.
const CACHED_PATHS: &str = "return (async () => {
    const paths = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
    }
    return paths;
})();";

/// Starts the XLSX export worker the way the app does and waits for its `ready`.
const START_EXPORT_WORKER: &str = "return new Promise((resolve) => {
    const worker = new Worker('/deskline-export_loader.js');
    const timer = setTimeout(() => resolve('no answer in 10 s'), 10000);
    worker.onmessage = (event) => { clearTimeout(timer); worker.terminate(); resolve(String(event.data)); };
    worker.onerror = (event) => { clearTimeout(timer); resolve('error: ' + (event.message || 'loading failed')); };
});";

/// Counts the page's requests for persistent storage in `window.deskline_persist_asked`, passing
/// them on to the browser.
const SPY_ON_PERSIST: &str = "(() => {
    const storage = navigator.storage;
    if (!storage || !storage.persist) return;
    const persist = storage.persist.bind(storage);
    storage.persist = () => {
        window.deskline_persist_asked = (window.deskline_persist_asked || 0) + 1;
        return persist();
    };
})();";

#[tokio::test]
async fn the_shell_reloads_offline_and_the_workspace_is_installable() -> Result<()> {
    let server = Server::start(30)?;
    let browser = Browser::start(1280, 800).await?;
    browser
        .client
        .issue_cmd(Cdp {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": SPY_ON_PERSIST }),
        })
        .await?;
    browser.client.goto(&server.base).await?;
    // Lea leads a team, so she has the settings page.
    let _workspace = LoginPage(&browser).sign_in("lea@deskline.test").await?;
    // Signed in, the app asks the browser to keep its local copy.
    browser
        .wait_until("the app asks for persistent storage", || async {
            Ok(js(&browser, "return window.deskline_persist_asked || 0;")
                .await?
                .as_u64()
                .unwrap_or(0)
                >= 1)
        })
        .await?;

    // The manifest parses, names the app and lists icons the server serves as images.
    let http = reqwest::Client::new();
    let res = http.get(server.url("/manifest.webmanifest")).send().await?;
    ensure!(
        res.status().is_success(),
        "the manifest answered {}",
        res.status()
    );
    let kind = res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()?
        .to_owned();
    assert_eq!(kind, "application/manifest+json");
    let manifest: Value = serde_json::from_str(&res.text().await?)?;
    assert_eq!(manifest["name"], "Deskline");
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().context("no icons")?;
    for size in ["192x192", "512x512"] {
        ensure!(
            icons
                .iter()
                .any(|i| i["sizes"] == size && i["type"] == "image/png"),
            "no {size} PNG icon in {icons:?}"
        );
    }
    for icon in icons {
        let src = icon["src"].as_str().context("an icon without src")?;
        let res = http.get(server.url(src)).send().await?;
        let kind = res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()?
            .to_owned();
        ensure!(
            res.status().is_success() && kind.starts_with("image/"),
            "{src} answered {} as {kind}",
            res.status()
        );
    }
    // The worker script is revalidated on every load; the API never answers with the app.
    let res = http.get(server.url("/sw.js")).send().await?;
    assert_eq!(res.headers()[reqwest::header::CACHE_CONTROL], "no-cache");
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()?
            .contains("javascript")
    );
    let res = http.get(server.url("/api/no-such-thing")).send().await?;
    assert_eq!(res.status(), 404);
    assert!(
        !res.text().await?.contains("<html"),
        "the API answered with the app"
    );

    // The worker caches the shell, then takes control of the page (clients.claim).
    browser.wait_service_worker().await?;
    let cached: Vec<String> = serde_json::from_value(js(&browser, CACHED_PATHS).await?)?;
    for path in [
        "/",
        "/manifest.webmanifest",
        "/icon-192.png",
        "/deskline-export_loader.js",
        "/deskline-export.js",
        "/deskline-export_bg.wasm",
    ] {
        ensure!(
            cached.iter().any(|p| p == path),
            "{path} is not cached: {cached:?}"
        );
    }
    // The app's main module and glue, and the parts split off it (app/src/lazy.rs), which the
    // page prefetches: offline, a ticket or the settings open from the cache.
    for (prefix, suffix) in [
        ("/deskline-app-", "_bg.wasm"),
        ("/deskline-app-", ".js"),
        ("/__wasm_split-", ".js"),
        ("/split_ticket_view-", ".wasm"),
        ("/split_settings-", ".wasm"),
        ("/split_new_ticket-", ".wasm"),
        ("/split_login-", ".wasm"),
        ("/style-", ".css"),
    ] {
        ensure!(
            cached
                .iter()
                .any(|p| p.starts_with(prefix) && p.ends_with(suffix)),
            "no {prefix}…{suffix} cached: {cached:?}"
        );
    }

    // Chromium considers the page installable.
    let answer = browser
        .client
        .issue_cmd(Cdp {
            cmd: "Page.getInstallabilityErrors",
            params: json!({}),
        })
        .await?;
    let errors = answer["installabilityErrors"]
        .as_array()
        .with_context(|| format!("no installabilityErrors in {answer}"))?;
    assert!(errors.is_empty(), "not installable: {errors:?}");

    // The storage panel of the settings, online.
    browser
        .wait_for("[data-testid='settings-link']")
        .await?
        .click()
        .await?;
    browser.wait_for("[data-testid='storage-settings']").await?;
    let usage = browser
        .wait_for("[data-testid='storage-usage']")
        .await?
        .text()
        .await?;
    assert!(
        usage.ends_with(" used") && usage.contains(" of "),
        "usage reads {usage:?}"
    );
    let mode = browser
        .wait_for("[data-testid='storage-persistent']")
        .await?;
    let persistent = mode
        .attr("data-persistent")
        .await?
        .context("no data-persistent")?;
    // What the panel says is what the browser granted.
    let granted = js(
        &browser,
        "return navigator.storage.persisted().then(String);",
    )
    .await?;
    assert_eq!(
        json!(persistent),
        granted,
        "the panel disagrees with the browser"
    );
    eprintln!("storage panel: {} / {usage}", mode.text().await?);
    browser
        .wait_for("[data-testid='settings-back']")
        .await?
        .click()
        .await?;

    // The server goes away; a reload still boots the app from the cache.
    drop(server);
    browser.client.refresh().await?;
    browser
        .wait_until("the app's wasm has started", || async {
            Ok(
                js(&browser, "return typeof window.wasmBindings === 'object';").await?
                    == json!(true),
            )
        })
        .await?;
    // Without its server the app starts as the last user, from the local copy, and says so.
    browser
        .wait_until("the workspace shows offline", || async {
            let state = js(
                &browser,
                "const s = document.querySelector(\"[data-testid='sync-state']\"); return s ? s.textContent : '';",
            )
            .await?;
            Ok(state.as_str().is_some_and(|s| s.starts_with("Offline")))
        })
        .await?;
    // The export worker loads from the cache too, so XLSX export works offline.
    assert_eq!(js(&browser, START_EXPORT_WORKER).await?, json!("ready"));
    browser.close().await
}

#[tokio::test]
async fn a_part_of_the_app_that_cannot_be_fetched_says_so_and_loads_on_retry() -> Result<()> {
    let server = Server::start(30)?;
    let browser = Browser::start(1280, 800).await?;
    // The settings' module cannot be fetched (and no service worker has it): as when a first
    // visit goes offline before the page has prefetched it.
    let cdp = |cmd: &'static str, params: Value| browser.client.issue_cmd(Cdp { cmd, params });
    cdp("Network.enable", json!({})).await?;
    cdp("Network.setBypassServiceWorker", json!({ "bypass": true })).await?;
    cdp(
        "Network.setBlockedURLs",
        json!({ "urls": ["*/split_settings-*"] }),
    )
    .await?;
    browser.client.goto(&server.base).await?;
    let workspace = LoginPage(&browser).sign_in("lea@deskline.test").await?;
    browser
        .wait_for("[data-testid='settings-link']")
        .await?
        .click()
        .await?;
    let notice = browser.wait_for("[data-testid='part-unavailable']").await?;
    let text = notice.text().await?;
    ensure!(
        text.contains("cannot be reached") && text.contains("Try again"),
        "the notice reads {text:?}"
    );
    // The rest of the workspace still works: the header and its sync state are there.
    ensure!(
        workspace.sync_state().await?.starts_with("Saved"),
        "the header says {:?}",
        workspace.sync_state().await?
    );
    // Reachable again, the same button loads the settings.
    cdp("Network.setBlockedURLs", json!({ "urls": [] })).await?;
    notice
        .find(fantoccini::Locator::Css("button"))
        .await?
        .click()
        .await?;
    browser.wait_for("[data-testid='sla-settings']").await?;
    browser.close().await
}

/// Copies the built app's files into `into`, for a test to change.
fn copy_app(dist: &Path, into: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::copy(&path, into.join(path.file_name().context("a file name")?))?;
        }
    }
    Ok(())
}

/// Turns the copy made by [`copy_app`] into build 2 and returns the new stylesheet's path.
fn publish_build_2(dir: &Path) -> Result<String> {
    let index_path = dir.join("index.html");
    let index = std::fs::read_to_string(&index_path)?;
    let start = index
        .find("/style-")
        .context("index.html names no stylesheet")?;
    let end = start + index[start..].find(".css").context("no .css")? + 4;
    let old = &index[start..end];
    let new = "/style-0123456789abcdef.css";
    let css = std::fs::read_to_string(dir.join(&old[1..]))?;
    std::fs::write(
        dir.join(&new[1..]),
        format!("{css}\n:root{{--deskline-build:2}}\n"),
    )?;
    std::fs::remove_file(dir.join(&old[1..]))?;
    // The stylesheet's integrity hash is the old file's: the new link goes without one.
    let mut next = index.replacen(old, new, 1);
    if let Some(at) = next.find(new) {
        let tag_start = next[..at].rfind('<').context("no tag")?;
        let tag_end = at + next[at..].find('>').context("no tag end")?;
        let tag = next[tag_start..tag_end].to_owned();
        let plain: String = tag
            .split(' ')
            .filter(|attr| !attr.starts_with("integrity="))
            .collect::<Vec<_>>()
            .join(" ");
        next.replace_range(tag_start..tag_end, &plain);
    }
    let next = next.replacen("<title>", "<meta name=deskline-build content=2><title>", 1);
    std::fs::write(&index_path, next)?;
    // The server prefers the precompressed copies, which belong to build 1.
    for stale in ["index.html.gz", &format!("{}.gz", &old[1..])] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    Ok(new.to_owned())
}

/// Which build the page runs: its index.html's `deskline-build` (1 when it has none) and the value
/// its stylesheets give `--deskline-build` (empty when none does).
const BUILD_SHOWN: &str = "
    const meta = document.querySelector('meta[name=deskline-build]');
    const css = getComputedStyle(document.documentElement).getPropertyValue('--deskline-build').trim();
    return [meta ? meta.content : '1', css];";

#[tokio::test]
async fn a_new_build_reaches_the_cache_on_the_next_online_load() -> Result<()> {
    let dist = tempfile::tempdir()?;
    copy_app(&env_dist()?, dist.path())?;
    let mut server = Server::serving(dist.path(), 20, &[])?;
    let browser = Browser::start(1280, 800).await?;
    browser.client.goto(&server.base).await?;
    let _workspace = LoginPage(&browser).sign_in("ana@deskline.test").await?;
    browser.wait_service_worker().await?;
    let cached: Vec<String> = serde_json::from_value(js(&browser, CACHED_PATHS).await?)?;
    let old_css = cached
        .iter()
        .find(|p| p.starts_with("/style-"))
        .with_context(|| format!("no stylesheet cached: {cached:?}"))?
        .clone();
    assert_eq!(js(&browser, BUILD_SHOWN).await?, json!(["1", ""]));

    // The server now serves build 2; the next load, online, runs it at once (network first) and
    // the worker replaces the cached shell with it.
    let new_css = publish_build_2(dist.path())?;
    browser.client.refresh().await?;
    browser.wait_for("[data-testid='sidebar']").await?;
    assert_eq!(js(&browser, BUILD_SHOWN).await?, json!(["2", "2"]));
    browser
        .wait_until("the worker has cached build 2", || async {
            let cached: Vec<String> = serde_json::from_value(js(&browser, CACHED_PATHS).await?)?;
            let index = js(
                &browser,
                "return caches.match('/').then((r) => r ? r.text() : '');",
            )
            .await?;
            Ok(cached.contains(&new_css)
                && !cached.contains(&old_css)
                && index.as_str().is_some_and(|i| i.contains("deskline-build")))
        })
        .await?;

    // Offline, a reload gets build 2 from the cache: its index.html and its new stylesheet.
    server.kill()?;
    browser.client.refresh().await?;
    browser
        .wait_until("the app boots offline", || async {
            Ok(
                js(&browser, "return typeof window.wasmBindings === 'object';").await?
                    == json!(true),
            )
        })
        .await?;
    assert_eq!(js(&browser, BUILD_SHOWN).await?, json!(["2", "2"]));
    browser.close().await
}

/// The built app the tests serve.
fn env_dist() -> Result<std::path::PathBuf> {
    std::env::var_os("DESKLINE_DIST")
        .map(std::path::PathBuf::from)
        .context("DESKLINE_DIST is not set: run the end-to-end tests through `cargo xtask test`")
}
