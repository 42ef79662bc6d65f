//! Sign in, sign out, and who am I.

use crate::AppState;
use crate::auth::{CurrentUser, SESSION_COOKIE, verify_password};
use crate::error::{AppError, AppResult};
use crate::http::ApiJson;
use crate::store::SESSION_DAYS;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use deskline_shared::api::{DemoLogins, LoginRequest, Me};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/demo", get(demo))
}

/// A well-formed hash of no real password, so unknown emails cost the same time as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H8n0Y0RZo8C3i0rtTtWz1K9iJmS6c1kx1n1Zq7pWJ8s";

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<(CookieJar, Json<Me>)> {
    if req.email.trim().is_empty() {
        return Err(AppError::invalid(
            "email",
            "Enter the email address of your account.",
        ));
    }
    if req.password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let user = state.store.user_by_email(&req.email).await?;
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let password = req.password;
    let _slot = state
        .login_slots
        .acquire()
        .await
        .map_err(anyhow::Error::from)?;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => return Err(AppError::BadCredentials),
    };
    let token = state.store.create_session(user.id).await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time_days(SESSION_DAYS))
        .build();
    let me = Me {
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
    };
    Ok((jar.add(cookie), Json(me)))
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.store.delete_session(cookie.value()).await?;
    }
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), StatusCode::NO_CONTENT))
}

async fn me(CurrentUser(user): CurrentUser) -> Json<Me> {
    Json(Me {
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
    })
}

/// The demo accounts, so someone trying Deskline can sign in without reading the terminal. Only a
/// workspace created with demo data answers; any other gets 404.
async fn demo(State(state): State<AppState>) -> AppResult<Json<DemoLogins>> {
    if !state.store.is_demo().await? {
        return Err(AppError::NotFound(
            "This workspace has no demo accounts.".into(),
        ));
    }
    let accounts = state
        .workspace()
        .agents
        .iter()
        .filter(|a| a.active)
        .map(|a| Me {
            id: a.id,
            name: a.name.clone(),
            email: a.email.clone(),
            role: a.role,
        })
        .collect();
    Ok(Json(DemoLogins {
        password: crate::seed::DEMO_PASSWORD.to_owned(),
        accounts,
    }))
}
