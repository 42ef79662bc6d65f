//! The browser budgets of the domain crate (DESIGN §8): SLA state of 100,000 tickets within 20 ms,
//! and a compound filter plus sort of 100,000 tickets within 2 ms and faster than the same query in
//! plain JavaScript in the same page. `cargo xtask bench` runs these ignored tests natively and in
//! headless Chromium, in release mode, and reads the `BENCH` lines. Never run as part of
//! `cargo xtask test`: timings on a shared machine are for reports, not assertions.

use deskline_shared::filter::{Filter, FilterContext, haystack};
use deskline_shared::fixtures::workload::workload;
use deskline_shared::index::{Bits, QueueIndex};
use deskline_shared::query;
use deskline_shared::queue::Sort;
use deskline_shared::sla::{Schedule, SlaEngine, SlaState, Zone, cases};

const TICKETS: usize = 100_000;
const RUNS: usize = 15;

/// Milliseconds since some fixed point.
fn clock_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .expect("performance")
            .unchecked_into::<web_sys_free::Performance>();
        performance.now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1_000.0
    }
}

#[cfg(target_arch = "wasm32")]
mod web_sys_free {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        /// The page's high-resolution timer.
        pub type Performance;
        #[wasm_bindgen(method)]
        pub fn now(this: &Performance) -> f64;
    }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Two figures: `{target}` — the indicators of every ticket at one instant from their schedules,
/// what the list does at each tick of the clock — and `{target}_schedule` — computing the schedules
/// from the tickets, what happens once when they load (and per ticket as it changes).
fn measure(target: &str) -> Vec<String> {
    let n = option_env!("SLA_BENCH_TICKETS")
        .and_then(|n| n.parse().ok())
        .unwrap_or(TICKETS);
    let (config, tickets, now) = cases::corpus(n, 42);
    // As the app holds them: decoded from the JSON of a pull, one ticket after another.
    let tickets: Vec<deskline_shared::Ticket> =
        serde_json::from_str(&serde_json::to_string(&tickets).expect("encode")).expect("decode");
    let engine = SlaEngine::new(&config, now);

    let mut build_times = Vec::with_capacity(RUNS);
    let mut schedules: Vec<Schedule> = Vec::with_capacity(tickets.len());
    for _ in 0..RUNS {
        let start = clock_ms();
        schedules.clear();
        schedules.extend(tickets.iter().map(|t| engine.schedule(t)));
        build_times.push(clock_ms() - start);
    }

    let mut times = Vec::with_capacity(RUNS);
    let mut tally = [0usize; 5];
    let mut indicators = Vec::with_capacity(tickets.len());
    for run in 0..RUNS {
        // A different second each run, as the ticking clock gives.
        let at = now + chrono::Duration::seconds(run as i64);
        let start = clock_ms();
        indicators.clear();
        engine.indicators(schedules.iter().zip(&tickets), at, &mut indicators);
        times.push(clock_ms() - start);
        tally = [0; 5];
        for indicator in &indicators {
            let slot = match indicator.map(|i| i.state) {
                Some(SlaState::OnTrack) => 0,
                Some(SlaState::Warning) => 1,
                Some(SlaState::Breached) => 2,
                Some(SlaState::Paused) => 3,
                _ => 4,
            };
            tally[slot] += 1;
        }
    }
    vec![
        format!(
            "BENCH {target}_ms {:.3} (on track {}, warning {}, breached {}, paused {}, none {})",
            median(times),
            tally[0],
            tally[1],
            tally[2],
            tally[3],
            tally[4]
        ),
        format!(
            "BENCH {target}_schedule_ms {:.3} (once per load; per changed ticket after)",
            median(build_times)
        ),
    ]
}

/// The representative query: open work (new, open, pending) that is urgent or high, mentioning a
/// word starting with "re", by next SLA deadline; in the working queues (not archived, binned or
/// snoozed), as every query without `in:` is.
const QUERY: &str = "category:new,open,pending priority:urgent,high re";

