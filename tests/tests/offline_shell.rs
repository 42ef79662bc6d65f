//! The app shell offline: the service worker caches it, the manifest makes the workspace
//! installable, and a reload with the server gone still boots the app.

use anyhow::{Context, Result, ensure};
use deskline_e2e::pages::LoginPage;
use deskline_e2e::{Browser, Cdp, Server};
use serde_json::{Value, json};

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

#[tokio::test]
async fn the_shell_reloads_offline_and_the_workspace_is_installable() -> Result<()> {
    let server = Server::start(30)?;
    let browser = Browser::start(1280, 800).await?;
    browser.client.goto(&server.base).await?;
    // Lea leads a team, so she has the settings page.
    let _workspace = LoginPage(&browser).sign_in("lea@deskline.test").await?;

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

    // The worker caches the shell, then takes control of the page (clients.claim); give it one
    // reload if it has not by then.
    let controlled = || async {
        Ok(js(&browser, "return !!navigator.serviceWorker.controller;").await? == json!(true))
    };
    if browser
        .wait_until("the service worker controls the page", controlled)
        .await
        .is_err()
    {
        browser.client.refresh().await?;
        browser
            .wait_until(
                "the service worker controls the page after a reload",
                controlled,
            )
            .await?;
    }
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
    for (prefix, suffix) in [
        ("/deskline-app-", "_bg.wasm"),
        ("/deskline-app-", ".js"),
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
    assert!(persistent == "true" || persistent == "false");
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
