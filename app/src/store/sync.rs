//! The push/pull loop, ticket details, the clock and the inbox refresh.
//!
//! One task owns the network conversation so pushes and pulls never overlap: bootstrap with pulls
//! from cookie 0, then push whatever is queued, pull after every push answer, and otherwise pull
//! every 10 seconds. A network error keeps the queue as it is and retries with a backoff.

use super::signals::TabMessage;
use super::{Projection, Store, Timeline, is_alive};
use crate::api::{self, ApiError};
use chrono::{DateTime, Utc};
use deskline_shared::Ticket;
use deskline_shared::api::TicketDetail;
use deskline_shared::sync::PUSH_BATCH;
use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver};
use futures::channel::oneshot;
use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

/// How often to pull when nothing else happens (until the WebSocket pokes arrive).
const POLL_MS: u32 = 10_000;
/// Rows per pull page (the server's most).
const PAGE: u32 = 1_000;
/// Longest wait between retries.
const MAX_BACKOFF_MS: u32 = 10_000;

/// Why a sync step stopped.
enum Halt {
    /// The store is gone (signed out): end the task.
    Stop,
    /// The request failed.
    Failed(ApiError),
}

impl From<ApiError> for Halt {
    fn from(error: ApiError) -> Self {
        Halt::Failed(error)
    }
}

/// Starts the background work of a store. It ends by itself when the store's owner is disposed.
pub(super) fn start(store: Store) {
    let (tx, rx) = mpsc::unbounded();
    store.wake.set_value(Some(tx));
    let alive = store.alive();
    on_cleanup({
        let alive = Arc::clone(&alive);
        move || alive.store(false, Ordering::Relaxed)
    });
    // Coming back online is worth trying at once rather than after the backoff.
    let online = window_event_listener(leptos::ev::online, move |_| {
        store.wake.try_with_value(|wake| {
            if let Some(wake) = wake {
                let _ = wake.unbounded_send(());
            }
        });
    });
    on_cleanup(move || online.remove());
    // A change not yet written to the stored outbox lives only in this page for the few
    // milliseconds the write takes: closing the page then would lose it, so the browser asks.
    let unload = window_event_listener(leptos::ev::beforeunload, move |event| {
        if store.has_unstored() {
            event.prevent_default();
            event.set_return_value("unsaved");
        }
    });
    on_cleanup(move || unload.remove());

    // The loop itself runs in the leader tab only (see `lead`).
    store.wake_rx.set_value(Some(rx));
    spawn_local(clock(store, Arc::clone(&alive)));
    Effect::new(move |_| {
        if let Some(id) = store.selected.get() {
            spawn_local(load_detail(store, id));
        }
    });
}

/// Starts pushing and pulling: this tab leads.
pub(super) fn lead(store: Store) {
    if let Some(rx) = store.wake_rx.try_update_value(Option::take).flatten() {
        spawn_local(run(store, rx, store.alive()));
    }
}

/// The one timer of the app: every countdown and age on screen reads `store.now`.
async fn clock(store: Store, alive: Arc<AtomicBool>) {
    loop {
        TimeoutFuture::new(1_000).await;
        if !is_alive(&alive) {
            return;
        }
        store.tick();
    }
}

/// How a wait ended.
#[derive(PartialEq, Eq)]
enum Woke {
    /// Someone asked for a sync (a new mutation, the network came back).
    Asked,
    /// The time ran out.
    Timeout,
    /// The store is gone.
    Closed,
}

/// Waits for a wake-up or `ms`, whichever comes first.
async fn wait(wake: &mut UnboundedReceiver<()>, ms: u32) -> Woke {
    match select(wake.next(), TimeoutFuture::new(ms)).await {
        Either::Left((None, _)) => Woke::Closed,
        Either::Left((Some(()), _)) => {
            // Several changes made while we slept need one push, not several.
            while wake.try_recv().is_ok() {}
            Woke::Asked
        }
        Either::Right(_) => Woke::Timeout,
    }
}

struct Backoff(u32);

impl Backoff {
    fn reset(&mut self) {
        self.0 = 1_000;
    }

    fn next(&mut self) -> u32 {
        let ms = self.0;
        self.0 = (self.0 * 2).min(MAX_BACKOFF_MS);
        ms
    }
}

