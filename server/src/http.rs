//! The router: one module per resource, merged here, plus the SPA and the layers every request passes.

mod extract;
mod session;
mod sync;
mod tickets;
mod workspace;

pub use extract::{ApiJson, ApiPath, ApiQuery};

use crate::AppState;
use crate::error::AppError;
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
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
        .merge(sync::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let index = state.dist.join("index.html");
    let spa = ServeDir::new(&state.dist).fallback(ServeFile::new(index));
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api", api)
        .fallback_service(spa)
        .layer(CompressionLayer::new())
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

async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("There is no API endpoint at {}.", uri.path()))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri, method: axum::http::Method) -> Response {
    let message = format!("{method} is not allowed on {}.", uri.path());
    let body = deskline_shared::api::ErrorBody {
        error: deskline_shared::api::ErrorDetail {
            code: "method_not_allowed".into(),
            message,
            field: None,
        },
    };
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}
