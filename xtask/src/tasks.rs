//! `run`, `test` and `bench`.

use crate::{run_cmd, run_quiet, setup};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// In CI (`CI` set) a build is never resumed, so cargo keeps no incremental state: it would only
/// take disk, and a clean run's disk is what CI ran out of.
pub(crate) fn for_ci(mut cmd: Command) -> Command {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

fn server_binary(root: &Path) -> PathBuf {
    root.join("target/debug/deskline-server")
}

pub fn run(root: &Path, server_args: &[String]) -> Result<()> {
    setup::run(root)?;
    crate::app::build(root)?;
    run_quiet(for_ci(Command::new("cargo")).args(["build", "--quiet", "-p", "deskline-server"]))?;
    let args: Vec<&String> = server_args.iter().filter(|a| *a != "--").collect();
    run_cmd(
        Command::new(server_binary(root))
            .args(args)
            .env("DESKLINE_DIST", root.join("dist")),
    )
}

/// Totals of `test result:` lines seen so far.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    fn read(&mut self, line: &str) {
        // "test result: ok. 21 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.1s"
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let n = |i: usize| {
                words
                    .get(i)
                    .and_then(|w| w.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            match words.as_slice() {
                [_, _, "passed"] => self.passed += n(1),
                [_, "passed"] => self.passed += n(0),
                [_, "failed"] => self.failed += n(0),
                [_, "ignored"] => self.ignored += n(0),
                _ => {}
            }
        }
    }
}

/// Runs a cargo test command, streaming its output and counting its results.
fn cargo_test(
    tally: &mut Tally,
    title: &str,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> Result<bool> {
    println!("\n== {title}");
    let mut child = for_ci(Command::new("cargo"))
        .arg("test")
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start cargo test")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut out = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        tally.read(&line);
        writeln!(out, "{line}")?;
    }
    Ok(child.wait()?.success())
}

