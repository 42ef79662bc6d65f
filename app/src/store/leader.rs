//! Which of a user's tabs talks to the server.
//!
//! One tab per browser profile leads: it pushes the shared outbox, pulls into the local copy and
//! listens for the server's pokes. It holds the Web Lock `deskline-leader-{user}` for as long as
//! its store lives; the browser releases it when the tab closes, and the next tab waiting for it
//! leads from then on. The other tabs follow: they read what the leader pulled from its messages
//! on the tabs' channel (see [`super::signals`]).
//!
//! A browser without Web Locks (or a page where they are refused) leads in every tab, which is
//! still correct (a second push of the same outbox is answered as a duplicate), only busier.

use futures::channel::oneshot;
use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

/// Asks for `user`'s leader lock; `lead` runs once, when this tab holds it (at once where the
/// browser has no Web Locks). The lock is given back when the current reactive owner is cleaned
/// up (the store goes: signing out), or by the browser when the tab closes.
pub fn seek(user: Uuid, lead: impl FnOnce() + 'static) {
    let lead = Rc::new(RefCell::new(Some(lead)));
    let run = {
        let lead = Rc::clone(&lead);
        move || {
            if let Some(lead) = lead.borrow_mut().take() {
                lead();
            }
        }
    };
    let Some((locks, request)) = lock_manager() else {
        run();
        return;
    };
    // Held until the store's owner is cleaned up; a dropped sender ends the wait just the same.
    let (release, released) = oneshot::channel::<()>();
    on_cleanup(move || {
        let _ = release.send(());
    });
    let held = future_to_promise(async move {
        let _ = released.await;
        Ok(JsValue::UNDEFINED)
    });
    let granted = {
        let run = run.clone();
        Closure::once_into_js(move |_lock: JsValue| -> JsValue {
            run();
            held.into()
        })
    };
    let name = JsValue::from_str(&format!("deskline-leader-{user}"));
    match request.call2(&locks, &name, &granted) {
        Ok(answer) => {
            // The request fails (rather than wait) only when locks are refused here: lead then.
            if let Ok(answer) = answer.dyn_into::<Promise>() {
                leptos::task::spawn_local(async move {
                    if JsFuture::from(answer).await.is_err() {
                        run();
                    }
                });
            }
        }
        Err(_) => run(),
    }
}

/// Whether some other tab of `user` waits for the leader lock, i.e. follows this one. Without Web
/// Locks, or when the browser cannot say, assume so.
pub async fn has_followers(user: Uuid) -> bool {
    let Some((locks, _)) = lock_manager() else {
        return true;
    };
    let Some(query) = Reflect::get(&locks, &JsValue::from_str("query"))
        .ok()
        .and_then(|q| q.dyn_into::<Function>().ok())
    else {
        return true;
    };
    let Ok(Ok(answer)) = query.call0(&locks).map(|p| p.dyn_into::<Promise>()) else {
        return true;
    };
    let Ok(state) = JsFuture::from(answer).await else {
        return true;
    };
    let name = format!("deskline-leader-{user}");
    let Ok(pending) = Reflect::get(&state, &JsValue::from_str("pending")) else {
        return true;
    };
    js_sys::Array::from(&pending).iter().any(|request| {
        Reflect::get(&request, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .is_some_and(|n| n == name)
    })
}

/// `navigator.locks` and its `request`, where the browser has them. Read through `Reflect`: the
/// Web Locks bindings of web-sys are still marked unstable.
fn lock_manager() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}
