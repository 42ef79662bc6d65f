//! The SLA budget (DESIGN §8: indicators of 100,000 tickets within 20 ms in the browser), measured
//! natively and in headless Chromium by `cargo xtask bench`, which runs these ignored tests in
//! release mode and reads the `BENCH` lines. Never run as part of `cargo xtask test`: timings on a
//! shared machine are for reports, not assertions.

use deskline_shared::sla::{Schedule, SlaEngine, SlaState, cases};

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

    fn web_sys_log(line: &str) {
        wasm_bindgen_test::console_log!("{line}");
    }
}