pub fn test(root: &Path, extra: &[String]) -> Result<()> {
    setup::run(root)?;
    crate::app::build(root)?;
    let filter: Vec<&str> = extra
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--")
        .collect();
    let mut tally = Tally::default();
    let mut ok = true;

    let mut native = vec![
        "-p",
        "deskline-shared",
        "-p",
        "deskline-server",
        "-p",
        "xtask",
    ];
    if !filter.is_empty() {
        native.push("--");
        native.extend(&filter);
    }
    ok &= cargo_test(
        &mut tally,
        "unit, property and server integration tests",
        &native,
        &[],
    )?;

    let chromedriver = Path::new("/usr/bin/chromedriver");
    ok &= cargo_test(
        &mut tally,
        "wasm tests in headless Chromium",
        &[
            "-p",
            "deskline-shared",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "web",
        ],
        &[("CHROMEDRIVER", chromedriver)],
    )?;
    ok &= cargo_test(
        &mut tally,
        "the app's own tests in headless Chromium (local copy, formatting)",
        &["-p", "deskline-app", "--target", "wasm32-unknown-unknown"],
        &[("CHROMEDRIVER", chromedriver)],
    )?;

    let server = server_binary(root);
    let dist = root.join("dist");
    let mut e2e = vec!["-p", "deskline-e2e"];
    if !filter.is_empty() {
        e2e.push("--");
        e2e.extend(&filter);
    }
    ok &= cargo_test(
        &mut tally,
        "end-to-end tests in headless Chromium",
        &e2e,
        &[
            ("DESKLINE_SERVER_BIN", &server),
            ("DESKLINE_DIST", &dist),
            ("CHROMEDRIVER", chromedriver),
            ("DESKLINE_ROOT", root),
        ],
    )?;

    println!(
        "\n{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.ignored
    );
    if !ok || tally.failed > 0 {
        bail!("some tests failed");
    }
    if tally.passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

pub fn bench(root: &Path) -> Result<()> {
    setup::run(root)?;
    crate::app::build(root)?;
    let mut figures: Vec<Figure> = Vec::new();
    // What the page fetches before it shows anything, as index.html lists it; the split modules
    // it prefetches once idle are counted apart, as is the export worker (fetched on the first
    // XLSX export).
    let dist = root.join("dist");
    let (startup, later) = crate::app::startup_files(&dist)?;
    let mut total_gzip = 0u64;
    let mut by_kind: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for name in &startup {
        let path = dist.join(name);
        let kind = if name.ends_with(".wasm") {
            "wasm"
        } else if name.ends_with(".css") {
            "css"
        } else {
            "js"
        };
        let gzip = gzip_size(&path)?;
        let entry = by_kind.entry(kind).or_default();
        entry.0 += std::fs::metadata(&path)?.len();
        entry.1 += gzip;
        total_gzip += gzip;
    }
    for (kind, (raw, gzip)) in by_kind {
        figures.push(Figure::bytes(format!("bundle_{kind}_bytes"), raw, None));
        figures.push(Figure::bytes(
            format!("bundle_{kind}_gzip_bytes"),
            gzip,
            None,
        ));
    }
    let mut lazy_gzip = 0u64;
    for name in &later {
        lazy_gzip += gzip_size(&dist.join(name))?;
    }
    let mut worker_gzip = 0u64;
    for name in [
        "deskline-export_loader.js",
        "deskline-export.js",
        "deskline-export_bg.wasm",
    ] {
        worker_gzip += gzip_size(&dist.join(name))?;
    }
    figures.push(Figure::bytes(
        "bundle_gzip_bytes".into(),
        total_gzip,
        Some(300_000.0),
    ));
    figures.push(Figure::bytes(
        "bundle_lazy_gzip_bytes".into(),
        lazy_gzip,
        None,
    ));
    figures.push(Figure::bytes(
        "export_worker_gzip_bytes".into(),
        worker_gzip,
        None,
    ));

    // The SLA engine and the queue index over 100,000 tickets, natively and in headless Chromium
    // (release builds), with the same query in plain JavaScript in the same page as the baseline.
    let chromedriver = Path::new("/usr/bin/chromedriver");
    let native = bench_lines(
        &[
            "-p",
            "deskline-shared",
            "--profile",
            "bench-server",
            "--test",
            "bench",
            "--",
            "--ignored",
            "--nocapture",
        ],
        &[],
    )?;
    let wasm = bench_lines(
        &[
            "-p",
            "deskline-shared",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "bench",
            "--",
            "--include-ignored",
            "--nocapture",
        ],
        &[("CHROMEDRIVER", chromedriver)],
    )?;
    // The sync endpoints over real HTTP against a server on a temporary SQLite file.
    let sync = bench_lines(
        &[
            "-p",
            "deskline-server",
            "--profile",
            "bench-server",
            "--test",
            "bench_sync",
            "--",
            "--ignored",
            "--nocapture",
        ],
        &[],
    )?;
    // The whole app in headless Chromium against that server, built the same way, holding 50,000
    // and 100,000 demo tickets.
    run_quiet(for_ci(Command::new("cargo")).args([
        "build",
        "-p",
        "deskline-server",
        "--profile",
        "bench-server",
    ]))?;
    let server_bin = root.join("target/bench-server/deskline-server");
    let dist = root.join("dist");
    let browser = bench_lines(
        &[
            "-p",
            "deskline-e2e",
            "--test",
            "bench_browser",
            "--",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ],
        &[
            ("CHROMEDRIVER", chromedriver),
            ("DESKLINE_SERVER_BIN", &server_bin),
            ("DESKLINE_DIST", &dist),
        ],
    )?;
    for (name, value) in native.into_iter().chain(wasm).chain(sync).chain(browser) {
        let budget = match name.as_str() {
            "sla_100k_wasm_ms" => Some(20.0),
            "filter_sort_100k_wasm_ms" => Some(2.0),
            "keystroke_to_paint_100k_p95_ms" => Some(16.0),
            "warm_reload_50k_ms" => Some(700.0),
            "bootstrap_50k_ms" => Some(5_000.0),
            "push_mutations_per_s" => Some(2_000.0),
            "push_p99_ms" => Some(20.0),
            "pull_1000_changes_ms" => Some(20.0),
            _ => None,
        };
        let unit = if name.ends_with("_per_s") {
            "per_s"
        } else {
            "ms"
        };
        figures.push(Figure {
            name,
            value,
            unit,
            budget,
        });
    }

    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        crate::output_of("uname", &["-srm"]).unwrap_or_default()
    );
    println!(
        "{:<34} {:>12} {:<6} {:>10}",
        "figure", "value", "unit", "budget"
    );
    let mut json = format!("{{\"machine\": \"{machine}\", \"figures\": [");
    for (i, f) in figures.iter().enumerate() {
        let budget_text = f.budget.map_or("-".to_owned(), |b| b.to_string());
        println!(
            "{:<34} {:>12} {:<6} {budget_text:>10}",
            f.name, f.value, f.unit
        );
        let budget_json = f.budget.map_or("null".to_owned(), |b| b.to_string());
        let sep = if i == 0 { "" } else { ", " };
        json.push_str(&format!(
            "{sep}{{\"name\": \"{}\", \"value\": {}, \"unit\": \"{}\", \"budget\": {budget_json}}}",
            f.name, f.value, f.unit
        ));
    }
    json.push_str("]}\n");
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("report.json"), json)?;
    println!("machine: {machine}\nwrote target/bench/report.json");
    Ok(())
}