async fn run(store: Store, mut wake: UnboundedReceiver<()>, alive: Arc<AtomicBool>) {
    let mut cookie = store.cookie.get_value();
    let mut check = store.check.get_value();
    let mut reset = false;
    let mut backoff = Backoff(1_000);
    let mut gaps = 0;
    // Pull at start, after every push answer, when the poll interval ends, and when woken with
    // nothing to push (the network came back).
    let mut need_pull = true;
    loop {
        if !is_alive(&alive) {
            return;
        }
        let pushed = match push(store, &alive).await {
            Ok(Pushed::Nothing) => false,
            Ok(Pushed::Answered) => {
                gaps = 0;
                true
            }
            Ok(Pushed::Split) => continue,
            Ok(Pushed::Renumbered) => {
                gaps += 1;
                // A server that keeps refusing our numbering must not make us spin.
                if gaps > 2 && wait(&mut wake, backoff.next()).await == Woke::Closed {
                    return;
                }
                continue;
            }
            Err(halt) => {
                if !on_failure(store, halt) || wait(&mut wake, backoff.next()).await == Woke::Closed
                {
                    return;
                }
                need_pull = true;
                continue;
            }
        };
        if pushed || need_pull {
            if let Err(halt) = pull(store, &alive, &mut cookie, &mut check, &mut reset).await {
                if !on_failure(store, halt) || wait(&mut wake, backoff.next()).await == Woke::Closed
                {
                    return;
                }
                need_pull = true;
                continue;
            }
            backoff.reset();
            need_pull = false;
            store.refresh_inbox();
        }
        if pushed {
            // More may have been queued meanwhile.
            continue;
        }
        need_pull = match wait(&mut wake, POLL_MS).await {
            Woke::Closed => return,
            Woke::Timeout => true,
            Woke::Asked => !store.has_unsent(),
        };
    }
}

/// Decides what a failed step means. Returns `false` when the task should end.
fn on_failure(store: Store, halt: Halt) -> bool {
    let Halt::Failed(error) = halt else {
        return false;
    };
    match error {
        ApiError::Unauthorized(_) => {
            store.signed_out();
            false
        }
        ApiError::Network(_) => {
            store.set_online(false);
            true
        }
        error => {
            store.notify(error.to_string());
            true
        }
    }
}

/// What a push step did.
enum Pushed {
    /// Nothing was queued.
    Nothing,
    /// The server answered the batch.
    Answered,
    /// The numbering was out of step; it was redone and the batch waits to be sent again.
    Renumbered,
    /// The batch goes again in smaller pieces: the numbering has a hole somewhere in it (then
    /// one at a time until it is found), or it was too large for the server or a proxy.
    Split,
}

