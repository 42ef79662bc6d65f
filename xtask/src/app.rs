//! Builds the browser app into `dist/`, which the server serves.
//!
//! 1. cargo builds the app (with its `split` feature) and the XLSX export worker for wasm32, in one
//!    release build.
//! 2. The app's module is split at the split points of `app/src/lazy.rs`
//!    (`wasm_split_cli_support`, the library cargo-leptos uses): a main module with what the first
//!    paint of the queue needs, one module per split point, and chunks of code two or more of them
//!    share, plus the JavaScript that fetches and links them.
//! 3. wasm-bindgen writes the JavaScript glue of the main module (`--target web`) and of the
//!    worker (`--target no-modules`, started by a two-line loader).
//! 4. Every file the page references gets a content hash in its name (`style-<hash>.css`; the
//!    app's files share the hash of the module cargo built), so a browser may keep it for good,
//!    and `app/index.html` is filled in with those names.
//! 5. Each file gets a gzip copy at the best level, which the server sends as it is.
//!
//! The service worker finds the files to keep offline in index.html: the split modules are listed
//! there as `<link rel="prefetch">`, which the browser also fetches once the page is idle.

use crate::run_quiet;
use anyhow::{Context, Result, bail};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// What `dist/` depends on: a build newer than all of these is kept (the xtask and the cargo
/// config included: they are how the app is built).
const INPUTS: [&str; 8] = [
    "app",
    "export",
    "shared",
    "public",
    "xtask",
    ".cargo",
    "Cargo.lock",
    "Cargo.toml",
];

/// Builds the app in release mode, unless `dist/` is newer than every input.
pub fn build(root: &Path) -> Result<()> {
    let dist = root.join("dist");
    let built = newest_mtime(&dist.join("index.html"));
    let newest = INPUTS
        .iter()
        .filter_map(|p| newest_mtime(&root.join(p)))
        .max();
    let fresh = matches!((built, newest), (Some(built), Some(newest)) if built > newest);
    if !fresh {
        println!("building the app (cargo build --release, wasm-split, wasm-bindgen)");
        let staging = root.join("target/dist-staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        assemble(root, &staging)?;
        if dist.exists() {
            keep_previous_build(&dist, &staging)?;
            std::fs::remove_dir_all(&dist)?;
        }
        std::fs::rename(&staging, &dist)?;
    }
    precompress(&dist)
}

/// Copies the previous build's app files (its glue, main module and split modules, named by its
/// hash) into the new build: a tab still running it loads its parts from them after the deploy,
/// instead of getting index.html for a file that is gone. One build back only, so they do not pile
/// up.
fn keep_previous_build(dist: &Path, staging: &Path) -> Result<()> {
    let Ok(index) = std::fs::read_to_string(dist.join("index.html")) else {
        return Ok(());
    };
    let Some(hash) = index
        .split("/deskline-app-")
        .nth(1)
        .and_then(|rest| rest.get(..16))
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Ok(());
    };
    let tag = format!("-{hash}");
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let to = staging.join(name);
        if name.contains(&tag) && !name.ends_with(".gz") && !to.exists() {
            std::fs::copy(&path, &to)?;
        }
    }
    Ok(())
}

/// The files of the page, by the name `app/index.html` refers to them with.
#[derive(Default)]
struct Names(BTreeMap<&'static str, String>);

fn assemble(root: &Path, out: &Path) -> Result<()> {
    run_quiet(
        crate::tasks::for_ci(Command::new("cargo"))
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "deskline-app",
                "--features",
                "deskline-app/split",
                "-p",
                "deskline-export",
            ])
            .current_dir(root),
    )?;
    let wasm_dir = root.join("target/wasm32-unknown-unknown/release");
    let mut names = Names::default();
    let lazy = split_app(&wasm_dir.join("deskline-app.wasm"), out, &mut names)?;
    export_worker(&wasm_dir.join("deskline-export.wasm"), out)?;

    let css = minify_css(&std::fs::read_to_string(root.join("public/style.css"))?);
    names.insert(
        "style.css",
        hashed_copy(out, "style", "css", css.as_bytes())?,
    );
    let favicon = std::fs::read(root.join("public/favicon.svg"))?;
    names.insert("favicon.svg", hashed_copy(out, "favicon", "svg", &favicon)?);
    for (from, to) in [
        ("public/manifest.webmanifest", "manifest.webmanifest"),
        ("public/icon.svg", "icon.svg"),
        ("public/icon-192.png", "icon-192.png"),
        ("public/icon-512.png", "icon-512.png"),
        ("app/sw.js", "sw.js"),
    ] {
        std::fs::copy(root.join(from), out.join(to)).with_context(|| format!("copying {from}"))?;
    }

    let template = std::fs::read_to_string(root.join("app/index.html"))?;
    let prefetch: String = lazy
        .iter()
        .map(|name| format!("<link rel=\"prefetch\" href=\"/{name}\" as=\"fetch\" crossorigin>"))
        .collect();
    let html = fill(&template, &names, &prefetch)?;
    std::fs::write(out.join("index.html"), html)?;
    Ok(())
}

