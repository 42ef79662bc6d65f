//! The local copy in IndexedDB: confirmed tickets and their messages (written only by pulls), the
//! outbox (written with strict durability) and `meta` (cookie, client id, numbering, the user and
//! workspace last seen, schema version). One database per user, so a shared browser never mixes
//! two accounts' data, and signing out deletes it.
//!
//! Tickets are stored in chunks, not one record each: IndexedDB spends about 10 µs per record
//! read, so 50,000 records cost half a second before any decoding, while a hundred chunks read in
//! milliseconds. Each pull page appends one chunk (its tickets and removals, as postcard bytes);
//! reading replays the chunks in order, a later version of a ticket replacing an earlier one. When
//! the chunks pile up, the leader tab rewrites them from what it holds ([`Cache::compact`]).
//!
//! Messages, for reading a conversation offline, are stored the same way: one record per pull page
//! holding its messages as postcard bytes, with the ids of their tickets in a multi-entry index, so
//! a ticket's messages are found without reading the rest. One record per message cost about
//! 70 µs each to write: 130 ms of every 1,000-ticket page of a first load.
//!
//! A ticket's whole timeline (status changes, assignments, tags as well as messages) is stored
//! when it is opened online, for the [`TIMELINES_KEPT`] tickets opened last: offline, those read
//! as they did, and every other ticket shows the messages pulled for it.
//!
//! The outbox is shared by every tab of the user: each change to it is a read-modify-write in one
//! IndexedDB transaction over `outbox` and `meta`, which the browser runs one at a time, so two tabs
//! can never give two mutations the same id. Values other than chunks are stored as JSON text:
//! serde_json is in the download already, and text keeps the stored form independent of
//! wasm-bindgen's conversions.
//!
//! A thin wrapper over web-sys rather than a crate: each request becomes a promise, which keeps the
//! transaction alive across `.await` (promise callbacks run before the transaction can commit).

use deskline_shared::api::{Me, PullResponse};
use deskline_shared::sync::Outbox;
use deskline_shared::{Event, Ticket, Workspace};
use js_sys::{Array, Promise};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction};

/// The schema this code reads and writes. Raise it with a new step in [`upgrade`].
pub const SCHEMA: u32 = 4;

/// Schema 1 only: one record per ticket.
const TICKETS: &str = "tickets";
/// Chunks of tickets, keyed by an increasing number (schema 2).
const CHUNKS: &str = "chunks";
/// Tickets per chunk when the chunks are rewritten.
const CHUNK_TICKETS: usize = 5_000;
/// Past this many chunks, the leader rewrites them.
pub const COMPACT_AT: u32 = 256;
/// Schemas 1 and 2 only: one record per message.
const MESSAGES: &str = "messages";
/// Messages by pull page, under increasing keys: `{tickets: [id, ...], events: bytes}` (schema 3).
const MESSAGE_PAGES: &str = "message_pages";
/// The index of [`MESSAGE_PAGES`] by the tickets a page holds messages of.
const BY_TICKET: &str = "by_ticket";
/// The whole timelines of tickets opened online, keyed by ticket id:
/// `{saved: ms since epoch, events: bytes}` (schema 4).
const TIMELINES: &str = "timelines";
/// The index of [`TIMELINES`] by when each was saved, for dropping the oldest.
const BY_SAVED: &str = "by_saved";
/// Timelines kept; past this, the longest unread go. A timeline is a few kilobytes.
pub const TIMELINES_KEPT: u32 = 500;
const OUTBOX: &str = "outbox";
const META: &str = "meta";

/// Why the local copy could not be used.
#[derive(Debug, Clone)]
pub enum CacheError {
    /// The browser offers no IndexedDB (some private windows).
    Unavailable,
    /// Another tab holds an older version of the database open and did not close it.
    Blocked,
    /// A request failed; the text is the browser's.
    Failed(String),
    /// The stored outbox holds changes this build cannot read (a newer build saved them in
    /// another tab); they are left as they are.
    Outdated,
    /// The part of the app that reads stored changes could not be fetched (offline, and not in
    /// this browser's cache); they are left as they are.
    Incomplete,
    /// Internal: the stored outbox holds changes and their decoder is not loaded yet
    /// ([`with_decoders`] loads it and runs the transaction again).
    NeedsDecoders,
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Unavailable => f.write_str("This browser keeps no local copy (IndexedDB is unavailable), so changes live only while this tab is open."),
            CacheError::Blocked => f.write_str("Another Deskline tab uses an older version of the local copy; close the other Deskline tabs to go on."),
            CacheError::Failed(text) => write!(f, "The local copy failed: {text}"),
            CacheError::Outdated => f.write_str("Another tab saved changes with a newer version of Deskline, which this tab cannot read; reload this tab (nothing was lost)."),
            CacheError::NeedsDecoders => f.write_str("The local copy's changes were read before their decoder was loaded."),
            CacheError::Incomplete => f.write_str("This tab could not load the part of Deskline that reads your saved changes; reload it once the server can be reached (nothing was lost)."),
        }
    }
}

impl From<JsValue> for CacheError {
    fn from(value: JsValue) -> Self {
        let text = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| {
                value
                    .dyn_ref::<web_sys::DomException>()
                    .map(|e| e.message())
            })
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown error".to_owned());
        CacheError::Failed(text)
    }
}

impl From<serde_json::Error> for CacheError {
    fn from(error: serde_json::Error) -> Self {
        CacheError::Failed(error.to_string())
    }
}

type Result<T> = std::result::Result<T, CacheError>;

/// What the last visit left behind.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The workspace's configuration, for starting offline.
    pub workspace: Option<Workspace>,
    /// The pull cookie the tickets are current to.
    pub cookie: u64,
    /// The token of the change the cookie names, sent back with it.
    pub check: Option<u32>,
    /// Where an unfinished run of pull pages began (see the server's `Store::pull`).
    pub since: Option<u64>,
    /// Confirmed tickets.
    pub tickets: deskline_shared::hash::HashMap<Uuid, Ticket>,
    /// The outbox, with its client id and numbering (`None`: never synced from this browser).
    pub outbox: Option<Outbox>,
}

/// An open local copy.
#[derive(Clone)]
pub struct Cache {
    db: IdbDatabase,
}

/// localStorage key of the user whose local copy this browser holds.
const LAST_USER: &str = "deskline.last_user";

/// Remembers that `user` has a local copy here, so an offline start can open it.
pub fn set_last_user(user: Option<Uuid>) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    let _ = match user {
        Some(user) => storage.set_item(LAST_USER, &user.to_string()),
        None => storage.remove_item(LAST_USER),
    };
}

/// The user whose local copy this browser holds, by id.
pub fn last_user_id() -> Option<Uuid> {
    let storage = web_sys::window()?.local_storage().ok().flatten()?;
    Uuid::parse_str(&storage.get_item(LAST_USER).ok().flatten()?).ok()
}

/// The user whose local copy this browser holds, as that copy remembers them.
pub async fn last_user() -> Option<Me> {
    let user = last_user_id()?;
    let cache = Cache::open(user, || ()).await.ok()?;
    // Only the user: the tickets are read once, when the workspace starts.
    let tx = cache.db.transaction_with_str(META).ok()?;
    let me = get_meta::<Me>(&tx.object_store(META).ok()?, "me")
        .await
        .ok()?;
    cache.db.close();
    me.filter(|me| me.id == user)
}

