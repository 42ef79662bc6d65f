//! Small preferences kept in localStorage: the view, the query, the sort, the open tabs. When
//! storage is unavailable (private windows with storage disabled) they last as long as the tab.

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub(super) fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub(super) fn set(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // A full or disabled storage only costs remembering a preference across reloads.
        let _ = storage.set_item(key, value);
    }
}
