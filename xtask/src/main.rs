//! Developer commands: `cargo xtask setup | build | run | test | bench`.
//!
//! `setup` installs what is missing (and nothing else), so every other command can start with it and
//! stay quiet when the machine is ready.

mod app;
mod setup;
mod tasks;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    match command.as_str() {
        "setup" => setup::run(&root),
        "build" => setup::run(&root).and_then(|()| app::build(&root)),
        "run" => tasks::run(&root, &rest),
        "test" => tasks::test(&root, &rest),
        "bench" => tasks::bench(&root),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

const USAGE: &str = "usage: cargo xtask <command>

  setup   install missing tools: wasm target, wasm-bindgen CLI, Chromium, chromedriver
  build   setup, then build the app into dist/ (release; skipped when dist/ is up to date)
  run     setup, build the app, then serve workspace and API on 127.0.0.1:8080
          (flags after `--` go to the server, e.g. `cargo xtask run -- --port 9000 --preset service-desk`)
  test    setup, build the app, then every test: unit, property, server integration,
          wasm in headless Chromium, end-to-end in headless Chromium
  bench   measure the budgets of DESIGN.md §8 (sizes, engine, sync, whole app in Chromium); writes target/bench/report.json";

fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask is not inside the workspace")
}

/// Runs a command, inheriting stdio; fails with the command line when it fails.
pub(crate) fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// Runs a command quietly; on failure prints what it said and fails.
pub(crate) fn run_quiet(cmd: &mut Command) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !out.status.success() {
        eprint!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        bail!("{cmd:?} failed ({})", out.status);
    }
    Ok(())
}

/// The first line a command prints, or `None` if it cannot run.
pub(crate) fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}