/// The database of `user`.
fn name(user: Uuid) -> String {
    format!("deskline-{user}")
}

/// Resolves when `request` succeeds, with its result.
///
/// The handlers are attached when this is called, not when the future is first polled, so a
/// request may be waited for after others without missing its answer.
fn done(request: &IdbRequest) -> impl std::future::Future<Output = Result<JsValue>> + use<> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let request = request.clone();
    async move {
        JsFuture::from(promise).await.map_err(|_| {
            request
                .error()
                .ok()
                .flatten()
                .map_or(CacheError::Failed("request failed".into()), |e| {
                    CacheError::Failed(e.message())
                })
        })?;
        Ok(request.result()?)
    }
}

/// Resolves when `tx` has committed (for a strict transaction: reached the disk).
async fn committed(tx: &IdbTransaction) -> Result<()> {
    let promise = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(promise).await.map_err(|_| {
        tx.error()
            .map_or(CacheError::Failed("transaction aborted".into()), |e| {
                CacheError::Failed(e.message())
            })
    })?;
    Ok(())
}

fn json<T: Serialize>(value: &T) -> Result<JsValue> {
    Ok(JsValue::from_str(&serde_json::to_string(value)?))
}

/// Orders a timeline by time; stable, so the stored order stands among events of one instant.
fn by_time(events: &mut [Event]) {
    events.sort_by_key(|e| e.at);
}

fn parse<T: DeserializeOwned>(value: &JsValue) -> Option<T> {
    serde_json::from_slice(value.as_string()?.as_bytes()).ok()
}

async fn get_meta<T: DeserializeOwned>(meta: &IdbObjectStore, key: &str) -> Result<Option<T>> {
    let value = done(&meta.get(&JsValue::from_str(key))?).await?;
    Ok(parse(&value))
}

fn put_meta<T: Serialize>(meta: &IdbObjectStore, key: &str, value: &T) -> Result<()> {
    meta.put_with_key(&json(value)?, &JsValue::from_str(key))?;
    Ok(())
}

/// One pull page as stored: the tickets it brought and the ones it removed.
#[derive(Deserialize)]
struct Chunk {
    tickets: Vec<Ticket>,
    removed: Vec<Uuid>,
}

/// A [`Chunk`] as written, borrowing what it holds (tickets or references to them: both encode
/// the same), so a page or the confirmed set is not copied to be stored.
#[derive(Serialize)]
struct ChunkOut<'a, T> {
    tickets: &'a [T],
    removed: &'a [Uuid],
}

/// One pull page's messages as stored, in [`MESSAGE_PAGES`].
fn message_page(events: &[&Event]) -> Result<JsValue> {
    let mut tickets: Vec<Uuid> = events.iter().map(|e| e.ticket).collect();
    tickets.sort_unstable();
    tickets.dedup();
    let ids: Array = tickets
        .iter()
        .map(|id| JsValue::from_str(&id.to_string()))
        .collect();
    let bytes = postcard::to_allocvec(events).map_err(|e| CacheError::Failed(e.to_string()))?;
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &JsValue::from_str("tickets"), &ids)?;
    js_sys::Reflect::set(
        &record,
        &JsValue::from_str("events"),
        &js_sys::Uint8Array::from(bytes.as_slice()),
    )?;
    Ok(record.into())
}

/// The events of a stored message page or timeline.
fn message_events(record: &JsValue) -> Result<Vec<Event>> {
    let bytes: js_sys::Uint8Array =
        js_sys::Reflect::get(record, &JsValue::from_str("events"))?.unchecked_into();
    postcard::from_bytes(&bytes.to_vec()).map_err(|e| CacheError::Failed(e.to_string()))
}

/// Takes the messages of `ticket` out of the stored message pages (it was removed from this
/// user's view): a page left with none is deleted.
async fn forget_messages(pages: &IdbObjectStore, ticket: Uuid) -> Result<()> {
    let index = pages.index(BY_TICKET)?;
    let id = JsValue::from_str(&ticket.to_string());
    let keys: Array = done(&index.get_all_keys_with_key(&id)?)
        .await?
        .unchecked_into();
    let records: Array = done(&index.get_all_with_key(&id)?).await?.unchecked_into();
    for (key, record) in keys.iter().zip(records.iter()) {
        let kept: Vec<Event> = message_events(&record)?
            .into_iter()
            .filter(|e| e.ticket != ticket)
            .collect();
        if kept.is_empty() {
            pages.delete(&key)?;
        } else {
            pages.put_with_key(&message_page(&kept.iter().collect::<Vec<_>>())?, &key)?;
        }
    }
    Ok(())
}

fn encode<T: Serialize>(tickets: &[T], removed: &[Uuid]) -> Result<JsValue> {
    let bytes = postcard::to_allocvec(&ChunkOut { tickets, removed })
        .map_err(|e| CacheError::Failed(e.to_string()))?;
    Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
}

