//! What tells a tab to look again: the server's pokes over a WebSocket (`/api/sync/poke`,
//! `{"seq": N}` after each commit), heard by the leader tab, and the user's other tabs over a
//! BroadcastChannel.
//!
//! A poke carries no data: one above our cookie wakes the sync loop to pull, so a lost, late or
//! repeated poke costs at most a pull, and the 10-second poll catches what every poke missed.
//! The tabs' messages say that the shared outbox changed (read it again) or hand the leader's
//! pull pages to the followers. A follower that finds a page does not start at its own cookie (it
//! missed one) reads the local copy again instead, so a lost message costs one read.

use super::{Store, is_alive};
use deskline_shared::api::PullResponse;
use futures::StreamExt;
use futures::channel::mpsc;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent, WebSocket};

/// Longest wait before reconnecting the WebSocket.
const MAX_RECONNECT_MS: u32 = 10_000;

/// What a tab tells the others, as JSON on the user's channel. Externally tagged (serde's default):
/// an internal tag would decode through serde's buffering deserializer, a second copy of the
/// decoders of pull pages and refusals in the download.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TabMessage {
    /// The stored outbox changed: read it again.
    Outbox,
    /// A tab opened: the leader answers with [`TabMessage::Online`].
    Hello,
    /// Whether the leader can reach the server.
    Online { online: bool },
    /// The leader stored a pull page in the local copy (and, on the last page of a run, settled
    /// the outbox by it).
    Pulled {
        /// The cookie the page was pulled from.
        from: u64,
        /// Where the page's run began, while more pages follow.
        run: Option<u64>,
        /// The local copy was emptied first (the server no longer knew the cookie).
        reset: bool,
        /// The page.
        page: PullResponse,
    },
    /// The server refused a change (perhaps made in another tab): every tab tells the user.
    Refused {
        /// The change and the reason, as JSON: the decoder of changes is a part of the app loaded
        /// apart (see `lazy.rs`), and this message is read with the others in the main module.
        refused: String,
        /// It waited offline before the server saw it.
        waited: bool,
    },
}

/// The channel shared by `user`'s tabs in this browser.
pub fn channel(user: uuid::Uuid) -> Option<BroadcastChannel> {
    BroadcastChannel::new(&format!("deskline-{user}")).ok()
}

/// Tells the user's other tabs `message`.
pub fn tell(channel: &BroadcastChannel, message: &TabMessage) {
    if let Ok(text) = serde_json::to_string(message) {
        let _ = channel.post_message(&JsValue::from_str(&text));
    }
}

/// Listens to the other tabs until the store is gone (signed out: the handler then does
/// nothing). Messages are handled one at a time, in the order they were sent.
pub fn listen_to_tabs(store: Store, channel: &BroadcastChannel, alive: Arc<AtomicBool>) {
    let (tx, mut rx) = mpsc::unbounded::<TabMessage>();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_slice::<TabMessage>(text.as_bytes()).ok());
        if let Some(message) = message {
            let _ = tx.unbounded_send(message);
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the channel, which lives as long as the page.
    on_message.forget();
    spawn_local(async move {
        while let Some(message) = rx.next().await {
            if !is_alive(&alive) {
                return;
            }
            store.heard(message).await;
        }
    });
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
            .and_then(|text| serde_json::from_slice::<Poke>(text.as_bytes()).ok())
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
