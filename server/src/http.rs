//! The router: one module per resource, merged here, plus the SPA and the layers every request passes.

mod extract;
mod session;
mod sla;
mod sync;
pub use sync::MAX_PUSH_BYTES;
mod tickets;
mod views;
mod workspace;

pub use extract::{ApiJson, ApiPath, ApiQuery};

use crate::AppState;
use crate::error::AppError;
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The whole application, testable without a socket.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(session::router())
        .merge(workspace::router())
        .merge(tickets::router())
        .merge(sync::router(state.max_push_bytes))
        .merge(sla::router())
        .merge(views::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let csp = content_security_policy(&state.dist);
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api", api)
        .merge(shell(&state.dist))
        // The fastest level: a pull page of 1,000 tickets is 1.8 MB of JSON, which level 6 takes
        // 34 ms to compress and level 1 14 ms, for 296 KB instead of 225 KB.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked");
            AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), uri = %req.uri(), id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The built app: the files in `dist`, and index.html for any other path (the app routes
/// itself). `/api` is nested before this, so an API path never gets the app.
///
/// HTML and the service worker are revalidated on every load (`no-cache`): that is how a new build
/// reaches a browser, and the service worker is what keeps the rest offline. The other files have
/// a content hash in their names (`cargo xtask build`). `.js` is served as `text/javascript` and `.webmanifest` as
/// `application/manifest+json` (by their extensions), which the service worker registration and
/// the manifest need.
fn shell<S: Clone + Send + Sync + 'static>(dist: &Path) -> Router<S> {
    let no_cache = HeaderValue::from_static("no-cache");
    // `cargo xtask` writes a gzip copy of each file beside it (`precompress`), sent as it is.
    let files = ServeDir::new(dist)
        .precompressed_gzip()
        .fallback(ServeFile::new(dist.join("index.html")).precompressed_gzip());
    let worker = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            no_cache.clone(),
        ))
        .service(ServeFile::new(dist.join("sw.js")));
    Router::new()
        .route_service("/sw.js", worker)
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            move |res: &Response| {
                let html = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/html"));
                html.then(|| no_cache.clone())
            },
        ))
}

async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("There is no API endpoint at {}.", uri.path()))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri, method: axum::http::Method) -> AppError {
    AppError::MethodNotAllowed(format!("{method} is not allowed on {}.", uri.path()))
}

