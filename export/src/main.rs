//! The export worker. It posts "ready" once it listens; the app then posts an [`XlsxRequest`] as
//! JSON, and the worker answers with the workbook's bytes (a `Uint8Array`) or a sentence saying
//! what went wrong.
//!
//! It is a separate WebAssembly module so the spreadsheet writer (rust_xlsxwriter with its zip
//! and deflate code, about 250 KB gzip) is downloaded only when someone exports, not with the app.

use deskline_shared::export::{COLUMNS, TEXT_COLUMNS, XlsxRequest};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Posted once the worker listens; the app sends its request then.
const READY: &str = "ready";

/// Column widths, in characters.
const WIDTHS: [f64; 12] = [
    14.0, 44.0, 14.0, 10.0, 14.0, 10.0, 16.0, 18.0, 32.0, 17.0, 17.0, 12.0,
];

/// Writes the workbook: a bold, frozen header with filters, text cells, date cells and hours.
fn workbook(request: &XlsxRequest) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let hours = Format::new().set_num_format("0.00");
    let page = book.add_worksheet();
    // Sheet names are at most 31 characters, without []:*?/\.
    let name: String = request
        .sheet
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    page.set_name(if name.trim().is_empty() {
        "Tickets"
    } else {
        &name
    })?;
    for (c, title) in COLUMNS.iter().enumerate() {
        page.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    let mut row = 0;
    for line in &request.rows {
        row += 1;
        for (c, text) in line.text.iter().take(TEXT_COLUMNS).enumerate() {
            page.write_string(row, c as u16, text)?;
        }
        let created = ExcelDateTime::from_timestamp(line.created)?;
        page.write_datetime_with_format(row, 9, &created, &when)?;
        if let Some(resolved) = line.resolved {
            let resolved = ExcelDateTime::from_timestamp(resolved)?;
            page.write_datetime_with_format(row, 10, &resolved, &when)?;
        }
        if let Some(h) = line.hours {
            page.write_number_with_format(row, 11, h, &hours)?;
        }
    }
    page.set_freeze_panes(1, 0)?;
    page.autofilter(0, 0, row, (COLUMNS.len() - 1) as u16)?;
    for (c, width) in WIDTHS.into_iter().enumerate() {
        page.set_column_width(c as u16, width)?;
    }
    book.save_to_buffer()
}

/// Answers one request.
fn answer(data: &JsValue) -> Result<Vec<u8>, String> {
    let text = data
        .as_string()
        .ok_or_else(|| "the export request was not text".to_owned())?;
    let request: XlsxRequest = serde_json::from_str(&text)
        .map_err(|e| format!("the export request could not be read ({e})"))?;
    workbook(&request).map_err(|e| format!("the workbook could not be written ({e})"))
}

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let reply: JsValue = match answer(&event.data()) {
            Ok(bytes) => js_sys::Uint8Array::from(bytes.as_slice()).into(),
            Err(message) => JsValue::from_str(&message),
        };
        // Posting only fails for values that cannot be cloned; these two always can.
        let _ = scope.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the handler: hand it to JavaScript for good.
    on_message.forget();
    // Messages posted before this point would have found no handler: say we are listening.
    let _ = scope.post_message(&JsValue::from_str(READY));
}
