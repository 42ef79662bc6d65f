//! The parts of the app the first paint of the queue does not need: the open ticket, the
//! settings, the new-ticket form, the bulk actions, the inbox panel, the shortcut sheet and the
//! sign-in page, and the decoders of local changes (the outbox, push answers, refusals).
//!
//! With the `split` feature (the release build `cargo xtask` makes) each part is a split point:
//! `cargo xtask` cuts its code out of the main WebAssembly module into a module of its own, which
//! is fetched when the part is first shown. The page prefetches those modules once it is idle
//! (`<link rel="prefetch">`, which the service worker keeps for offline use too), and [`preload`]
//! instantiates them once the queue is painted, so opening a ticket does not wait for them.
//! Without the feature (tests, `cargo check`) the parts are plain functions.
//!
//! A part that cannot be loaded (never cached and offline) shows a notice with a retry button:
//! a load failure must not panic, as a panic aborts the whole module.

use crate::components::bulk_bar::Outcome;
use leptos::prelude::*;
use std::future::Future;
use uuid::Uuid;

/// A part of the app could not be fetched.
#[derive(Debug, Clone, Copy)]
pub struct Unavailable;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for Unavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unavailable
    }
}

/// Calls a part: awaited when it is a split point, directly otherwise.
#[cfg(feature = "split")]
macro_rules! part {
    ($call:expr) => {
        $call.await
    };
}
#[cfg(not(feature = "split"))]
macro_rules! part {
    ($call:expr) => {
        $call
    };
}

/// Declares split points: for each, a function in `parts` returning the part's view (a split
/// point with the `split` feature, with its preload function beside it) and a public function
/// here that shows it. The view is returned as `AnyView`: the component's code stays in the
/// part's module, and the main module only knows the erased view.
macro_rules! split_points {
    ($(
        $(#[$doc:meta])*
        fn $name:ident / $preload:ident ($($arg:ident: $ty:ty),*) $body:block
    )*) => {
        mod parts {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[cfg_attr(
                    feature = "split",
                    leptos::wasm_split::wasm_split(
                        $name,
                        wasm_split_path = ::leptos::wasm_split,
                        fallible,
                        preload($preload)
                    )
                )]
                pub fn $name($($arg: $ty),*) -> Result<AnyView, Unavailable> {
                    Ok($body.into_any())
                }
            )*
        }
        $(
            $(#[$doc])*
            pub fn $name($($arg: $ty),*) -> impl IntoView {
                shown(move || async move { part!(parts::$name($($arg),*)) })
            }
        )*
    };
}

split_points! {
    /// The open ticket.
    fn ticket_view / preload_ticket_view(id: Uuid) {
        use crate::components::ticket_view::TicketView;
        view! { <TicketView id /> }
    }

    /// The settings page: service levels for a leader, this device's storage for anyone else.
    fn settings / preload_settings(leader: bool) {
        use crate::components::sla_settings::SlaSettings;
        use crate::components::storage_settings::DeviceSettings;
        if leader {
            view! { <SlaSettings /> }.into_any()
        } else {
            view! { <DeviceSettings /> }.into_any()
        }
    }

    /// The form for a new ticket.
    fn new_ticket / preload_new_ticket(on_close: Callback<()>) {
        use crate::components::new_ticket::NewTicket;
        view! { <NewTicket on_close /> }
    }

    /// The actions over the selected tickets.
    fn bulk_actions / preload_bulk_actions(outcome: RwSignal<Option<Outcome>>) {
        use crate::components::bulk_bar::BulkActions;
        view! { <BulkActions outcome /> }
    }

    /// The keyboard shortcut sheet.
    fn shortcuts / preload_shortcuts(on_close: Callback<()>) {
        use crate::components::shortcuts::Shortcuts;
        view! { <Shortcuts on_close /> }
    }

    /// The inbox's open panel.
    fn inbox_panel / preload_inbox_panel(on_close: Callback<()>) {
        use crate::components::inbox::InboxPanel;
        view! { <InboxPanel on_close /> }
    }

    /// The sign-in page.
    fn login / preload_login() {
        use crate::pages::login::LoginPage;
        view! { <LoginPage /> }
    }
}

/// The decoders of changes: the rows of the stored outbox, the push's answer, and a refusal
/// another tab reports. `Mutation` and `Rejection` are the largest decoders in the app (adjacent
/// tagging and many variants: about 120 KB of the module), and only local changes need them, so
/// they form a split point of their own (`changes`), loaded before the first push.
mod codec {
    use super::Unavailable;
    use deskline_shared::api::PushResponse;
    use deskline_shared::sync::{Pending, Refused};

    /// Each stored row (JSON text) as a change; `None` if one cannot be read.
    #[cfg_attr(
        feature = "split",
        leptos::wasm_split::wasm_split(
            changes,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload(preload_changes)
        )
    )]
    pub fn decode_pending(rows: Vec<String>) -> Result<Option<Vec<Pending>>, Unavailable> {
        Ok(rows
            .iter()
            .map(|row| serde_json::from_str(row).ok())
            .collect())
    }

    /// The push's answer, or why it cannot be read.
    #[cfg_attr(
        feature = "split",
        leptos::wasm_split::wasm_split(
            changes,
            wasm_split_path = ::leptos::wasm_split,
            fallible
        )
    )]
    pub fn decode_push(body: Vec<u8>) -> Result<Result<PushResponse, String>, Unavailable> {
        Ok(serde_json::from_slice(&body).map_err(|e| e.to_string()))
    }

    /// A refusal as another tab sent it (JSON text).
    #[cfg_attr(
        feature = "split",
        leptos::wasm_split::wasm_split(
            changes,
            wasm_split_path = ::leptos::wasm_split,
            fallible
        )
    )]
    pub fn decode_refused(text: String) -> Result<Option<Refused>, Unavailable> {
        Ok(serde_json::from_str(&text).ok())
    }
}

