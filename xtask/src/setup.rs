//! Installs missing tools as ../shared/TOOLCHAIN.md describes, idempotently. wasm-opt is left out:
//! the app does not run it (app/index.html says why).

use crate::{output_of, run_cmd};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path) -> Result<()> {
    wasm_target()?;
    wasm_bindgen(root)?;
    debian_tools()?;
    Ok(())
}

fn wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-unknown-unknown")
        });
    if !installed {
        println!("setup: adding the wasm32-unknown-unknown target");
        run_cmd(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The wasm-bindgen version pinned in Cargo.lock; the CLI must be exactly this one.
pub fn pinned_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("Cargo.lock is missing")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines.next().unwrap_or_default();
            if let Some(v) = version
                .trim()
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

fn wasm_bindgen(root: &Path) -> Result<()> {
    let pinned = pinned_wasm_bindgen(root)?;
    let cli = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = output_of("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    let want = format!("wasm-bindgen {pinned}");
    if cli != want || !runner.contains(&pinned) {
        println!("setup: installing wasm-bindgen-cli {pinned} (matches Cargo.lock)");
        // Without --locked: with it, a pinned transitive version is missing from the registry.
        run_cmd(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &pinned,
            "--force",
        ]))?;
    }
    Ok(())
}

fn debian_tools() -> Result<()> {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if !Path::new("/usr/bin/chromedriver").exists() {
        missing.push("chromium-driver");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let command = format!("apt-get update && apt-get install -y {}", missing.join(" "));
    let is_root = output_of("id", &["-u"]).as_deref() == Some("0");
    if !is_root {
        bail!(
            "these Debian packages are missing: {}. Run as root:\n    {command}",
            missing.join(", ")
        );
    }
    println!("setup: installing {} with apt-get", missing.join(", "));
    let quiet = [("DEBIAN_FRONTEND", "noninteractive")];
    run_cmd(Command::new("apt-get").args(["update", "-qq"]).envs(quiet))?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .envs(quiet);
    run_cmd(&mut install)
}