/// Encodes `tickets` as chunks for [`Cache::compact`].
pub fn pack<'a>(tickets: impl Iterator<Item = &'a Ticket>) -> Result<Vec<JsValue>> {
    let mut chunks = Vec::new();
    let mut batch: Vec<&Ticket> = Vec::with_capacity(CHUNK_TICKETS);
    for ticket in tickets {
        batch.push(ticket);
        if batch.len() == CHUNK_TICKETS {
            chunks.push(encode(&batch, &[])?);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        chunks.push(encode(&batch, &[])?);
    }
    Ok(chunks)
}

/// The cookie the stored tickets are current to, and where an unfinished run of pages began.
async fn read_position(meta: &IdbObjectStore) -> Result<(u64, Option<u64>)> {
    Ok((
        get_meta(meta, "cookie").await?.unwrap_or(0),
        get_meta::<Option<u64>>(meta, "since").await?.flatten(),
    ))
}

/// Chunks read at a time by [`Cache::load`].
const LOAD_BATCH: u32 = 4;

/// A batch of chunks on its way: their keys and their values.
type Batch = (
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue>>>>,
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue>>>>,
);

/// Asks for the next [`LOAD_BATCH`] chunks after the key `after` (from the first if `None`).
fn read_batch(chunks: &IdbObjectStore, after: Option<&JsValue>) -> Result<Batch> {
    let range = match after {
        Some(key) => web_sys::IdbKeyRange::lower_bound_with_open(key, true)?.into(),
        None => JsValue::NULL,
    };
    Ok((
        Box::pin(done(
            &chunks.get_all_keys_with_key_and_limit(&range, LOAD_BATCH)?,
        )),
        Box::pin(done(
            &chunks.get_all_with_key_and_limit(&range, LOAD_BATCH)?,
        )),
    ))
}

/// Creates what each schema version adds, from the version the browser has up to [`SCHEMA`].
/// `tx` is the upgrade's own transaction, for moving data.
fn upgrade(db: &IdbDatabase, tx: &IdbTransaction, old: u32) -> Result<()> {
    upgrade_to(db, tx, old, SCHEMA)
}

/// [`upgrade`] to `new`, which tests set lower to build an older copy.
fn upgrade_to(db: &IdbDatabase, tx: &IdbTransaction, old: u32, new: u32) -> Result<()> {
    let step = |version: u32| old < version && version <= new;
    if step(1) {
        for store in [TICKETS, MESSAGES, OUTBOX, META] {
            db.create_object_store(store)?;
        }
    }
    if step(2) {
        // Tickets move into chunks. They are fetched again rather than converted: the next pull
        // starts from the beginning. The outbox stays as it is.
        db.delete_object_store(TICKETS)?;
        db.create_object_store(CHUNKS)?;
    }
    if step(3) {
        // Messages move into one record per pull page. Like the tickets, they are fetched again,
        // so the chunks are emptied too; the outbox stays as it is.
        db.delete_object_store(MESSAGES)?;
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_auto_increment(true);
        let pages = db.create_object_store_with_optional_parameters(MESSAGE_PAGES, &params)?;
        let index = web_sys::IdbIndexParameters::new();
        index.set_multi_entry(true);
        pages.create_index_with_str_and_optional_parameters(BY_TICKET, "tickets", &index)?;
        tx.object_store(CHUNKS)?.clear()?;
    }
    if (1..3).contains(&old) {
        // The tickets were dropped: the next pull starts from the beginning.
        let meta = tx.object_store(META)?;
        put_meta(&meta, "cookie", &0u64)?;
        put_meta(&meta, "since", &None::<u64>)?;
        put_meta(&meta, "chunk", &0u32)?;
    }
    if step(4) {
        // Timelines of opened tickets: a new store; what is stored stays as it is.
        let timelines = db.create_object_store(TIMELINES)?;
        timelines.create_index_with_str(BY_SAVED, "saved")?;
    }
    Ok(())
}

impl Cache {
    /// Opens (creating or upgrading) the local copy of `user`.
    ///
    /// `on_version_change` runs when another tab needs a newer schema: this tab's connection is
    /// already closed then, and the caller should reload.
    pub async fn open(user: Uuid, on_version_change: impl Fn() + 'static) -> Result<Cache> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(CacheError::Unavailable)?;
        let request: IdbOpenDbRequest = factory.open_with_u32(&name(user), SCHEMA)?;
        let upgrade_error = std::rc::Rc::new(std::cell::RefCell::new(None));
        let on_upgrade = {
            let request = request.clone();
            let upgrade_error = upgrade_error.clone();
            Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
                move |event: web_sys::IdbVersionChangeEvent| {
                    let old = event.old_version() as u32;
                    let outcome = request.result().map_err(CacheError::from).and_then(|db| {
                        let tx = request
                            .transaction()
                            .ok_or(CacheError::Failed("no upgrade transaction".into()))?;
                        upgrade(&db.unchecked_into(), &tx, old)
                    });
                    if let Err(error) = outcome {
                        *upgrade_error.borrow_mut() = Some(error);
                        if let Some(tx) = request.transaction() {
                            let _ = tx.abort();
                        }
                    }
                },
            )
        };
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        // Another tab with the old version open: it is asked to close (its `versionchange`), and
        // until it does the open waits. Tell the user rather than hang.
        let blocked = Promise::new(&mut |_, reject| request.set_onblocked(Some(&reject)));
        let opened = done(&request);
        let db = match futures::future::select(
            Box::pin(opened),
            Box::pin(async {
                let _ = JsFuture::from(blocked).await;
            }),
        )
        .await
        {
            futures::future::Either::Left((result, _)) => result,
            futures::future::Either::Right(_) => return Err(CacheError::Blocked),
        };
        drop(on_upgrade);
        if let Some(error) = upgrade_error.borrow_mut().take() {
            return Err(error);
        }
        let db: IdbDatabase = db?.unchecked_into();
        let on_change = Closure::<dyn FnMut()>::new({
            let db = db.clone();
            move || {
                db.close();
                on_version_change();
            }
        });
        db.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
        // The handler lives as long as the connection, which lives as long as the page.
        on_change.forget();
        Ok(Cache { db })
    }

    /// Closes this connection (before deleting the copy, so this tab is not told to reload).
    pub fn close(&self) {
        self.db.close();
    }

    /// Deletes the local copy of `user` (signing out). The user's other tabs are told to close
    /// their connections, and reload.
    pub async fn delete(user: Uuid) -> Result<()> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(CacheError::Unavailable)?;
        done(&factory.delete_database(&name(user))?.into()).await?;
        Ok(())
    }

    /// Deletes the local copies other users left in this browser, so the next person to sign in
    /// on a shared computer does not carry the last one's tickets on disk. A copy that still holds
    /// changes the server has not received stays, until its owner signs in here again and they
    /// go out. Returns the users whose copies were deleted; a copy that cannot be opened now
    /// (another tab holds an older version open) is left for the next sign-in.
    pub async fn forget_others(user: Uuid) -> Result<Vec<Uuid>> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(CacheError::Unavailable)?;
        // `indexedDB.databases()` is behind web-sys's unstable flag; every current browser has it.
        let list = js_sys::Reflect::get(&factory, &JsValue::from_str("databases"))?;
        let Some(list) = list.dyn_ref::<js_sys::Function>() else {
            return Ok(Vec::new());
        };
        let infos: Array = JsFuture::from(Promise::from(list.call0(&factory)?))
            .await?
            .unchecked_into();
        let mut forgotten = Vec::new();
        for info in infos.iter() {
            let other = js_sys::Reflect::get(&info, &JsValue::from_str("name"))
                .ok()
                .and_then(|name| name.as_string())
                .and_then(|name| Uuid::parse_str(name.strip_prefix("deskline-")?).ok());
            let Some(other) = other.filter(|other| *other != user) else {
                continue;
            };
            let Ok(copy) = Cache::open(other, || ()).await else {
                continue;
            };
            let unsent = copy
                .outbox()
                .await
                .map(|outbox| outbox.is_some_and(|o| o.has_unsent()));
            copy.close();
            if matches!(unsent, Ok(false)) && Cache::delete(other).await.is_ok() {
                forgotten.push(other);
            }
        }
        Ok(forgotten)
    }

    /// A read-write transaction. `strict` asks the browser to flush to disk before reporting it
    /// complete (the outbox); pulls can be redone, so they take the faster relaxed kind.
    /// web-sys offers the options only behind its unstable flag, so they are passed by hand.
    fn tx(&self, stores: &[&str], strict: bool) -> Result<IdbTransaction> {
        let names = Array::new();
        for store in stores {
            names.push(&JsValue::from_str(store));
        }
        let options = js_sys::Object::new();
        js_sys::Reflect::set(
            &options,
            &JsValue::from_str("durability"),
            &JsValue::from_str(if strict { "strict" } else { "relaxed" }),
        )?;
        let open: js_sys::Function =
            js_sys::Reflect::get(&self.db, &JsValue::from_str("transaction"))?.dyn_into()?;
        Ok(open
            .call3(&self.db, &names, &JsValue::from_str("readwrite"), &options)?
            .dyn_into()?)
    }

    /// Everything the last visit left, in one transaction.
    ///
    /// The chunks are read [`LOAD_BATCH`] at a time, and the next batch is asked for before the
    /// current one is decoded: the browser reads it from disk (on another thread) while this one
    /// is decoded, instead of the whole read and the whole decode one after the other. At 50,000
    /// tickets the read alone takes about 90 ms.
    pub async fn load(&self) -> Result<Snapshot> {
        with_decoders(async || self.load_once().await).await
    }

    async fn load_once(&self) -> Result<Snapshot> {
        let tx = self.db.transaction_with_str_sequence(&Array::of3(
            &JsValue::from_str(CHUNKS),
            &JsValue::from_str(OUTBOX),
            &JsValue::from_str(META),
        ))?;
        let meta = tx.object_store(META)?;
        let chunks = tx.object_store(CHUNKS)?;
        let stored = done(&chunks.count()?).await?.as_f64().unwrap_or(0.0) as usize;
        let mut next = Some(read_batch(&chunks, None)?);
        let outbox = read_outbox(&tx.object_store(OUTBOX)?, &meta).await?;
        let workspace = get_meta(&meta, "workspace").await?;
        let (cookie, since) = read_position(&meta).await?;
        let check = get_meta::<Option<u32>>(&meta, "check").await?.flatten();
        let mut tickets = deskline_shared::hash::HashMap::default();
        let mut decoded = 0;
        // In key order: a later chunk's version of a ticket is the newer one.
        while let Some((keys, values)) = next.take() {
            let keys: Array = keys.await?.unchecked_into();
            let values: Array = values.await?.unchecked_into();
            if let Some(last) = keys.iter().last()
                && keys.length() == LOAD_BATCH
            {
                next = Some(read_batch(&chunks, Some(&last))?);
            }
            for chunk in values.iter() {
                let bytes = chunk.unchecked_into::<js_sys::Uint8Array>().to_vec();
                let chunk = postcard::from_bytes::<Chunk>(&bytes)
                    .map_err(|e| CacheError::Failed(e.to_string()))?;
                // Sized as if every chunk held as many as this one: growing the map moves every
                // ticket again at each doubling.
                if tickets.capacity() - tickets.len() < chunk.tickets.len() {
                    tickets.reserve(chunk.tickets.len() * stored.saturating_sub(decoded).max(1));
                }
                decoded += 1;
                for ticket in chunk.tickets {
                    tickets.insert(ticket.id, ticket);
                }
                for id in chunk.removed {
                    tickets.remove(&id);
                }
            }
        }
        Ok(Snapshot {
            workspace,
            cookie,
            check,
            since,
            tickets,
            outbox,
        })
    }

    /// Rewrites the stored tickets as `chunks` (from [`pack`]: everything confirmed, as of
    /// `cookie`, whose token is `check`), in one transaction.
    pub async fn compact(
        &self,
        chunks: Vec<JsValue>,
        cookie: u64,
        check: Option<u32>,
    ) -> Result<()> {
        let tx = self.tx(&[CHUNKS, META], false)?;
        let store = tx.object_store(CHUNKS)?;
        store.clear()?;
        let mut key = 0u32;
        for chunk in &chunks {
            key += 1;
            store.put_with_key(chunk, &JsValue::from(key))?;
        }
        let meta = tx.object_store(META)?;
        put_meta(&meta, "cookie", &cookie)?;
        put_meta(&meta, "check", &check)?;
        put_meta(&meta, "since", &None::<u64>)?;
        put_meta(&meta, "chunk", &key)?;
        committed(&tx).await
    }

    /// How far the stored tickets are current: the cookie, and where an unfinished run of pages
    /// began.
    pub async fn position(&self) -> Result<(u64, Option<u64>)> {
        let tx = self.db.transaction_with_str(META)?;
        read_position(&tx.object_store(META)?).await
    }

    /// Remembers who is signed in and the workspace's configuration, for starting offline.
    pub async fn save_identity(&self, me: &Me, workspace: &Workspace) -> Result<()> {
        let tx = self.tx(&[META], false)?;
        let meta = tx.object_store(META)?;
        put_meta(&meta, "me", me)?;
        put_meta(&meta, "workspace", workspace)?;
        committed(&tx).await
    }

    /// Stores one pull page in one transaction: its tickets and removals as one chunk, its
    /// messages, the cookie it brings us to and where its run of pages began (`None` once the run
    /// is complete). `reset` first forgets every ticket (the server lost our cookie). Returns how
    /// many chunks are stored now.
    pub async fn save_page(
        &self,
        page: &PullResponse,
        since: Option<u64>,
        reset: bool,
    ) -> Result<u32> {
        let PullResponse {
            tickets,
            removed,
            messages,
            cookie,
            check,
            ..
        } = page;
        let tx = self.tx(&[CHUNKS, MESSAGE_PAGES, TIMELINES, META], false)?;
        let store = tx.object_store(CHUNKS)?;
        let message_store = tx.object_store(MESSAGE_PAGES)?;
        let timelines = tx.object_store(TIMELINES)?;
        let meta = tx.object_store(META)?;
        if reset {
            store.clear()?;
            message_store.clear()?;
            timelines.clear()?;
        }
        let mut key = if reset {
            0
        } else {
            get_meta::<u32>(&meta, "chunk").await?.unwrap_or(0)
        };
        if !tickets.is_empty() || !removed.is_empty() {
            key += 1;
            store.put_with_key(&encode(tickets, removed)?, &JsValue::from(key))?;
        }
        for id in removed {
            forget_messages(&message_store, *id).await?;
            timelines.delete(&JsValue::from_str(&id.to_string()))?;
        }
        let messages: Vec<&Event> = messages
            .iter()
            .filter(|e| e.kind.message().is_some())
            .collect();
        if !messages.is_empty() {
            message_store.add(&message_page(&messages)?)?;
        }
        put_meta(&meta, "cookie", cookie)?;
        put_meta(&meta, "check", check)?;
        put_meta(&meta, "since", &since)?;
        put_meta(&meta, "chunk", &key)?;
        let count = done(&store.count()?).await?.as_f64().unwrap_or(0.0) as u32;
        committed(&tx).await?;
        Ok(count)
    }

    /// The messages stored for `ticket`, oldest first.
    pub async fn messages(&self, ticket: Uuid) -> Result<Vec<Event>> {
        let tx = self.db.transaction_with_str(MESSAGE_PAGES)?;
        let found: Array = done(
            &tx.object_store(MESSAGE_PAGES)?
                .index(BY_TICKET)?
                .get_all_with_key(&JsValue::from_str(&ticket.to_string()))?,
        )
        .await?
        .unchecked_into();
        // Pages in the order they were pulled: a message pulled again replaces its older copy.
        let mut events: Vec<Event> = Vec::new();
        let mut position: HashMap<Uuid, usize> = HashMap::new();
        for page in found.iter() {
            for event in message_events(&page)? {
                let Some(id) = event.kind.message().map(|m| m.id) else {
                    continue;
                };
                if event.ticket != ticket {
                    continue;
                }
                match position.get(&id) {
                    Some(&at) => events[at] = event,
                    None => {
                        position.insert(id, events.len());
                        events.push(event);
                    }
                }
            }
        }
        by_time(&mut events);
        Ok(events)
    }

    /// Stores the whole timeline of `ticket` as the server sent it, replacing the one stored
    /// before, and drops the oldest past [`TIMELINES_KEPT`].
    pub async fn save_timeline(&self, ticket: Uuid, events: &[Event]) -> Result<()> {
        let tx = self.tx(&[TIMELINES], false)?;
        let store = tx.object_store(TIMELINES)?;
        let bytes = postcard::to_allocvec(events).map_err(|e| CacheError::Failed(e.to_string()))?;
        let record = js_sys::Object::new();
        js_sys::Reflect::set(
            &record,
            &JsValue::from_str("saved"),
            &JsValue::from_f64(js_sys::Date::now()),
        )?;
        js_sys::Reflect::set(
            &record,
            &JsValue::from_str("events"),
            &js_sys::Uint8Array::from(bytes.as_slice()),
        )?;
        store.put_with_key(&record, &JsValue::from_str(&ticket.to_string()))?;
        let count = done(&store.count()?).await?.as_f64().unwrap_or(0.0) as u32;
        if count > TIMELINES_KEPT {
            let oldest: Array = done(
                &store
                    .index(BY_SAVED)?
                    .get_all_keys_with_key_and_limit(&JsValue::NULL, count - TIMELINES_KEPT)?,
            )
            .await?
            .unchecked_into();
            for key in oldest.iter() {
                store.delete(&key)?;
            }
        }
        committed(&tx).await
    }

    /// What the local copy knows of `ticket`'s conversation, oldest first: its whole timeline as
    /// last opened online, with the messages pulled since; or, for a ticket not opened online
    /// lately, the messages alone.
    pub async fn conversation(&self, ticket: Uuid) -> Result<Vec<Event>> {
        let tx = self.db.transaction_with_str(TIMELINES)?;
        let record = done(
            &tx.object_store(TIMELINES)?
                .get(&JsValue::from_str(&ticket.to_string()))?,
        )
        .await?;
        let mut events: Vec<Event> = if record.is_undefined() {
            Vec::new()
        } else {
            message_events(&record)?
        };
        let known: std::collections::HashSet<Uuid> = events
            .iter()
            .filter_map(|e| e.kind.message().map(|m| m.id))
            .collect();
        events.extend(
            self.messages(ticket)
                .await?
                .into_iter()
                .filter(|e| e.kind.message().is_some_and(|m| !known.contains(&m.id))),
        );
        by_time(&mut events);
        Ok(events)
    }

    /// The outbox as stored now (`None`: nothing stored yet), read without writing.
    pub async fn outbox(&self) -> Result<Option<Outbox>> {
        with_decoders(async || {
            let tx = self.db.transaction_with_str_sequence(&Array::of2(
                &JsValue::from_str(OUTBOX),
                &JsValue::from_str(META),
            ))?;
            read_outbox(&tx.object_store(OUTBOX)?, &tx.object_store(META)?).await
        })
        .await
    }

    /// Changes the outbox as one read-modify-write with strict durability: `change` sees the
    /// outbox as stored now (other tabs may have added to it) and the result is on disk before
    /// this returns. `fresh` is the client id to number under when none is stored yet.
    pub async fn update_outbox<R>(
        &self,
        fresh: Uuid,
        change: impl FnOnce(&mut Outbox) -> R,
    ) -> Result<(Outbox, R)> {
        let (tx, store, meta, stored) = loop {
            let tx = self.tx(&[OUTBOX, META], true)?;
            let store = tx.object_store(OUTBOX)?;
            let meta = tx.object_store(META)?;
            match read_outbox(&store, &meta).await {
                // Nothing is written before the outbox is read, so starting over loses nothing.
                Err(CacheError::NeedsDecoders) => crate::lazy::load_decoders()
                    .await
                    .map_err(|_| CacheError::Incomplete)?,
                stored => break (tx, store, meta, stored?),
            }
        };
        let mut outbox = stored.clone().unwrap_or_else(|| Outbox::new(fresh));
        let answer = change(&mut outbox);
        if stored.as_ref() != Some(&outbox) {
            // Rewritten whole: the outbox is short, and renumbering changes every key.
            store.clear()?;
            for pending in outbox.pending() {
                store.put_with_key(&json(pending)?, &JsValue::from_f64(pending.id as f64))?;
            }
            put_meta(&meta, "client_id", &outbox.client_id())?;
            put_meta(&meta, "next_mutation_id", &outbox.next_id())?;
        }
        committed(&tx).await?;
        Ok((outbox, answer))
    }
}