impl Names {
    fn insert(&mut self, key: &'static str, name: String) {
        self.0.insert(key, name);
    }
}

/// Splits the app's module, then runs wasm-bindgen on its main part. Returns the names of the
/// modules fetched later (split points and shared chunks).
fn split_app(input: &Path, out: &Path, names: &mut Names) -> Result<Vec<String>> {
    let wasm = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    // The names change whenever the files may: with the module, and with how it is split and
    // bound (this file, the locked crate versions, the wasm-bindgen CLI). A browser keeps a
    // hashed file for good, so one name must never stand for two contents.
    let bindgen = crate::output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let hash = content_hash(
        &[
            wasm.as_slice(),
            include_bytes!("app.rs"),
            include_bytes!("../../Cargo.lock"),
            bindgen.as_bytes(),
        ]
        .concat(),
    );
    let app = format!("deskline-app-{hash}");
    let link = format!("__wasm_split-{hash}.js");
    let split_dir = out.join("split");
    let main = split_dir.join("main.wasm");
    let main_module = format!("./{app}.js");
    let link_name = format!("./{link}");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = &split_dir;
        opts.main_out_path = &main;
        opts.main_module = &main_module;
        opts.link_name = &link_name;
        opts
    })
    .map_err(|e| anyhow::anyhow!("splitting {}: {e:#}", input.display()))?;

    // The split modules get the build's hash in their names too, and the link module fetches
    // them by those names.
    let mut link_js = std::fs::read_to_string(split_dir.join(&link))?;
    let mut lazy = Vec::new();
    for path in &split.split_modules {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a split module without a name")?;
        let named = format!("{stem}-{hash}.wasm");
        let reference = format!("\"./{stem}.wasm\"");
        if !link_js.contains(&reference) {
            bail!("the split link module does not load {stem}.wasm");
        }
        link_js = link_js.replace(&reference, &format!("\"./{named}\""));
        std::fs::rename(path, out.join(&named))?;
        lazy.push(named);
    }
    std::fs::write(out.join(&link), link_js)?;

    run_quiet(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The split modules import the function table, which wasm-bindgen drops otherwise.
                "--keep-lld-exports",
                "--out-name",
                &app,
                "--out-dir",
            ])
            .arg(out)
            .arg(&main),
    )?;
    std::fs::remove_dir_all(&split_dir)?;
    names.insert("app.js", format!("{app}.js"));
    names.insert("app.wasm", format!("{app}_bg.wasm"));
    names.insert("split.js", link);
    lazy.sort();
    Ok(lazy)
}

/// The XLSX export worker: wasm-bindgen's classic-script glue and a loader that starts it. The
/// app starts it by these fixed names (the service worker lists them).
fn export_worker(input: &Path, out: &Path) -> Result<()> {
    run_quiet(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-typescript",
                "--out-name",
                "deskline-export",
                "--out-dir",
            ])
            .arg(out)
            .arg(input),
    )?;
    std::fs::write(
        out.join("deskline-export_loader.js"),
        "importScripts(\"./deskline-export.js\");\nwasm_bindgen(\"./deskline-export_bg.wasm\");\n",
    )?;
    Ok(())
}

