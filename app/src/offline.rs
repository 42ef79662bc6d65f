//! The browser's side of working offline: the service worker that keeps the app shell
//! (`app/sw.js`), persistent storage, and how much this device holds.
//!
//! Every call here is optional: a browser without these APIs (or a page not served over HTTPS or
//! from localhost, where they do not exist) runs the app as before, and failures are only logged.

use leptos::logging::warn;
use std::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Where the server serves the service worker; `cargo xtask build` copies it there from `app/sw.js`.
const SERVICE_WORKER: &str = "/sw.js";

/// How much this origin stores on the device, and whether the browser may evict it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageStatus {
    /// The browser keeps the data until the user clears it.
    pub persistent: bool,
    /// Bytes used.
    pub usage: f64,
    /// Bytes the browser allows this origin.
    pub quota: f64,
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// The navigator, if it has the API `name` (`serviceWorker`, `storage`).
fn navigator_with(name: &str) -> Option<web_sys::Navigator> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &JsValue::from_str(name))
        .ok()
        .filter(|api| !api.is_undefined())
        .map(|_| navigator)
}

/// Registers the service worker (scope `/`) in the background. It caches the app shell on
/// install, so from then on a reload works offline; it updates itself on an online load.
pub fn register_service_worker() {
    let Some(navigator) = navigator_with("serviceWorker") else {
        warn!("Deskline: this browser has no service workers; the app will not load offline.");
        return;
    };
    let options = web_sys::RegistrationOptions::new();
    options.set_scope("/");
    let promise = navigator
        .service_worker()
        .register_with_options(SERVICE_WORKER, &options);
    leptos::task::spawn_local(async move {
        if let Err(error) = JsFuture::from(promise).await {
            warn!(
                "Deskline: the service worker could not be registered ({}); the app will not load offline.",
                describe(&error)
            );
        }
    });
}

/// Asks the browser, once per page load, to keep this origin's data (the queue of unsent
/// changes above all) instead of evicting it under storage pressure. Chromium decides without
/// asking; Firefox asks the user, hence after sign-in rather than on the sign-in page.
pub fn request_persistence() {
    static ASKED: AtomicBool = AtomicBool::new(false);
    if ASKED.swap(true, Ordering::Relaxed) {
        return;
    }
    let Some(navigator) = navigator_with("storage") else {
        return;
    };
    let storage = navigator.storage();
    leptos::task::spawn_local(async move {
        let persisted = match storage.persisted() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()),
            Err(_) => None,
        };
        if persisted == Some(true) {
            return;
        }
        let answer = match storage.persist() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        if let Err(error) = answer {
            warn!(
                "Deskline: persistent storage could not be requested ({}).",
                describe(&error)
            );
        }
    });
}

/// Whether storage is persistent and how much of the quota is used; `None` where the browser
/// cannot tell.
pub async fn storage_status() -> Option<StorageStatus> {
    let storage = navigator_with("storage")?.storage();
    let persistent = JsFuture::from(storage.persisted().ok()?)
        .await
        .ok()?
        .as_bool()?;
    let estimate: web_sys::StorageEstimate = JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into();
    Some(StorageStatus {
        persistent,
        usage: estimate.get_usage().unwrap_or(0.0),
        quota: estimate.get_quota().unwrap_or(0.0),
    })
}
