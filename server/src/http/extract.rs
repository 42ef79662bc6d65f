//! Extractors that turn axum's rejections into our JSON errors with a sentence that names the problem.

use crate::error::AppError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// `Json<T>` whose failures are 400/415/422 `AppError`s.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(&rejection)),
        }
    }
}

fn json_error(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::bad_request(
            "Send the body as JSON with the header Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            AppError::bad_request(format!("The body is not valid JSON: {}", inner(e)))
        }
        JsonRejection::JsonDataError(e) => {
            let detail = inner(e);
            AppError::Invalid {
                field: field_of(&detail),
                message: format!("The body does not fit this endpoint: {detail}"),
            }
        }
        other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(
            "The body is larger than this endpoint takes; send less at a time.".to_owned(),
        ),
        other => {
            AppError::bad_request(format!("The body could not be read: {}", other.body_text()))
        }
    }
}

/// The innermost error text (serde's own words, with line and column).
fn inner(e: &dyn std::error::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// serde names the field in messages like "unknown field `colour`" or "missing field `title`".
fn field_of(detail: &str) -> Option<String> {
    let start = detail.find('`')? + 1;
    let len = detail[start..].find('`')?;
    Some(detail[start..start + len].to_owned())
}

/// `Query<T>` whose failures are 400s naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let detail = inner(&e);
                Err(AppError::BadRequest {
                    field: field_of(&detail),
                    message: format!("The query string is not valid: {detail}"),
                })
            }
            Err(other) => Err(AppError::bad_request(other.body_text())),
        }
    }
}

/// `Path<T>` whose failures are 400s ("... is not a ticket id").
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(AppError::bad_request(
                format!("The address is not valid: {}", e.body_text()),
            )),
            Err(other) => Err(AppError::bad_request(other.body_text())),
        }
    }
}