/// Pushes queued mutations in id order, as the stored outbox has them (other tabs' included).
async fn push(store: Store, alive: &AtomicBool) -> Result<Pushed, Halt> {
    let batch = if store.probing.get_value() {
        1
    } else {
        store.batch.get_value()
    };
    let Some(request) = store.change_outbox(|outbox| outbox.request(batch)).await else {
        store.probing.set_value(false);
        store.batch.set_value(PUSH_BATCH);
        return Ok(Pushed::Nothing);
    };
    let answer = api::push(&request).await;
    if !is_alive(alive) {
        return Err(Halt::Stop);
    }
    let refused = match answer {
        Ok(response) => {
            store.set_online(true);
            store
                .change_outbox(|outbox| outbox.record(&request, &response))
                .await
        }
        // Out of step somewhere in a batch: the server does not say which of its mutations it
        // has processed (their answers may have been lost), and renumbering would send those
        // again as new ones. Alone, each gets its recorded outcome, until one meets the hole.
        Err(error) if error.is_mutation_gap() && request.mutations.len() > 1 => {
            store.probing.set_value(true);
            return Ok(Pushed::Split);
        }
        // Too large for the server or a proxy in front of it (a proxy's limit may be far below
        // the server's): halves, down to one mutation, which, too large alone, is given up below.
        Err(error) if error.status() == Some(413) && request.mutations.len() > 1 => {
            store.batch.set_value((request.mutations.len() / 2).max(1));
            return Ok(Pushed::Split);
        }
        // Out of step, or the id belongs to another account (403): number afresh under a new id.
        Err(error) if error.is_mutation_gap() || error.status() == Some(403) => {
            store.probing.set_value(false);
            let client_id = Uuid::now_v7();
            store
                .change_outbox(|outbox| {
                    if outbox.client_id() == request.client_id {
                        outbox.renumber(client_id);
                    }
                })
                .await;
            store.outbox_changed();
            return Ok(Pushed::Renumbered);
        }
        // Only a verdict on the request (400, 422, or 413 for a single mutation) gives the changes
        // up; anything else (a proxy's 404, a timeout) is retried like a network failure.
        Err(error)
            if !matches!(error.status(), Some(400 | 413 | 422))
                && !matches!(error, ApiError::Unauthorized(_)) =>
        {
            return Err(error.into());
        }
        Err(ApiError::Unauthorized(message)) => {
            return Err(ApiError::Unauthorized(message).into());
        }
        // The server refused the request itself (not one mutation): sending the same bytes
        // again cannot succeed, so give these changes up rather than block the queue forever.
        Err(error) => {
            let message = if error.status() == Some(413) {
                "This change is larger than the server takes in one request, so it was not saved."
                    .to_owned()
            } else {
                format!("This change was not saved: {error}")
            };
            store
                .change_outbox(|outbox| outbox.refuse(&request, &message))
                .await
        }
    };
    store.outbox_changed();
    for refused in refused {
        store.refused(refused);
    }
    Ok(Pushed::Answered)
}

/// One pull request's answer, with when it was sent and answered (for the server clock).
struct Fetched {
    page: Result<deskline_shared::api::PullResponse, ApiError>,
    sent: DateTime<Utc>,
    received: DateTime<Utc>,
}

async fn fetch_page(cookie: u64, check: Option<u32>, since: u64, client_id: Uuid) -> Fetched {
    let sent = Utc::now();
    let page = api::pull(cookie, check, since, client_id, PAGE).await;
    Fetched {
        page,
        sent,
        received: Utc::now(),
    }
}

/// Starts fetching the next page of a run now, so the network works while this tab stores the
/// page it has (a first load is about half network, half storing).
fn fetch_ahead(
    cookie: u64,
    check: Option<u32>,
    since: u64,
    client_id: Uuid,
) -> oneshot::Receiver<Fetched> {
    let (answer, fetched) = oneshot::channel();
    spawn_local(async move {
        let _ = answer.send(fetch_page(cookie, check, since, client_id).await);
    });
    fetched
}