/// The Content-Security-Policy of every response: scripts only from this origin plus the inline
/// bootstrap in index.html (allowed by its hash, read when the router is built, so
/// rebuild the app before starting the server), wasm compilation, no plugins, frames or foreign
/// connections. Styles allow inline attributes, which the app uses for status colours. The service
/// worker (`worker-src`, which falls back to `script-src`), its fetches (`connect-src`) and the
/// web app manifest (`manifest-src`, which falls back to `default-src`) are all same-origin, so
/// `'self'` already allows them.
fn content_security_policy(dist: &std::path::Path) -> HeaderValue {
    use base64::Engine as _;
    use sha2::Digest as _;
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    let hashes: String = inline_scripts(&html)
        .into_iter()
        .map(|body| {
            let digest = sha2::Sha256::digest(body.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The bodies of the `<script>` elements without a `src`, exactly as the browser hashes them.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let element = &rest[start..];
        let Some(open_end) = element.find('>') else {
            break;
        };
        let Some(length) = element[open_end + 1..].find("</script>") else {
            break;
        };
        if !element[..open_end].contains("src=") {
            scripts.push(&element[open_end + 1..open_end + 1 + length]);
        }
        rest = &element[open_end + 1 + length..];
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<script type=module>import init from '/a.js';\nawait init();</script><script src=/b.js></script><p><script>x()</script>";
        assert_eq!(
            inline_scripts(html),
            ["import init from '/a.js';\nawait init();", "x()"]
        );
        assert!(inline_scripts("<script type=module>unterminated").is_empty());
    }

    #[test]
    fn the_policy_allows_the_bootstrap_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<script type=module>boot()</script>",
        )
        .unwrap();
        let policy = content_security_policy(dir.path());
        let policy = policy.to_str().unwrap();
        // sha256("boot()"), base64: computed independently with `printf 'boot()' | openssl dgst -sha256 -binary | base64`.
        assert!(
            policy.contains("'sha256-MeZS89WlF0u+o0hCvHTBt4q1WHU+U+sJKgbdRUc36mY='"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"));
    }

    #[tokio::test]
    async fn the_shell_serves_the_worker_fresh_and_the_app_for_unknown_paths() {
        use axum::body::Body;
        use tower::ServiceExt as _;
        // Setup: a dist folder as `cargo xtask build` writes it.
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("index.html", "<!doctype html><title>Deskline</title>"),
            ("sw.js", "self.addEventListener('fetch', () => {});"),
            ("manifest.webmanifest", "{\"name\":\"Deskline\"}"),
            ("app-0123456789abcdef.js", "export {};"),
        ];
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let get = |path: &'static str| {
            let shell = shell::<()>(dir.path());
            async move {
                let req = Request::get(path).body(Body::empty()).unwrap();
                let res = shell.oneshot(req).await.unwrap();
                let header = |name| {
                    res.headers()
                        .get(name)
                        .map(|v: &HeaderValue| v.to_str().unwrap().to_owned())
                };
                (
                    res.status().as_u16(),
                    header(header::CONTENT_TYPE),
                    header(header::CACHE_CONTROL),
                )
            }
        };
        // Exec and check.
        let no_cache = Some("no-cache".to_owned());
        let (status, kind, cache) = get("/sw.js").await;
        assert_eq!(status, 200);
        assert!(kind.unwrap().contains("javascript"));
        assert_eq!(cache, no_cache);
        let (status, kind, cache) = get("/manifest.webmanifest").await;
        assert_eq!(
            (status, kind.as_deref()),
            (200, Some("application/manifest+json"))
        );
        assert_eq!(cache, None);
        for path in ["/", "/tickets/42"] {
            let (status, kind, cache) = get(path).await;
            assert_eq!(status, 200, "{path}");
            assert!(kind.unwrap().starts_with("text/html"), "{path}");
            assert_eq!(cache, no_cache, "{path}");
        }
        let (_, _, cache) = get("/app-0123456789abcdef.js").await;
        assert_eq!(cache, None, "hashed files may be cached");
    }

    #[tokio::test]
    async fn a_gzip_copy_beside_a_file_is_sent_as_it_is_to_browsers_that_take_gzip() {
        use axum::body::{Body, to_bytes};
        use tower::ServiceExt as _;
        // Setup: a file with the copy `cargo xtask` writes, and one without.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dir.path().join("app.js"), "export {};").unwrap();
        std::fs::write(dir.path().join("app.js.gz"), b"pretend gzip bytes").unwrap();
        std::fs::write(dir.path().join("other.js"), "export {};").unwrap();
        let get = |path: &'static str, gzip: bool| {
            let shell = shell::<()>(dir.path());
            async move {
                let mut req = Request::get(path);
                if gzip {
                    req = req.header(header::ACCEPT_ENCODING, "gzip");
                }
                let res = shell
                    .oneshot(req.body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let encoding = res
                    .headers()
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap().to_owned());
                let body = to_bytes(res.into_body(), usize::MAX).await.unwrap();
                (encoding, body)
            }
        };
        // Exec and check: the copy to those who take gzip, the file to others, and a file
        // without a copy as it is (the router's compression layer, not tested here, gzips it).
        let (encoding, body) = get("/app.js", true).await;
        assert_eq!(encoding.as_deref(), Some("gzip"));
        assert_eq!(&body[..], b"pretend gzip bytes");
        let (encoding, body) = get("/app.js", false).await;
        assert_eq!(encoding, None);
        assert_eq!(&body[..], b"export {};");
        let (encoding, body) = get("/other.js", true).await;
        assert_eq!(encoding, None);
        assert_eq!(&body[..], b"export {};");
    }
}