/// The stored outbox's rows as changes (`None`: one is not readable by this build).
pub async fn decode_pending(
    rows: Vec<String>,
) -> Result<Option<Vec<deskline_shared::sync::Pending>>, Unavailable> {
    part!(codec::decode_pending(rows))
}

/// A push's answer (`Err`: why it cannot be read).
pub async fn decode_push(
    body: Vec<u8>,
) -> Result<Result<deskline_shared::api::PushResponse, String>, Unavailable> {
    part!(codec::decode_push(body))
}

/// A refusal another tab reported (`None`: unreadable).
pub async fn decode_refused(
    text: String,
) -> Result<Option<deskline_shared::sync::Refused>, Unavailable> {
    part!(codec::decode_refused(text))
}

/// Whether the decoders of changes are loaded (without the `split` feature they always are).
pub fn decoders_ready() -> bool {
    DECODERS_READY.load(std::sync::atomic::Ordering::Relaxed)
}

static DECODERS_READY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(!cfg!(feature = "split"));

/// Loads the decoders of changes: before a push whose answer needs them, and before a
/// transaction that reads stored changes (waiting for a fetch inside one would let it finish).
pub async fn load_decoders() -> Result<(), Unavailable> {
    #[cfg(feature = "split")]
    codec::preload_changes().await?;
    DECODERS_READY.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Shows a part once it is loaded; if it cannot be, says so and offers to try again.
fn shown<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, Unavailable>> + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        let part = send_wrapper::SendWrapper::new(load());
        Suspend::new(async move {
            part.await.unwrap_or_else(|Unavailable| {
                view! {
                    <div class="splash" role="alert" data-testid="part-unavailable">
                        <p>
                            "This part of Deskline could not be loaded: the server cannot be reached, or a newer version of Deskline has replaced this one."
                        </p>
                        <p>
                            <button class="btn" on:click=move |_| attempt.update(|n| *n += 1)>
                                "Try again"
                            </button>
                            " "
                            <button class="btn ghost" on:click=move |_| reload()>
                                "Reload the page"
                            </button>
                        </p>
                    </div>
                }
                .into_any()
            })
        })
    }
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Loads the parts an agent opens (not the sign-in page) in the background, once the queue is
/// painted: from then on, showing them waits for nothing.
pub fn preload() {
    #[cfg(feature = "split")]
    leptos::task::spawn_local(async {
        let _ = load_decoders().await;
        let _ = parts::preload_ticket_view().await;
        let _ = parts::preload_new_ticket().await;
        let _ = parts::preload_bulk_actions().await;
        let _ = parts::preload_inbox_panel().await;
        let _ = parts::preload_shortcuts().await;
        let _ = parts::preload_settings().await;
    });
}
