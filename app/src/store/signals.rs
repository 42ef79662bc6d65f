//! What tells this tab to look again: the server's pokes over a WebSocket (`/api/sync/poke`,
//! `{"seq": N}` after each commit) and the user's other tabs over a BroadcastChannel (one of them
//! changed the shared outbox in IndexedDB, or pulled).
//!
//! Neither carries data: a poke above our cookie wakes the sync loop to pull, a tab's message makes
//! this tab re-read the outbox from the local copy. So a lost, late or repeated signal costs at
//! most a pull, and the 10-second poll still catches what every signal missed.

use super::{Store, is_alive};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent, WebSocket};

/// What a tab tells the others.
pub const OUTBOX_CHANGED: &str = "outbox";

/// Longest wait before reconnecting the WebSocket.
const MAX_RECONNECT_MS: u32 = 10_000;

/// The channel shared by `user`'s tabs in this browser.
pub fn channel(user: uuid::Uuid) -> Option<BroadcastChannel> {
    BroadcastChannel::new(&format!("deskline-{user}")).ok()
}

/// Listens to the other tabs until the store is gone (signed out: the handler then does nothing).
pub fn listen_to_tabs(store: Store, channel: &BroadcastChannel, alive: Arc<AtomicBool>) {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if is_alive(&alive) && event.data().as_string().as_deref() == Some(OUTBOX_CHANGED) {
            spawn_local(async move { store.reload_outbox().await });
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the channel, which lives as long as the page.
    on_message.forget();
}

/// Keeps a WebSocket to the server open while the store lives, reconnecting with a backoff.
pub fn listen_to_server(store: Store, alive: Arc<AtomicBool>) {
    spawn_local(async move {
        let mut wait_ms = 1_000;
        while is_alive(&alive) {
            let opened = connect(store);
            match opened {
                Some((socket, closed)) => {
                    // Until the socket closes, or the store goes (signing out closes it).
                    let closed = wasm_bindgen_futures::JsFuture::from(closed);
                    let gone = async {
                        while is_alive(&alive) {
                            TimeoutFuture::new(1_000).await;
                        }
                    };
                    futures::pin_mut!(closed, gone);
                    let _ = futures::future::select(closed, gone).await;
                    socket.set_onmessage(None);
                    socket.set_onclose(None);
                    socket.set_onopen(None);
                    if !is_alive(&alive) {
                        let _ = socket.close();
                        return;
                    }
                    if store.offline.get_untracked() {
                        wait_ms = (wait_ms * 2).min(MAX_RECONNECT_MS);
                    } else {
                        wait_ms = 1_000;
                    }
                }
                None => wait_ms = MAX_RECONNECT_MS,
            }
            TimeoutFuture::new(wait_ms).await;
        }
    });
}

/// Opens the socket; the promise settles when it closes (or fails to open).
fn connect(store: Store) -> Option<(WebSocket, js_sys::Promise)> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    let url = format!("{scheme}://{}/api/sync/poke", location.host().ok()?);
    let socket = WebSocket::new(&url).ok()?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let seq = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<Poke>(&text).ok())
            .map(|poke| poke.seq);
        if let Some(seq) = seq {
            store.poked(seq);
        }
    });
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The server is back: sync now rather than when the retry timer says so.
    let on_open = Closure::<dyn FnMut()>::new(move || store.reconnected());
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    // Handlers live as long as the page (one small closure per connection).
    on_message.forget();
    let closed = js_sys::Promise::new(&mut |resolve, _| {
        socket.set_onclose(Some(&resolve));
    });
    Some((socket, closed))
}

/// A poke: the server's newest change number.
#[derive(serde::Deserialize)]
struct Poke {
    seq: u64,
}
