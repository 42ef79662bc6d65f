//! The one error type of the HTTP layer: every failure becomes `{"error": {code, message, field?}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use deskline_shared::api::{ErrorBody, ErrorDetail};

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed: bad JSON, wrong types, unknown fields, bad query or path.
    #[error("{message}")]
    BadRequest {
        /// A sentence naming the problem.
        message: String,
        /// The field at fault, when known.
        field: Option<String>,
    },
    /// The body is well-formed but a value is not acceptable.
    #[error("{message}")]
    Invalid {
        /// A sentence naming the problem.
        message: String,
        /// The field at fault.
        field: Option<String>,
    },
    /// No valid session.
    #[error("Sign in first: this needs a valid session.")]
    Unauthenticated,
    /// Wrong email or password.
    #[error("That email and password do not match an account.")]
    BadCredentials,
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there, or nothing the caller may see.
    #[error("{0}")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is larger than the endpoint takes.
    #[error("{0}")]
    TooLarge(String),
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// A sentence naming the problem.
        message: String,
    },
    /// Our fault. Details are logged, never sent.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            message: message.into(),
            field: None,
        }
    }

    /// A 422 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// The HTTP status for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Invalid { .. } => "invalid",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed(_) => "method_not_allowed",
            AppError::Conflict { code, .. } => code,
            AppError::TooLarge(_) => "too_large",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let field = match &self {
            AppError::BadRequest { field, .. } | AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
                field,
            },
        };
        (self.status_code(), Json(body)).into_response()
    }
}

/// Shorthand for handler results.
pub type AppResult<T> = Result<T, AppError>;