/// The same query in plain JavaScript over the tickets as JavaScript objects, as a web app
/// without our index would run it; returns `[median ms, rows]`.
#[cfg(target_arch = "wasm32")]
const JS_QUERY: &str = r#"
    const data = JSON.parse(json);
    const categories = new Set(["new", "open", "pending"]);
    const priorities = new Set(["urgent", "high"]);
    const times = [];
    let rows = 0;
    for (let run = 0; run < runs; run++) {
        const start = performance.now();
        const hits = data.filter(t => !t.archived && !t.binned && !(t.snoozed > now)
            && categories.has(t.category) && priorities.has(t.priority)
            && t.text.includes(" re"));
        hits.sort((a, b) => a.sla[0] - b.sla[0] || a.sla[1] - b.sla[1] || b.updated - a.updated
            || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        times.push(performance.now() - start);
        rows = hits.length;
    }
    times.sort((a, b) => a - b);
    return [times[times.length >> 1], rows];
"#;

/// Filter, sort and counts over the index: `{target}_ms` figures, and the JavaScript baseline.
fn measure_queue(target: &str) -> Vec<String> {
    let n = option_env!("QUEUE_BENCH_TICKETS")
        .and_then(|n| n.parse().ok())
        .unwrap_or(TICKETS);
    let (ws, engine, tickets, now) = workload(42, n);
    let sort = Sort::SlaDeadline;
    let start = clock_ms();
    let index = QueueIndex::build(&tickets, &ws, &engine);
    // An order is sorted when a list first asks for it: the first list's is part of a load.
    let _ = index.sorted(&Bits::default(), sort).next();
    let build_ms = clock_ms() - start;
    let zone = Zone::default();
    let me = ws.agents[0].id;
    let ctx = FilterContext {
        workspace: &ws,
        me,
        now: now.timestamp(),
        zone: &zone,
    };
    let filter = query::parse(QUERY, &ws).expect("the representative query parses");
    // An admin's view: every ticket, as the JavaScript baseline filters.
    let admin = deskline_shared::Actor {
        id: me,
        name: "Admin".into(),
        role: deskline_shared::Role::Admin,
    };
    let all = index.visible(&admin, &ws);
    let mut times = Vec::with_capacity(RUNS);
    let mut rows = Vec::with_capacity(n);
    for _ in 0..RUNS {
        let start = clock_ms();
        let selection = index.select(&all, &[&filter], &ctx);
        rows.clear();
        rows.extend(index.sorted(&selection, sort));
        times.push(clock_ms() - start);
    }
    let open = Filter::default();
    let mut count_times = Vec::with_capacity(RUNS);
    let mut total = 0;
    for _ in 0..RUNS {
        let start = clock_ms();
        let selection = index.select(&all, &[&open], &ctx);
        total = index.counts(&selection, me).total;
        count_times.push(clock_ms() - start);
    }
    let counts_ms = median(count_times);
    #[allow(unused_mut)]
    let mut lines = vec![
        format!(
            "BENCH filter_sort_{target}_ms {:.3} ({} of {n} tickets: {QUERY}, by next SLA deadline)",
            median(times),
            rows.len()
        ),
        format!(
            "BENCH counts_{target}_ms {counts_ms:.3} (open tickets by status and team: {total})"
        ),
        format!("BENCH queue_index_build_{target}_ms {build_ms:.1} (once per load)"),
    ];
    #[cfg(target_arch = "wasm32")]
    {
        // Every ticket the index saw, as plain objects with the same precomputed text and keys.
        let objects: Vec<serde_json::Value> = tickets
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id.to_string(),
                    "category": ws.category(&t.status).name(),
                    "priority": t.priority.name(),
                    "text": haystack(t),
                    "sla": engine.schedule(t).sort_key(),
                    "updated": t.updated_at.timestamp_micros(),
                    "archived": t.archived,
                    "binned": t.trash.is_some(),
                    "snoozed": t.snoozed_until.map(|u| u.timestamp()),
                })
            })
            .collect();
        let json = serde_json::to_string(&objects).expect("encode");
        let query = js_sys::Function::new_with_args("json, runs, now", JS_QUERY);
        let result = query
            .call3(
                &wasm_bindgen::JsValue::NULL,
                &json.into(),
                &(RUNS as f64).into(),
                &(ctx.now as f64).into(),
            )
            .expect("the JavaScript query runs");
        let result = js_sys::Array::from(&result);
        let js_ms = result.get(0).as_f64().unwrap_or(f64::NAN);
        let js_rows = result.get(1).as_f64().unwrap_or(f64::NAN);
        assert_eq!(
            js_rows as usize,
            rows.len(),
            "JavaScript and the index disagree"
        );
        lines.push(format!(
            "BENCH filter_sort_100k_js_ms {js_ms:.3} (the same query in plain JavaScript, same page, {js_rows} rows)"
        ));
        // The issue's name for the counts as the app computes them: in the browser.
        lines.push(format!(
            "BENCH counts_100k_ms {counts_ms:.3} (counts_100k_wasm_ms under the issue's name)"
        ));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = haystack;
    lines
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a benchmark: cargo xtask bench runs it"]
fn queue_100k_native() {
    for line in measure_queue("100k_native") {
        println!("{line}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a benchmark: cargo xtask bench runs it"]
fn sla_100k_native() {
    for line in measure("sla_100k_native") {
        println!("{line}");
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    #[ignore = "a benchmark: cargo xtask bench runs it"]
    fn sla_100k_wasm() {
        for line in super::measure("sla_100k_wasm") {
            web_sys_log(&line);
        }
    }

    #[wasm_bindgen_test]
    #[ignore = "a benchmark: cargo xtask bench runs it"]
    fn queue_100k_wasm() {
        for line in super::measure_queue("100k_wasm") {
            web_sys_log(&line);
        }
    }

    fn web_sys_log(line: &str) {
        wasm_bindgen_test::console_log!("{line}");
    }
}
