//! Typed client for the server's JSON API: one async function per endpoint.
//!
//! Requests are same-origin, so the browser sends the HttpOnly session cookie by itself.

use deskline_shared::Workspace;
use deskline_shared::api::{
    DemoLogins, ErrorBody, Inbox, LoginRequest, Me, PullResponse, PushRequest, PushResponse,
    ReferenceLookup, SaveView, SavedView, TicketDetail,
};
use deskline_shared::sla::SlaConfig;
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use std::fmt;
use uuid::Uuid;

/// Why a call failed, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request never got an answer: keep the work and retry later.
    Network(String),
    /// The session is missing or expired: show the sign-in page.
    Unauthorized(String),
    /// The server answered with an error body.
    Server {
        /// HTTP status.
        status: u16,
        /// Machine-readable code, e.g. `mutation_gap`.
        code: String,
        /// A sentence for the user.
        message: String,
        /// The request field at fault, e.g. `policies[1].warning_percent`.
        field: Option<String>,
    },
}

impl ApiError {
    /// Whether the server refused because our mutation numbering is out of step.
    pub fn is_mutation_gap(&self) -> bool {
        self.code() == Some("mutation_gap")
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Network(_) => None,
            ApiError::Unauthorized(_) => Some(401),
            ApiError::Server { status, .. } => Some(*status),
        }
    }

    /// The error code, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Server { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(_) => f.write_str("The server cannot be reached right now."),
            ApiError::Unauthorized(message) | ApiError::Server { message, .. } => {
                f.write_str(message)
            }
        }
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(error: gloo_net::Error) -> Self {
        ApiError::Network(error.to_string())
    }
}

/// Turns a non-2xx answer into an [`ApiError`], reading the `{error: {...}}` body when there is one.
async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let body = response.binary().await.ok();
    let body = body.and_then(|bytes| serde_json::from_slice::<ErrorBody>(&bytes).ok());
    let (code, message, field) = match body {
        Some(body) => (body.error.code, body.error.message, body.error.field),
        None => (
            format!("http_{status}"),
            format!(
                "The server answered {status} {}.",
                response.status_text().trim()
            ),
            None,
        ),
    };
    if status == 401 {
        ApiError::Unauthorized(message)
    } else {
        ApiError::Server {
            status,
            code,
            message,
            field,
        }
    }
}

/// Checks an answer without a body (204).
async fn done(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    let bytes = body(response).await?;
    serde_json::from_slice(&bytes).map_err(|e| unreadable(status, &e))
}

/// The body of a successful answer, as bytes: a JavaScript string would be converted from UTF-16
/// on its way into WebAssembly, a quarter of a second over the 90 MB of pull pages of a first
/// load at 50,000 tickets.
async fn body(response: Response) -> Result<Vec<u8>, ApiError> {
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let status = response.status();
    response.binary().await.map_err(|e| unreadable(status, &e))
}

/// An answer this page cannot read.
fn unreadable(status: u16, error: &dyn std::fmt::Display) -> ApiError {
    ApiError::Server {
        status,
        code: "bad_response".to_owned(),
        message: format!("The server sent an answer this page cannot read ({error})."),
        field: None,
    }
}

/// `POST /api/login`: signs in and sets the session cookie.
pub async fn login(email: String, password: String) -> Result<Me, ApiError> {
    let body = LoginRequest { email, password };
    let response = Request::post("/api/login").json(&body)?.send().await?;
    read(response).await
}

/// `POST /api/logout`: ends the session.
pub async fn logout() -> Result<(), ApiError> {
    done(Request::post("/api/logout").send().await?).await
}

/// `GET /api/me`: who is signed in; [`ApiError::Unauthorized`] when nobody is.
pub async fn me() -> Result<Me, ApiError> {
    read(Request::get("/api/me").send().await?).await
}

/// `GET /api/demo`: the demo sign-ins, or an error for a workspace without them.
pub async fn demo() -> Result<DemoLogins, ApiError> {
    read(Request::get("/api/demo").send().await?).await
}

/// `GET /api/workspace`: statuses, teams, agents, tags, fields and ticket types.
pub async fn workspace() -> Result<Workspace, ApiError> {
    read(Request::get("/api/workspace").send().await?).await
}

