//! Context providers: the session (who is signed in) and the workspace store.

use crate::store::Store;
use deskline_shared::api::Me;
use leptos::prelude::*;

/// Who is signed in, as far as this tab knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// Asking the server.
    Checking,
    /// Show the sign-in page.
    SignedOut,
    /// Show the workspace.
    SignedIn(Me),
}

/// Provides the session signal to the whole app.
pub fn provide_session() -> RwSignal<Session> {
    let session = RwSignal::new(Session::Checking);
    provide_context(session);
    session
}

/// The session signal.
pub fn use_session() -> RwSignal<Session> {
    expect_context()
}

/// Provides the workspace store to the components below.
pub fn provide_store(store: Store) {
    provide_context(store);
}

/// The workspace store.
pub fn use_store() -> Store {
    expect_context()
}