/// Runs a reading transaction; if it found changes before their decoder was loaded, loads the
/// decoder and runs it again.
async fn with_decoders<T>(read: impl AsyncFn() -> Result<T>) -> Result<T> {
    match read().await {
        Err(CacheError::NeedsDecoders) => {
            crate::lazy::load_decoders()
                .await
                .map_err(|_| CacheError::Incomplete)?;
            read().await
        }
        other => other,
    }
}

async fn read_outbox(store: &IdbObjectStore, meta: &IdbObjectStore) -> Result<Option<Outbox>> {
    let Some(client_id) = get_meta::<Uuid>(meta, "client_id").await? else {
        return Ok(None);
    };
    let next = get_meta::<u64>(meta, "next_mutation_id")
        .await?
        .unwrap_or(1);
    let rows: Array = done(&store.get_all()?).await?.unchecked_into();
    // A change this build cannot read is never skipped: the outbox is rewritten whole on every
    // change, which would delete it.
    let rows = rows
        .iter()
        .map(|p| p.as_string().ok_or(CacheError::Outdated))
        .collect::<Result<Vec<String>>>()?;
    // Only changes need the decoder of changes, which is a part of the app of its own.
    let pending = if rows.is_empty() {
        Vec::new()
    } else {
        // Fetching the decoders inside the transaction would let it finish meanwhile (only
        // IndexedDB's own requests keep it alive): the caller loads them and starts over.
        if !crate::lazy::decoders_ready() {
            return Err(CacheError::NeedsDecoders);
        }
        crate::lazy::decode_pending(rows)
            .await
            .map_err(|_| CacheError::Incomplete)?
            .ok_or(CacheError::Outdated)?
    };
    Ok(Some(Outbox::restore(client_id, next, pending)))
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use deskline_shared::Mutation;
    use deskline_shared::api::PushResponse;
    use deskline_shared::fixtures;
    use deskline_shared::preset::Preset;
    use deskline_shared::sync::Pending;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A page up to `cookie`, whose token is the cookie's number (as good as any).
    fn page(tickets: Vec<Ticket>, removed: Vec<Uuid>, cookie: u64) -> PullResponse {
        PullResponse {
            tickets,
            removed,
            messages: Vec::new(),
            last_mutation_id: 0,
            cookie,
            check: u32::try_from(cookie).ok(),
            more: false,
            head: cookie,
            server_time: fixtures::at(0),
        }
    }

    fn version(ticket: &Ticket, version: u64) -> Ticket {
        Ticket {
            version,
            title: format!("version {version}"),
            ..ticket.clone()
        }
    }

    fn by_id(snapshot: &Snapshot) -> HashMap<Uuid, u64> {
        snapshot
            .tickets
            .values()
            .map(|t| (t.id, t.version))
            .collect()
    }

    fn note(ticket: Uuid, id: u128, minute: i64) -> Event {
        Event {
            ticket,
            actor: None,
            at: fixtures::at(minute),
            kind: deskline_shared::EventKind::MessageAdded(deskline_shared::event::Message {
                id: Uuid::from_u128(id),
                visibility: deskline_shared::Visibility::Internal,
                from_staff: true,
                author_name: "Ana Lima".into(),
                body: format!("note {id}"),
            }),
        }
    }

    async fn note_ids(cache: &Cache, ticket: Uuid) -> Vec<u128> {
        let events = cache.messages(ticket).await.unwrap();
        events
            .iter()
            .map(|e| e.kind.message().unwrap().id.as_u128())
            .collect()
    }

    async fn message_pages(cache: &Cache) -> u32 {
        let tx = cache.db.transaction_with_str(MESSAGE_PAGES).unwrap();
        let request = tx.object_store(MESSAGE_PAGES).unwrap().count().unwrap();
        done(&request).await.unwrap().as_f64().unwrap() as u32
    }

    #[wasm_bindgen_test]
    async fn messages_are_found_by_ticket_across_pages_and_leave_with_their_ticket() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let [a, b] = [1u128, 2].map(|i| fixtures::ticket(&ws, Uuid::from_u128(i)).0);
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();

        let mut first = page(vec![a.clone(), b.clone()], vec![], 10);
        first.messages = vec![note(a.id, 1, 1), note(b.id, 2, 2), note(a.id, 3, 3)];
        cache.save_page(&first, None, false).await.unwrap();
        // The second page brings a newer message and one pulled again (written at minute 1).
        let mut second = page(vec![a.clone()], vec![], 20);
        second.messages = vec![note(a.id, 4, 4), note(a.id, 1, 1)];
        cache.save_page(&second, None, false).await.unwrap();
        assert_eq!(message_pages(&cache).await, 2);
        assert_eq!(note_ids(&cache, a.id).await, [1, 3, 4]);
        assert_eq!(note_ids(&cache, b.id).await, [2]);

        // b leaves this user's view: its messages go, a's stay.
        cache
            .save_page(&page(vec![], vec![b.id], 30), None, false)
            .await
            .unwrap();
        assert!(note_ids(&cache, b.id).await.is_empty());
        assert_eq!(note_ids(&cache, a.id).await, [1, 3, 4]);
        // a leaves too: the pages left empty are deleted.
        cache
            .save_page(&page(vec![], vec![a.id], 40), None, false)
            .await
            .unwrap();
        assert!(note_ids(&cache, a.id).await.is_empty());
        assert_eq!(message_pages(&cache).await, 0);

        // A reset forgets the messages pulled before it.
        cache.save_page(&first, None, false).await.unwrap();
        cache
            .save_page(&page(vec![b.clone()], vec![], 3), None, true)
            .await
            .unwrap();
        assert!(note_ids(&cache, a.id).await.is_empty());
        assert_eq!(message_pages(&cache).await, 0);
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    /// The users with a local copy in this browser.
    async fn copies() -> Vec<Uuid> {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let list: js_sys::Function = js_sys::Reflect::get(&factory, &"databases".into())
            .unwrap()
            .unchecked_into();
        let infos: Array = JsFuture::from(Promise::from(list.call0(&factory).unwrap()))
            .await
            .unwrap()
            .unchecked_into();
        infos
            .iter()
            .filter_map(|info| {
                let name = js_sys::Reflect::get(&info, &"name".into())
                    .ok()?
                    .as_string()?;
                Uuid::parse_str(name.strip_prefix("deskline-")?).ok()
            })
            .collect()
    }

    #[wasm_bindgen_test]
    async fn signing_in_deletes_other_users_copies_unless_they_hold_unsent_changes() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let ticket = fixtures::ticket(&ws, Uuid::from_u128(1)).0;
        let [done_with, unsent, acknowledged, me] = [(); 4].map(|()| Uuid::now_v7());
        let start = |at| {
            (
                Mutation::Start {
                    ticket_id: ticket.id,
                },
                at,
            )
        };
        for user in [done_with, unsent, acknowledged, me] {
            let cache = Cache::open(user, || ()).await.unwrap();
            cache
                .save_page(&page(vec![ticket.clone()], vec![], 10), None, false)
                .await
                .unwrap();
            if user == unsent || user == acknowledged {
                cache
                    .update_outbox(Uuid::now_v7(), |o| o.enqueue([start(fixtures::at(1))]))
                    .await
                    .unwrap();
            }
            if user == acknowledged {
                // The server answered: it has the change.
                cache
                    .update_outbox(Uuid::now_v7(), |o| {
                        let request = o.request(10).unwrap();
                        let answer = PushResponse {
                            results: Vec::new(),
                            last_mutation_id: 1,
                        };
                        o.record(&request, &answer);
                    })
                    .await
                    .unwrap();
            }
            cache.close();
        }

        let mut forgotten = Cache::forget_others(me).await.unwrap();
        forgotten.sort();
        let mut expected = vec![done_with, acknowledged];
        expected.sort();
        assert_eq!(forgotten, expected);
        let left = copies().await;
        assert!(left.contains(&me) && left.contains(&unsent));
        assert!(!left.contains(&done_with) && !left.contains(&acknowledged));
        // The copy kept still holds its change, for its owner's next visit.
        let kept = Cache::open(unsent, || ()).await.unwrap();
        assert!(kept.outbox().await.unwrap().unwrap().has_unsent());
        kept.close();

        for user in [unsent, me] {
            Cache::delete(user).await.unwrap();
        }
    }

    #[wasm_bindgen_test]
    async fn chunks_read_in_batches_replay_in_order_across_batch_boundaries() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let tickets: Vec<Ticket> = (0..20u128)
            .map(|i| fixtures::ticket(&ws, Uuid::from_u128(i + 1)).0)
            .collect();
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();
        // 2 × LOAD_BATCH + 1 pages: page k brings ticket k and ticket 0, both at version k, and
        // removes ticket k - 3 (stored in the same batch of the read, or in the one before).
        let pages = 2 * LOAD_BATCH as usize + 1;
        for k in 1..=pages {
            let removed = (k > 3).then(|| tickets[k - 3].id).into_iter().collect();
            let brought = vec![
                version(&tickets[k], k as u64),
                version(&tickets[0], k as u64),
            ];
            cache
                .save_page(&page(brought, removed, k as u64), None, false)
                .await
                .unwrap();
        }
        let loaded = cache.load().await.unwrap();
        // The same pages replayed in order, by hand.
        let mut replayed: HashMap<Uuid, u64> = HashMap::new();
        for k in 1..=pages {
            replayed.insert(tickets[k].id, k as u64);
            replayed.insert(tickets[0].id, k as u64);
            if k > 3 {
                replayed.remove(&tickets[k - 3].id);
            }
        }
        assert_eq!(replayed.len(), 4);
        assert_eq!(by_id(&loaded), replayed);
        assert_eq!(loaded.cookie, pages as u64);
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn chunks_replay_to_the_newest_version_and_compaction_keeps_them() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let [a, b, c] = [1u128, 2, 3].map(|i| fixtures::ticket(&ws, Uuid::from_u128(i)).0);
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();

        // Three pages: a and b; a again and b gone; c.
        let pages = [
            page(vec![version(&a, 1), version(&b, 1)], vec![], 10),
            page(vec![version(&a, 2)], vec![b.id], 20),
            page(vec![version(&c, 1)], vec![], 30),
        ];
        let mut chunks = 0;
        for p in &pages {
            chunks = cache.save_page(p, None, false).await.unwrap();
        }
        assert_eq!(chunks, 3);
        // A quiet page stores no chunk.
        assert_eq!(
            cache
                .save_page(&page(vec![], vec![], 31), None, false)
                .await
                .unwrap(),
            3
        );
        let loaded = cache.load().await.unwrap();
        let want = HashMap::from([(a.id, 2), (c.id, 1)]);
        assert_eq!(by_id(&loaded), want);
        assert_eq!(loaded.cookie, 31);
        assert_eq!(loaded.since, None);

        // Rewritten as one chunk, with the cookie they are current to; later pages go on from it.
        let packed = pack(loaded.tickets.values()).unwrap();
        assert_eq!(packed.len(), 1);
        cache.compact(packed, 31, Some(7)).await.unwrap();
        let compacted = cache.load().await.unwrap();
        assert_eq!((compacted.cookie, compacted.check), (31, Some(7)));
        let count = cache
            .save_page(&page(vec![version(&c, 2)], vec![], 40), None, false)
            .await
            .unwrap();
        assert_eq!(count, 2);
        let loaded = cache.load().await.unwrap();
        assert_eq!(by_id(&loaded), HashMap::from([(a.id, 2), (c.id, 2)]));
        assert_eq!((loaded.cookie, loaded.check), (40, Some(40)));

        // A reset forgets everything before its page.
        cache
            .save_page(&page(vec![version(&b, 5)], vec![], 3), None, true)
            .await
            .unwrap();
        let loaded = cache.load().await.unwrap();
        assert_eq!(by_id(&loaded), HashMap::from([(b.id, 5)]));
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    fn status_change(ticket: Uuid, minute: i64) -> Event {
        Event {
            ticket,
            actor: None,
            at: fixtures::at(minute),
            kind: deskline_shared::EventKind::PriorityChanged {
                from: deskline_shared::Priority::Low,
                to: deskline_shared::Priority::High,
            },
        }
    }

    #[wasm_bindgen_test]
    async fn an_opened_timeline_reads_whole_offline_with_messages_pulled_since() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let [a, b] = [1u128, 2].map(|i| fixtures::ticket(&ws, Uuid::from_u128(i)).0);
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();
        let mut first = page(vec![a.clone(), b.clone()], vec![], 10);
        first.messages = vec![note(a.id, 1, 1), note(b.id, 2, 2)];
        cache.save_page(&first, None, false).await.unwrap();

        // Not opened online: the messages alone.
        assert_eq!(cache.conversation(a.id).await.unwrap(), [note(a.id, 1, 1)]);
        // Opened: the whole timeline, and a message pulled afterwards joins it in time order.
        let timeline = vec![note(a.id, 1, 1), status_change(a.id, 2)];
        cache.save_timeline(a.id, &timeline).await.unwrap();
        let mut second = page(vec![a.clone()], vec![], 20);
        second.messages = vec![note(a.id, 3, 3)];
        cache.save_page(&second, None, false).await.unwrap();
        assert_eq!(
            cache.conversation(a.id).await.unwrap(),
            [note(a.id, 1, 1), status_change(a.id, 2), note(a.id, 3, 3)]
        );
        assert_eq!(cache.conversation(b.id).await.unwrap(), [note(b.id, 2, 2)]);

        // The ticket leaves this user's view: its timeline goes with it.
        cache
            .save_page(&page(vec![], vec![a.id], 30), None, false)
            .await
            .unwrap();
        assert!(cache.conversation(a.id).await.unwrap().is_empty());
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn past_the_limit_the_timeline_saved_longest_ago_goes() {
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();
        // The lowest id: first among timelines saved in the same millisecond.
        let oldest = Uuid::from_u128(0);
        cache
            .save_timeline(oldest, &[status_change(oldest, 1)])
            .await
            .unwrap();
        for i in 1..=TIMELINES_KEPT {
            let id = Uuid::from_u128(u128::from(i));
            cache
                .save_timeline(id, &[status_change(id, 1)])
                .await
                .unwrap();
        }
        assert!(cache.conversation(oldest).await.unwrap().is_empty());
        let newest = Uuid::from_u128(u128::from(TIMELINES_KEPT));
        assert_eq!(cache.conversation(newest).await.unwrap().len(), 1);
        let tx = cache.db.transaction_with_str(TIMELINES).unwrap();
        let count = done(&tx.object_store(TIMELINES).unwrap().count().unwrap())
            .await
            .unwrap();
        assert_eq!(count.as_f64(), Some(f64::from(TIMELINES_KEPT)));
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_schema_3_copy_is_upgraded_keeping_its_tickets_and_cookie() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let (ticket, _) = fixtures::ticket(&ws, Uuid::from_u128(7));
        let user = Uuid::now_v7();
        // A copy as schema 3 left it: one chunk, a cookie.
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open_with_u32(&name(user), 3).unwrap();
        let on_upgrade = {
            let request = request.clone();
            Closure::<dyn FnMut()>::new(move || {
                let db: IdbDatabase = request.result().unwrap().unchecked_into();
                upgrade_to(&db, &request.transaction().unwrap(), 0, 3).unwrap();
            })
        };
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let db: IdbDatabase = done(&request).await.unwrap().unchecked_into();
        drop(on_upgrade);
        let tx = db
            .transaction_with_str_sequence_and_mode(
                &Array::of2(&JsValue::from_str(CHUNKS), &JsValue::from_str(META)),
                web_sys::IdbTransactionMode::Readwrite,
            )
            .unwrap();
        tx.object_store(CHUNKS)
            .unwrap()
            .put_with_key(
                &encode(std::slice::from_ref(&ticket), &[]).unwrap(),
                &JsValue::from(1),
            )
            .unwrap();
        let meta = tx.object_store(META).unwrap();
        put_meta(&meta, "cookie", &42u64).unwrap();
        put_meta(&meta, "chunk", &1u32).unwrap();
        committed(&tx).await.unwrap();
        db.close();

        let cache = Cache::open(user, || ()).await.unwrap();
        let loaded = cache.load().await.unwrap();
        assert_eq!(loaded.cookie, 42, "the pull would start over");
        assert_eq!(by_id(&loaded), HashMap::from([(ticket.id, ticket.version)]));
        cache
            .save_timeline(ticket.id, &[status_change(ticket.id, 1)])
            .await
            .unwrap();
        assert_eq!(cache.conversation(ticket.id).await.unwrap().len(), 1);
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    /// A ticket and a pending mutation for [`schema_1_copy`].
    fn schema_1_contents() -> (Ticket, Pending) {
        let ws = fixtures::workspace(Preset::SupportModule);
        let (ticket, _) = fixtures::ticket(&ws, Uuid::from_u128(7));
        let pending = Pending {
            id: 1,
            created_at: fixtures::at(5),
            mutation: fixtures::create(Uuid::from_u128(8)),
            acknowledged: false,
        };
        (ticket, pending)
    }

    /// Opens `name` at version 1 and fills it as schema 1 did: one record per ticket, a cookie, a
    /// pending mutation.
    async fn schema_1_copy(name: &str, ticket: &Ticket, pending: &Pending) {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open_with_u32(name, 1).unwrap();
        let on_upgrade = {
            let request = request.clone();
            Closure::<dyn FnMut()>::new(move || {
                let db: IdbDatabase = request.result().unwrap().unchecked_into();
                for store in [TICKETS, MESSAGES, OUTBOX, META] {
                    db.create_object_store(store).unwrap();
                }
            })
        };
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let db: IdbDatabase = done(&request).await.unwrap().unchecked_into();
        drop(on_upgrade);
        let tx = db
            .transaction_with_str_sequence_and_mode(
                &Array::of3(
                    &JsValue::from_str(TICKETS),
                    &JsValue::from_str(OUTBOX),
                    &JsValue::from_str(META),
                ),
                web_sys::IdbTransactionMode::Readwrite,
            )
            .unwrap();
        tx.object_store(TICKETS)
            .unwrap()
            .put_with_key(
                &json(ticket).unwrap(),
                &JsValue::from_str(&ticket.id.to_string()),
            )
            .unwrap();
        tx.object_store(OUTBOX)
            .unwrap()
            .put_with_key(&json(pending).unwrap(), &JsValue::from_f64(1.0))
            .unwrap();
        let meta = tx.object_store(META).unwrap();
        put_meta(&meta, "cookie", &42u64).unwrap();
        put_meta(&meta, "client_id", &Uuid::from_u128(99)).unwrap();
        put_meta(&meta, "next_mutation_id", &2u64).unwrap();
        committed(&tx).await.unwrap();
        db.close();
    }

    #[wasm_bindgen_test]
    async fn a_schema_1_copy_is_upgraded_keeping_the_outbox_and_fetching_tickets_again() {
        let (ticket, pending) = schema_1_contents();
        let user = Uuid::now_v7();
        schema_1_copy(&name(user), &ticket, &pending).await;

        let cache = Cache::open(user, || ()).await.unwrap();
        let loaded = cache.load().await.unwrap();
        assert!(loaded.tickets.is_empty(), "schema 1's tickets were read");
        assert_eq!(
            loaded.cookie, 0,
            "the next pull must start from the beginning"
        );
        assert!(cache.messages(ticket.id).await.unwrap().is_empty());
        let outbox = loaded.outbox.expect("the outbox was lost");
        assert_eq!(outbox.client_id(), Uuid::from_u128(99));
        assert_eq!(outbox.next_id(), 2);
        assert_eq!(outbox.pending(), [pending]);
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    /// Opens `name` at `version` with nothing to create, as another tab of another build would;
    /// `Err(())` when the open is blocked by a connection that stays open.
    async fn open_raw(name: &str, version: u32) -> std::result::Result<IdbDatabase, ()> {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open_with_u32(name, version).unwrap();
        let blocked = Promise::new(&mut |_, reject| request.set_onblocked(Some(&reject)));
        let opened = done(&request);
        match futures::future::select(Box::pin(opened), Box::pin(JsFuture::from(blocked))).await {
            futures::future::Either::Left((db, _)) => Ok(db.unwrap().unchecked_into()),
            futures::future::Either::Right(_) => Err(()),
        }
    }

    #[wasm_bindgen_test]
    async fn a_tab_of_a_newer_schema_closes_this_connection_and_asks_for_a_reload() {
        let user = Uuid::now_v7();
        let asked = std::rc::Rc::new(std::cell::Cell::new(0));
        let cache = Cache::open(user, {
            let asked = asked.clone();
            move || asked.set(asked.get() + 1)
        })
        .await
        .unwrap();
        // A newer build in another tab opens the copy at the next version: it is not blocked,
        // because this connection closes itself, and this tab is asked to reload.
        let newer = open_raw(&name(user), SCHEMA + 1).await.expect(
            "the newer tab was blocked: this tab's connection did not close on versionchange",
        );
        assert_eq!(asked.get(), 1, "the tab was not asked to reload");
        assert_eq!(newer.version() as u32, SCHEMA + 1);
        newer.close();
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn an_older_tab_that_keeps_its_connection_blocks_the_open_and_the_user_is_told_why() {
        let (ticket, pending) = schema_1_contents();
        let user = Uuid::now_v7();
        // An older build's tab holding its schema 1 copy open, without a versionchange handler.
        schema_1_copy(&name(user), &ticket, &pending).await;
        let older = open_raw(&name(user), 1).await.unwrap();
        let error = match Cache::open(user, || ()).await {
            Err(error) => error,
            Ok(_) => panic!("the open went on while an older connection was open"),
        };
        assert!(matches!(error, CacheError::Blocked), "{error}");
        assert!(
            error.to_string().contains("close the other Deskline tabs"),
            "{error}"
        );
        // Once that tab goes, the copy opens at this schema with the older tab's unsent change.
        older.close();
        let cache = Cache::open(user, || ()).await.unwrap();
        assert_eq!(cache.db.version() as u32, SCHEMA);
        let outbox = cache
            .load()
            .await
            .unwrap()
            .outbox
            .expect("the outbox was lost");
        assert_eq!(outbox.pending(), [pending]);
        cache.close();
        Cache::delete(user).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_change_saved_by_a_newer_build_is_never_dropped_by_this_one() {
        let user = Uuid::now_v7();
        let cache = Cache::open(user, || ()).await.unwrap();
        let ticket = Uuid::from_u128(7);
        cache
            .update_outbox(Uuid::now_v7(), |o| {
                o.enqueue([(Mutation::Start { ticket_id: ticket }, fixtures::at(1))])
            })
            .await
            .unwrap();
        // A newer build in another tab queues a change this build has no name for.
        let tx = cache.tx(&[OUTBOX], true).unwrap();
        let newer = format!(
            r#"{{"id":2,"created_at":"2026-01-01T09:00:00Z","mutation":{{"name":"escalate_to_mars","args":{{"ticket_id":"{ticket}"}}}}}}"#
        );
        tx.object_store(OUTBOX)
            .unwrap()
            .put_with_key(&JsValue::from_str(&newer), &JsValue::from_f64(2.0))
            .unwrap();
        committed(&tx).await.unwrap();

        // Reading says why, and a change of this tab's stores nothing rather than rewriting the
        // outbox without the newer change.
        assert!(matches!(cache.load().await, Err(CacheError::Outdated)));
        let changed = cache
            .update_outbox(Uuid::now_v7(), |o| {
                o.enqueue([(Mutation::Start { ticket_id: ticket }, fixtures::at(2))])
            })
            .await;
        assert!(matches!(changed, Err(CacheError::Outdated)));
        let tx = cache.db.transaction_with_str(OUTBOX).unwrap();
        let count = done(&tx.object_store(OUTBOX).unwrap().count().unwrap())
            .await
            .unwrap();
        assert_eq!(count.as_f64(), Some(2.0), "a stored change was dropped");
        cache.close();
        Cache::delete(user).await.unwrap();
    }
}