/// One line of the benchmark report.
struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    budget: Option<f64>,
}

impl Figure {
    fn bytes(name: String, value: u64, budget: Option<f64>) -> Figure {
        Figure {
            name,
            value: value as f64,
            unit: "bytes",
            budget,
        }
    }
}

/// Runs `cargo test` with `args` and returns the `BENCH name value` lines it printed.
fn bench_lines(args: &[&str], envs: &[(&str, &Path)]) -> Result<Vec<(String, f64)>> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("test").args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .context("could not run cargo test for a benchmark")?;
    if !out.status.success() {
        bail!(
            "benchmark `cargo test {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The browser runner relays console output on either stream.
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(parse_bench(&text))
}

/// `BENCH name value ...` lines, wherever they appear in a line of test output.
fn parse_bench(output: &str) -> Vec<(String, f64)> {
    output
        .lines()
        .filter_map(|line| {
            let rest = &line[line.find("BENCH ")? + 6..];
            let mut words = rest.split_whitespace();
            let name = words.next()?.to_owned();
            let value = words.next()?.parse().ok()?;
            Some((name, value))
        })
        .collect()
}

fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .context("gzip is needed to measure the bundle")?;
    if !out.status.success() {
        bail!("gzip failed on {}", path.display());
    }
    Ok(out.stdout.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_reads_cargo_summaries() {
        let mut t = Tally::default();
        t.read("test result: ok. 21 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 1.13s");
        t.read("test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.1s");
        t.read("running 4 tests");
        assert_eq!((t.passed, t.failed, t.ignored), (24, 1, 2));
    }

    #[test]
    fn bench_lines_are_found_in_test_output() {
        let out = "running 1 test\nBENCH sla_100k_native_ms 12.5 (on track 3)\ntest x ... ok\n  log: BENCH sla_100k_wasm_ms 19\nBENCH broken\n";
        assert_eq!(
            parse_bench(out),
            [
                ("sla_100k_native_ms".to_owned(), 12.5),
                ("sla_100k_wasm_ms".to_owned(), 19.0)
            ]
        );
    }

    #[test]
    fn the_pinned_wasm_bindgen_is_read_from_the_lockfile() {
        let root = crate::workspace_root().unwrap();
        let version = crate::setup::pinned_wasm_bindgen(&root).unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("wasm-bindgen = \"={version}\"")),
            "Cargo.toml must pin wasm-bindgen to {version}"
        );
    }
}