/// The first 16 hex digits of the SHA-256 of `bytes`.
fn content_hash(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` as `<stem>-<hash>.<ext>` into `out` and returns that name.
fn hashed_copy(out: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<String> {
    let name = format!("{stem}-{}.{ext}", content_hash(bytes));
    std::fs::write(out.join(&name), bytes)?;
    Ok(name)
}

/// Fills `{{name}}` in the template with the hashed file names and `{{prefetch}}` with the
/// prefetch links; a name the build did not produce is an error, not an empty reference.
fn fill(template: &str, names: &Names, prefetch: &str) -> Result<String> {
    let mut html = String::with_capacity(template.len() + prefetch.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        html.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .context("app/index.html has a `{{` without its `}}`")?;
        let key = after[..end].trim();
        match (key, names.0.get(key)) {
            ("prefetch", _) => html.push_str(prefetch),
            (_, Some(name)) => html.push_str(name),
            (_, None) => {
                bail!("app/index.html refers to {{{{{key}}}}}, which the build does not make")
            }
        }
        rest = &after[end + 2..];
    }
    html.push_str(rest);
    Ok(html)
}

/// Drops comments and the whitespace around punctuation and at line starts: our stylesheet
/// has no strings or URLs containing `/*`, and keeps one space wherever a space separates words.
fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for c in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            // A space before `:` may be a descendant combinator (`.a :hover`), so it stays.
            let last = out.chars().last();
            let after = |c: char| matches!(c, '{' | '}' | ';' | ':' | ',' | '>');
            let before = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
            if last.is_some_and(|l| !after(l)) && !before(c) {
                out.push(' ');
            }
            space = false;
        }
        out.push(c);
        // A string goes as it is: its spaces, `/*` and `;` are text.
        if c == '"' || c == '\'' {
            while let Some(s) = chars.next() {
                out.push(s);
                if s == '\\' {
                    out.extend(chars.next());
                } else if s == c {
                    break;
                }
            }
        }
    }
    out
}

/// Writes `NAME.gz` beside each file of the app that lacks a fresh one, at gzip's best level: the
/// server sends those as they are (it compresses what it answers at the fastest level).
fn precompress(dist: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "webmanifest") {
            continue;
        }
        let mut gz = path.clone().into_os_string();
        gz.push(".gz");
        let gz = PathBuf::from(gz);
        if newest_mtime(&gz) >= newest_mtime(&path) {
            continue;
        }
        run_quiet(
            Command::new("gzip")
                .args(["-9", "-k", "-f", "-n"])
                .arg(&path),
        )?;
    }
    Ok(())
}

/// The files the page fetches before it shows anything, by reading `dist/index.html` as the
/// browser does: its stylesheet, its module script and the modules that imports, and the wasm it
/// preloads. Files behind `rel="prefetch"` (the split modules) come later.
pub fn startup_files(dist: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let html = std::fs::read_to_string(dist.join("index.html"))?;
    let mut now = Vec::new();
    let mut later = Vec::new();
    for tag in html.split('<').skip(1) {
        let Some(href) = attribute(tag, "href") else {
            continue;
        };
        let Some(name) = href.strip_prefix('/') else {
            continue;
        };
        if !(name.ends_with(".js") || name.ends_with(".wasm") || name.ends_with(".css")) {
            continue;
        }
        if attribute(tag, "rel").as_deref() == Some("prefetch") {
            later.push(name.to_owned());
        } else {
            now.push(name.to_owned());
        }
    }
    if now.is_empty() {
        bail!("dist/index.html references no script, module or stylesheet");
    }
    Ok((now, later))
}

/// The value of `name="…"` in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_owned())
}

pub fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_gets_every_name_and_an_unknown_one_fails() {
        let mut names = Names::default();
        names.insert("app.js", "deskline-app-1f.js".into());
        let html = fill("<a href=\"/{{app.js}}\">{{ prefetch }}</a>", &names, "<p>").unwrap();
        assert_eq!(html, "<a href=\"/deskline-app-1f.js\"><p></a>");
        let error = fill("{{style.css}}", &names, "").unwrap_err().to_string();
        assert!(error.contains("{{style.css}}"), "{error}");
        assert!(fill("{{app.js", &names, "").is_err());
    }

    #[test]
    fn css_loses_comments_and_spare_whitespace_but_not_word_gaps() {
        let css =
            "/* head */\n.a > .b,\n.c :hover {\n  margin: 0 auto; /* why */\n  color: red;\n}\n";
        assert_eq!(minify_css(css), ".a>.b,.c :hover{margin:0 auto;color:red;}");
    }

    #[test]
    fn css_strings_are_kept_as_they_are() {
        let css = ".a::before { content: \"a  /* b */ ; c\" ; }\n.b { content: '\\'  x' }";
        assert_eq!(
            minify_css(css),
            ".a::before{content:\"a  /* b */ ; c\";}.b{content:'\\'  x'}"
        );
    }

    #[test]
    fn the_previous_builds_app_files_are_kept_one_generation() {
        let root = std::env::temp_dir().join(format!("xtask-keep-{}", std::process::id()));
        let (dist, staging) = (root.join("dist"), root.join("staging"));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::create_dir_all(&staging).unwrap();
        let old = "0123456789abcdef";
        std::fs::write(
            dist.join("index.html"),
            format!("<script type=module src=\"/deskline-app-{old}.js\">"),
        )
        .unwrap();
        for name in [
            format!("deskline-app-{old}.js"),
            format!("split_ticket_view-{old}.wasm"),
            format!("split_ticket_view-{old}.wasm.gz"),
            "chunk_1-fedcba9876543210.wasm".into(),
            "sw.js".into(),
        ] {
            std::fs::write(dist.join(name), "x").unwrap();
        }
        keep_previous_build(&dist, &staging).unwrap();
        let mut kept: Vec<_> = std::fs::read_dir(&staging)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            [
                format!("deskline-app-{old}.js"),
                format!("split_ticket_view-{old}.wasm")
            ]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn startup_and_later_files_are_told_apart() {
        let dir = std::env::temp_dir().join(format!("xtask-startup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<link rel=\"stylesheet\" href=\"/style-1.css\"><link rel=\"icon\" href=\"/f.svg\">\
             <link rel=\"modulepreload\" href=\"/app-1.js\"><link rel=\"preload\" href=\"/app-1_bg.wasm\" as=\"fetch\">\
             <link rel=\"prefetch\" href=\"/split_a-1.wasm\" as=\"fetch\">",
        )
        .unwrap();
        let (now, later) = startup_files(&dir).unwrap();
        assert_eq!(now, ["style-1.css", "app-1.js", "app-1_bg.wasm"]);
        assert_eq!(later, ["split_a-1.wasm"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
