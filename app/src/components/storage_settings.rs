//! "Storage on this device": whether the browser keeps this workspace's offline data for good,
//! and how much of its quota the data uses.

use crate::offline::{self, StorageStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A settings section read afresh each time it is shown (the settings page mounts it on opening).
#[component]
pub fn StorageSettings() -> impl IntoView {
    // Outer `None`: still asking the browser; inner `None`: the browser cannot tell.
    let status = RwSignal::new(None::<Option<StorageStatus>>);
    spawn_local(async move {
        let answer = offline::storage_status().await;
        // The settings may have been closed meanwhile.
        let _ = status.try_set(Some(answer));
    });
    let body = move || match status.get() {
        None => view! { <p class="muted">"Checking…"</p> }.into_any(),
        Some(None) => view! {
            <p class="muted" data-testid="storage-unavailable">
                "This browser does not report its storage here."
            </p>
        }
        .into_any(),
        Some(Some(s)) => {
            let (mode, note) = if s.persistent {
                (
                    "Persistent",
                    "The browser keeps this data until you clear it yourself.",
                )
            } else {
                (
                    "Best effort",
                    "The browser may clear this data when the device runs short of space; unsent changes would be lost.",
                )
            };
            let used = format!("{} of {} used", bytes(s.usage), bytes(s.quota));
            let percent = if s.quota > 0.0 {
                (s.usage / s.quota * 100.0).clamp(0.0, 100.0)
            } else {
                0.0
            };
            view! {
                <dl class="storage-facts">
                    <dt>"Storage"</dt>
                    <dd>
                        <span
                            class="storage-mode"
                            class:persistent=s.persistent
                            data-testid="storage-persistent"
                            data-persistent=s.persistent.to_string()
                        >
                            {mode}
                        </span>
                        <span class="muted">{note}</span>
                    </dd>
                    <dt>"Used"</dt>
                    <dd>
                        <span data-testid="storage-usage">{used}</span>
                        <span class="storage-meter" aria-hidden="true">
                            <span style=format!("width: {percent:.1}%")></span>
                        </span>
                    </dd>
                </dl>
            }
            .into_any()
        }
    };
    view! {
        <section class="settings-section storage-settings" data-testid="storage-settings">
            <div class="section-head">
                <h2>"Storage on this device"</h2>
                <p class="muted">
                    "This browser keeps the app and your tickets so the workspace opens and works offline."
                </p>
            </div>
            <div class="storage-card">{body}</div>
        </section>
    }
}

/// A byte count for people: "640 KB", "2.4 MB", "1.2 GB" (powers of 1000, as disks are sold).
fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = n.max(0.0);
    let mut unit = 0;
    // 999.5 and up would print as "1000": that is the next unit's 1.0.
    while value >= 999.5 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{value:.0} {}", UNITS[0]),
        _ if value < 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;
    // The app is only ever built for the browser: its tests run there, under wasm-bindgen-test.
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn byte_counts_read_in_the_largest_fitting_unit() {
        assert_eq!(bytes(0.0), "0 bytes");
        assert_eq!(bytes(999.0), "999 bytes");
        assert_eq!(bytes(640_000.0), "640 KB");
        assert_eq!(bytes(2_400_000.0), "2.4 MB");
        assert_eq!(bytes(1_234_000_000.0), "1.2 GB");
        assert_eq!(bytes(-5.0), "0 bytes");
    }
}

/// The settings page of agents, who have no service levels to edit: this device's storage.
#[component]
pub fn DeviceSettings() -> impl IntoView {
    let store = crate::contexts::use_store();
    view! {
        <div class="settings" data-testid="device-settings">
            <div class="settings-bar">
                <button
                    class="btn ghost small settings-back"
                    data-testid="settings-back"
                    title="Back to the tickets"
                    on:click=move |_| store.settings_open.set(false)
                >
                    <crate::components::icon::BackIcon />
                    <span>"Tickets"</span>
                </button>
                <h1>"Settings"</h1>
            </div>
            <div class="settings-scroll">
                <StorageSettings />
            </div>
        </div>
    }
}
