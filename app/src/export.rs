//! Export of the current view as CSV or XLSX, made in the browser so it works offline.
//!
//! Rows come from `deskline_shared::export`, in the list's order. CSV is written here; XLSX by the
//! export worker (its own WebAssembly module, fetched on the first XLSX export), so the
//! spreadsheet writer is not part of the app's download.

use deskline_shared::export::{self, ExportRow, XlsxRequest};
use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where `cargo xtask build` puts the export worker's loader.
const WORKER: &str = "/deskline-export_loader.js";

/// What the worker posts once it listens.
const READY: &str = "ready";

/// The MIME type of XLSX.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Saves `rows` as `{stem}.csv`.
pub fn csv(rows: &[ExportRow], stem: &str) -> Result<(), String> {
    download(
        export::csv(rows).as_bytes(),
        &format!("{stem}.csv"),
        "text/csv;charset=utf-8",
    )
}

/// Saves `rows` as `{stem}.xlsx`, written by the export worker.
pub async fn xlsx(rows: Vec<ExportRow>, sheet: String, stem: &str) -> Result<(), String> {
    let request = serde_json::to_string(&XlsxRequest { sheet, rows })
        .map_err(|e| format!("the rows could not be prepared ({e})"))?;
    let worker = web_sys::Worker::new(WORKER).map_err(js_error)?;
    let (tx, rx) = oneshot::channel::<Result<js_sys::Uint8Array, String>>();
    let tx = std::cell::RefCell::new(Some(tx));
    let reply = move |answer: Result<js_sys::Uint8Array, String>| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(answer);
        }
    };
    let reply = std::rc::Rc::new(reply);
    let on_message = {
        let reply = reply.clone();
        let worker = worker.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            // The worker is listening: only now can the request reach it.
            if data.as_string().as_deref() == Some(READY) {
                if let Err(e) = worker.post_message(&JsValue::from_str(&request)) {
                    reply(Err(js_error(e)));
                }
                return;
            }
            reply(match data.dyn_into::<js_sys::Uint8Array>() {
                Ok(bytes) => Ok(bytes),
                Err(other) => Err(js_error(other)),
            });
        })
    };
    let on_error =
        Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            reply(Err(format!(
                "the export worker failed: {}",
                event.message()
            )));
        });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let answer = rx
        .await
        .unwrap_or_else(|_| Err("the export worker stopped".to_owned()));
    worker.terminate();
    drop((on_message, on_error));
    download(&answer?.to_vec(), &format!("{stem}.xlsx"), XLSX)
}

/// Hands `bytes` to the browser as a download called `name`.
fn download(bytes: &[u8], name: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let link: web_sys::HtmlAnchorElement = leptos::prelude::document()
        .create_element("a")
        .map_err(js_error)?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The browser has the file by now; let the URL go a little later.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}