/// Pulls every change since `cookie` (whose token is `check`), page by page.
///
/// The last page is committed together with the open ticket's refreshed timeline and the removal
/// of the mutations the server has processed, in one go, so the view never shows a confirmed
/// change twice nor drops an optimistic one before its confirmed version is there.
async fn pull(
    store: Store,
    alive: &AtomicBool,
    cookie: &mut u64,
    check: &mut Option<u32>,
    reset: &mut bool,
) -> Result<(), Halt> {
    // The next page of a run, already asked for.
    let mut ahead: Option<oneshot::Receiver<Fetched>> = None;
    loop {
        let client_id = store.outbox.with_untracked(|o| o.client_id());
        let since = store.since.get_value().unwrap_or(*cookie);
        store.since.set_value(Some(since));
        let fetched = match ahead.take() {
            Some(fetched) => match fetched.await {
                Ok(fetched) => fetched,
                Err(_) => fetch_page(*cookie, *check, since, client_id).await,
            },
            None => fetch_page(*cookie, *check, since, client_id).await,
        };
        if !is_alive(alive) {
            return Err(Halt::Stop);
        }
        let page = match fetched.page {
            Ok(page) => {
                // The server read its clock about halfway through the round trip.
                let (sent, received) = (fetched.sent, fetched.received);
                store.set_server_time(page.server_time, sent + (received - sent) / 2);
                page
            }
            Err(error) if error.code() == Some("sync_reset") => {
                // The server no longer knows our cookie (its data was reset, or restored from an
                // older backup): start over.
                store.projection.update_untracked(Projection::reset);
                *cookie = 0;
                *check = None;
                store.since.set_value(None);
                *reset = true;
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        store.set_online(true);
        let run = page.more.then_some(since);
        if page.more {
            ahead = Some(fetch_ahead(page.cookie, page.check, since, client_id));
        }
        let from = *cookie;
        let emptied = std::mem::take(reset);
        let chunks = store.save_page(&page, run, emptied).await;
        store.since.set_value(run);
        if !is_alive(alive) {
            return Err(Halt::Stop);
        }
        show_progress(store, since, &page);
        if page.more {
            if store.followed().await {
                store.tell(&TabMessage::Pulled {
                    from,
                    run,
                    reset: emptied,
                    page: page.clone(),
                });
            }
            // Bootstrap pages are indexed together once the last one is in.
            store
                .projection
                .update_untracked(|p| p.merge(page.tickets, &page.removed));
            *cookie = page.cookie;
            *check = page.check;
            continue;
        }

        let detail = match stale_timeline(store, &page.tickets) {
            Some(id) => {
                let detail = api::ticket(id).await;
                if !is_alive(alive) {
                    return Err(Halt::Stop);
                }
                detail.ok()
            }
            None => None,
        };
        let followed = store.followed().await;
        // Settled first: from here to the replay nothing awaits, so the screen never shows a
        // confirmed change together with the pending mutation that made it.
        // The followers hear of the settling with the page (below), so they show both together.
        let settled = store
            .change_outbox_quietly(|outbox| outbox.settle(client_id, page.last_mutation_id))
            .await;
        if !is_alive(alive) {
            return Err(Halt::Stop);
        }
        // A quiet poll is news to nobody. The followers hear of the page once it shows here.
        let news = (followed
            && (settled || emptied || page.cookie != from || !page.removed.is_empty()))
        .then(|| page.clone());
        // A quiet poll changes nothing: leave the signals alone so nothing recomputes.
        let mut changed = false;
        if !page.tickets.is_empty() || !page.removed.is_empty() || detail.is_some() {
            store.projection.update_untracked(|p| {
                p.merge(page.tickets, &page.removed);
                if let Some(detail) = &detail {
                    p.refresh(&detail.ticket);
                }
            });
            changed = true;
        }
        if let Some(detail) = detail {
            show_timeline(store, detail);
        }
        if settled {
            let _ = store.outbox.try_update(|_| ());
            changed = true;
        }
        // Confirmed changes and the mutations they settle are shown together.
        if changed || store.projection.with_untracked(Projection::is_dirty) {
            store.reproject();
        }
        *cookie = page.cookie;
        *check = page.check;
        store.cookie.set_value(page.cookie);
        store.check.set_value(page.check);
        if let Some(page) = news {
            store.tell(&TabMessage::Pulled {
                from,
                run,
                reset: emptied,
                page,
            });
        }
        store.compact(chunks).await;
        if !is_alive(alive) {
            return Err(Halt::Stop);
        }
        if !store.synced.get_value() {
            store.synced.set_value(true);
            super::mark("deskline-synced");
        }
        set_if_changed(store.loaded, true);
        return Ok(());
    }
}

/// Shows a page the leader tab pulled and stored (this tab follows).
///
/// A page that does not start at this tab's cookie means a message was missed (the tab opened
/// mid-run, or the browser dropped one): the local copy, which the leader wrote first, is read
/// again instead.
pub(super) async fn follow(
    store: Store,
    from: u64,
    run: Option<u64>,
    reset: bool,
    page: deskline_shared::api::PullResponse,
) {
    let cookie = store.cookie.get_value();
    if !reset && from != cookie {
        if page.cookie > cookie {
            store.reload_local().await;
        } else if !page.more {
            // Old news, but the outbox may have been settled by it.
            store.reload_outbox().await;
        }
        return;
    }
    store.set_server_time(page.server_time, Utc::now());
    if reset {
        store.projection.update_untracked(Projection::reset);
    }
    show_progress(store, run.unwrap_or(from), &page);
    if page.more {
        store
            .projection
            .update_untracked(|p| p.merge(page.tickets, &page.removed));
        store.cookie.set_value(page.cookie);
        store.check.set_value(page.check);
        store.since.set_value(run);
        return;
    }
    // The outbox as the leader settled it, shown together with the confirmed page.
    let outbox = store.stored_outbox().await;
    if store.cookie.try_get_value() != Some(cookie) {
        // Something else (a reload of the local copy) moved on meanwhile.
        return;
    }
    let stale = stale_timeline(store, &page.tickets);
    store
        .projection
        .update_untracked(|p| p.merge(page.tickets, &page.removed));
    if let Some(outbox) = outbox
        && store.outbox.with_untracked(|o| *o != outbox)
    {
        store.outbox.update_untracked(|o| *o = outbox);
        store.outbox.notify();
    }
    store.reproject();
    store.cookie.set_value(page.cookie);
    store.check.set_value(page.check);
    store.since.set_value(None);
    set_if_changed(store.loaded, true);
    store.refresh_inbox();
    if let Some(id) = stale {
        spawn_local(load_detail(store, id));
    }
}

/// Moves the first load's progress bar: how far from `since` (where the run of pages began)
/// towards the server's head the page has come.
fn show_progress(store: Store, since: u64, page: &deskline_shared::api::PullResponse) {
    if !store.loaded.get_untracked() && page.head > since {
        let done = page.cookie.saturating_sub(since) as f64 / (page.head - since) as f64;
        store.progress.set(Some(done.min(1.0)));
    }
}

/// Sets a flag only when it changes, so its readers do not rerun on every poll.
fn set_if_changed(signal: RwSignal<bool>, value: bool) {
    if signal.get_untracked() != value {
        signal.set(value);
    }
}

/// The open ticket, if this pull brings a newer version of it than its timeline shows.
fn stale_timeline(store: Store, pulled: &[Ticket]) -> Option<Uuid> {
    let open = store.selected.get_untracked()?;
    let shown = store
        .timeline
        .with_untracked(|t| t.as_ref().filter(|t| t.ticket == open).map(|t| t.version))?;
    let newest = pulled
        .iter()
        .find(|t| t.id == open)
        .map(|t| t.version)
        .or_else(|| {
            store
                .projection
                .with_untracked(|p| p.confirmed(&open).map(|t| t.version))
        })?;
    (newest > shown).then_some(open)
}

fn show_timeline(store: Store, detail: TicketDetail) {
    let id = detail.ticket.id;
    if store.selected.get_untracked() != Some(id) {
        return;
    }
    let version = detail.ticket.version;
    let older = store.timeline.with_untracked(|t| {
        t.as_ref()
            .is_some_and(|t| t.ticket == id && t.version > version)
    });
    if older {
        return;
    }
    // Kept for reading offline.
    if let Some(cache) = store.cache.try_get_value().flatten() {
        let events = detail.timeline.clone();
        spawn_local(async move {
            let _ = cache.save_timeline(id, &events).await;
        });
    }
    store.timeline.set(Some(Timeline {
        ticket: id,
        version,
        events: detail.timeline,
    }));
}

/// Reads a ticket's timeline when it is opened.
async fn load_detail(store: Store, id: Uuid) {
    let alive = store.alive();
    let answer = api::ticket(id).await;
    if !is_alive(&alive) {
        return;
    }
    match answer {
        Ok(detail) => {
            store.update_confirmed(|p| p.refresh(&detail.ticket));
            show_timeline(store, detail);
        }
        Err(ApiError::Unauthorized(_)) => store.signed_out(),
        Err(error) => {
            // Not on the server yet (created here and still queued), or unreachable: show what
            // we have; version 0 makes the next pull that brings the ticket read it again.
            if !matches!(
                error,
                ApiError::Server { status: 404, .. } | ApiError::Network(_)
            ) {
                store.notify(format!("The conversation could not be loaded: {error}"));
            }
            // Offline, the conversation as the local copy has it.
            let events = match store.cache.try_get_value().flatten() {
                Some(cache) => cache.conversation(id).await.unwrap_or_default(),
                None => Vec::new(),
            };
            if store.selected.try_get_untracked() == Some(Some(id)) {
                store.timeline.set(Some(Timeline {
                    ticket: id,
                    version: 0,
                    events,
                }));
            }
        }
    }
}
