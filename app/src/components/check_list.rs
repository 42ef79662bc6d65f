//! A labelled group of checkboxes, for the multi-choice fields of the settings.

use leptos::prelude::*;

/// One checkbox per option, checked as given; `toggle` hears `(index, checked)`.
#[component]
pub fn CheckList(
    /// What the group is about.
    legend: &'static str,
    /// The `data-field` path the server names in errors, e.g. `policies[0].pause_on`.
    field: String,
    /// The options and whether each is checked.
    options: Vec<(String, bool)>,
    /// Called when option `i` is checked (`true`) or unchecked.
    toggle: Callback<(usize, bool)>,
) -> impl IntoView {
    let empty = options.is_empty();
    let boxes = options
        .into_iter()
        .enumerate()
        .map(|(i, (label, checked))| {
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=checked
                        on:change=move |ev| toggle.run((i, event_target_checked(&ev)))
                    />
                    <span>{label}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="checks" data-field=field>
            <legend>{legend}</legend>
            {boxes}
            {empty.then(|| view! { <span class="muted">"None in this workspace"</span> })}
        </fieldset>
    }
}