/// `GET /api/sync/pull`: tickets changed since `cookie` (whose token is `check`, when known).
pub async fn pull(
    cookie: u64,
    check: Option<u32>,
    since: u64,
    client_id: Uuid,
    limit: u32,
) -> Result<PullResponse, ApiError> {
    let mut url =
        format!("/api/sync/pull?cookie={cookie}&since={since}&client_id={client_id}&limit={limit}");
    if let Some(check) = check {
        url.push_str(&format!("&check={check}"));
    }
    read(Request::get(&url).send().await?).await
}

/// `POST /api/sync/push`: sends pending mutations in id order.
pub async fn push(request: &PushRequest) -> Result<PushResponse, ApiError> {
    // The answer's decoder is loaded before anything is sent: an answer that could not be read
    // would leave the mutations' outcomes unknown.
    crate::lazy::load_decoders().await.map_err(|_| {
        ApiError::Network("the part of the app that reads the answer is missing".to_owned())
    })?;
    let response = Request::post("/api/sync/push")
        .json(request)?
        .send()
        .await?;
    let status = response.status();
    let body = body(response).await?;
    match crate::lazy::decode_push(body).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(unreadable(status, &error)),
        // Loaded above, so not expected: the outcomes come again when the same ids are sent.
        Err(_) => Err(ApiError::Network(
            "the part of the app that reads the answer is missing".to_owned(),
        )),
    }
}

/// `GET /api/tickets/{id}`: a ticket and its timeline, oldest first.
pub async fn ticket(id: Uuid) -> Result<TicketDetail, ApiError> {
    read(Request::get(&format!("/api/tickets/{id}")).send().await?).await
}

/// `GET /api/sla`: the service levels as the server has them.
pub async fn sla() -> Result<SlaConfig, ApiError> {
    read(Request::get("/api/sla").send().await?).await
}

/// `PUT /api/sla`: replaces the service levels (leaders and admins); answers the saved
/// configuration with the calendars' time zone offsets filled in.
pub async fn save_sla(config: &SlaConfig) -> Result<SlaConfig, ApiError> {
    read(Request::put("/api/sla").json(config)?.send().await?).await
}

/// `GET /api/inbox`: the newest notifications and how many are unread.
pub async fn inbox() -> Result<Inbox, ApiError> {
    read(Request::get("/api/inbox").send().await?).await
}

/// `POST /api/inbox/{id}/read`: marks one notification read.
pub async fn inbox_read(id: i64) -> Result<(), ApiError> {
    done(
        Request::post(&format!("/api/inbox/{id}/read"))
            .send()
            .await?,
    )
    .await
}

/// `POST /api/inbox/read_all`: marks every notification read.
pub async fn inbox_read_all() -> Result<(), ApiError> {
    done(Request::post("/api/inbox/read_all").send().await?).await
}

/// `GET /api/views`: the user's saved views, in sidebar order.
pub async fn views() -> Result<Vec<SavedView>, ApiError> {
    read(Request::get("/api/views").send().await?).await
}

/// `POST /api/views`: saves a new view, last in the sidebar.
pub async fn create_view(view: &SaveView) -> Result<SavedView, ApiError> {
    read(Request::post("/api/views").json(view)?.send().await?).await
}

/// `PUT /api/views/{id}`: replaces a saved view's name, query and sort.
pub async fn update_view(id: Uuid, view: &SaveView) -> Result<SavedView, ApiError> {
    read(
        Request::put(&format!("/api/views/{id}"))
            .json(view)?
            .send()
            .await?,
    )
    .await
}

/// `DELETE /api/views/{id}`: forgets a saved view.
pub async fn delete_view(id: Uuid) -> Result<(), ApiError> {
    done(Request::delete(&format!("/api/views/{id}")).send().await?).await
}

/// `GET /api/tickets/lookup`: finds a ticket by reference across the workspace, including tickets
/// this user cannot open (then only that it exists, its status and team).
pub async fn lookup(reference: &str) -> Result<ReferenceLookup, ApiError> {
    let url = format!(
        "/api/tickets/lookup?reference={}",
        js_sys::encode_uri_component(reference)
    );
    read(Request::get(&url).send().await?).await
}
