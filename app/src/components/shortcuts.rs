//! The keyboard shortcut sheet, opened with `?`.

use leptos::prelude::*;

/// Keys and what they do.
const KEYS: [(&str, &str); 8] = [
    ("j / ↓", "Next ticket"),
    ("k / ↑", "Previous ticket"),
    ("Enter / o", "Open the ticket"),
    ("x", "Select or unselect for a bulk action"),
    ("/", "Search or filter"),
    ("Esc", "Clear the search, close this sheet"),
    ("?", "Show or hide this sheet"),
    ("Tab", "Move between controls"),
];

/// A dialog listing the shortcuts.
#[component]
pub fn Shortcuts(
    /// Closes the sheet.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let rows = KEYS
        .into_iter()
        .map(|(key, what)| {
            view! {
                <tr>
                    <td>
                        <kbd>{key}</kbd>
                    </td>
                    <td>{what}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="overlay" on:click=move |_| on_close.run(())>
            <div
                class="dialog shortcuts"
                role="dialog"
                aria-label="Keyboard shortcuts"
                data-testid="shortcuts"
                on:click=|ev| ev.stop_propagation()
            >
                <h2>"Keyboard shortcuts"</h2>
                <table>
                    <tbody>{rows}</tbody>
                </table>
                <button class="btn" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
        </div>
    }
}
