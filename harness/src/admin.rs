//! The admin HTTP API, for tests written in any language (like GreenMail standalone or
//! Mailpit): deliver a raw message, list users, mailboxes and messages as JSON, fetch a
//! message's bytes, add a user, reset the mail.
//!
//! | method and path | what it does |
//! | --- | --- |
//! | `GET /api/users` | users with their mailbox count |
//! | `POST /api/users` `{"name": …, "password": …}` | adds a user (201, 409 if it exists) |
//! | `GET /api/users/{user}/mailboxes` | mailboxes with counts, UIDVALIDITY, UIDNEXT |
//! | `GET /api/users/{user}/mailboxes/{mailbox}/messages` | UIDs, flags, sizes, dates |
//! | `GET /api/users/{user}/mailboxes/{mailbox}/messages/{uid}` | the raw message |
//! | `POST /api/users/{user}/mailboxes/{mailbox}/messages` (raw RFC 5322 body) | delivers it (201, `{"uid": n}`) |
//! | `POST /api/reset` | removes every message; users and mailboxes stay |
//!
//! Mailbox names with a hierarchy delimiter are percent-encoded (`Work%2FReports`).
//! Every change goes through the server task like an IMAP command's, so connected
//! clients see it (IDLE sessions at once).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ephemail_core::{Change, MailStore, Mailbox, Message, StoreError};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::test_server::ServerHandle;

/// Serves the admin API on `listener` until `cancel` fires.
pub(crate) async fn serve(listener: TcpListener, server: ServerHandle, cancel: CancellationToken) {
    let router = Router::new()
        .route("/api/users", get(list_users).post(add_user))
        .route("/api/users/{user}/mailboxes", get(list_mailboxes))
        .route(
            "/api/users/{user}/mailboxes/{mailbox}/messages",
            get(list_messages).post(deliver),
        )
        .route(
            "/api/users/{user}/mailboxes/{mailbox}/messages/{uid}",
            get(raw_message),
        )
        .route("/api/reset", post(reset))
        .with_state(server);
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, "admin API stopped");
    }
}

/// An error answer: a status and a JSON `{"error": …}`.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<crate::Error> for ApiError {
    fn from(error: crate::Error) -> Self {
        match error {
            crate::Error::Store(store) => store.into(),
            other => ApiError(StatusCode::SERVICE_UNAVAILABLE, other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let status = match error {
            StoreError::NoSuchUser(_) | StoreError::NoSuchMailbox(_) => StatusCode::NOT_FOUND,
            StoreError::UserExists(_) | StoreError::MailboxExists(_) => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError(status, error.to_string())
    }
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize)]
struct UserInfo {
    name: String,
    mailboxes: usize,
}

async fn list_users(State(server): State<ServerHandle>) -> ApiResult<Json<Vec<UserInfo>>> {
    let users = server
        .with_store(|store| {
            store
                .users()
                .map(|user| UserInfo {
                    name: user.name().to_owned(),
                    mailboxes: user.mailboxes().count(),
                })
                .collect()
        })
        .await?;
    Ok(Json(users))
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
    password: String,
}

async fn add_user(
    State(server): State<ServerHandle>,
    Json(user): Json<NewUser>,
) -> ApiResult<StatusCode> {
    if user.name.is_empty() {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty user name".into(),
        ));
    }
    server
        .with_server(move |server, now| {
            server.edit_store(now, |store| {
                (store.add_user(&user.name, &user.password), Vec::new())
            })
        })
        .await??;
    Ok(StatusCode::CREATED)
}

#[derive(Serialize)]
struct MailboxInfo {
    name: String,
    messages: usize,
    unseen: usize,
    size: u64,
    uid_validity: u32,
    uid_next: u32,
    special_use: Option<String>,
    selectable: bool,
}

impl MailboxInfo {
    fn new(mailbox: &Mailbox) -> Self {
        MailboxInfo {
            name: mailbox.name().to_owned(),
            messages: mailbox.len(),
            unseen: mailbox.unseen_count(),
            size: mailbox.total_size(),
            uid_validity: mailbox.uid_validity(),
            uid_next: mailbox.uid_next(),
            special_use: mailbox.special_use().map(|u| format!("{u:?}")),
            selectable: !mailbox.is_noselect(),
        }
    }
}

async fn list_mailboxes(
    State(server): State<ServerHandle>,
    Path(user): Path<String>,
) -> ApiResult<Json<Vec<MailboxInfo>>> {
    let mailboxes = server
        .with_store(move |store| {
            store
                .user(&user)
                .ok_or(StoreError::NoSuchUser(user.clone()))?;
            Ok::<_, StoreError>(store.mailboxes(&user).map(MailboxInfo::new).collect())
        })
        .await??;
    Ok(Json(mailboxes))
}

#[derive(Serialize)]
struct MessageInfo {
    uid: u32,
    flags: Vec<String>,
    size: usize,
    internal_date_millis: i64,
}

impl MessageInfo {
    fn new(message: &Message) -> Self {
        let flags = message.flags();
        MessageInfo {
            uid: message.uid().get(),
            flags: flags
                .system_flags()
                .map(|f| f.as_str().to_owned())
                .chain(flags.keywords().iter().map(|k| k.as_str().to_owned()))
                .collect(),
            size: message.size(),
            internal_date_millis: message.internal_date().unix_millis(),
        }
    }
}

fn mailbox<'a>(store: &'a MailStore, user: &str, name: &str) -> Result<&'a Mailbox, StoreError> {
    store
        .user(user)
        .ok_or(StoreError::NoSuchUser(user.to_owned()))?;
    store
        .mailbox_by_name(user, name)
        .ok_or(StoreError::NoSuchMailbox(name.to_owned()))
}

async fn list_messages(
    State(server): State<ServerHandle>,
    Path((user, name)): Path<(String, String)>,
) -> ApiResult<Json<Vec<MessageInfo>>> {
    let messages = server
        .with_store(move |store| {
            let mailbox = mailbox(store, &user, &name)?;
            Ok::<_, StoreError>(mailbox.messages().iter().map(MessageInfo::new).collect())
        })
        .await??;
    Ok(Json(messages))
}

async fn raw_message(
    State(server): State<ServerHandle>,
    Path((user, name, uid)): Path<(String, String, u32)>,
) -> ApiResult<Response> {
    let body = server
        .with_store(move |store| {
            let mailbox = mailbox(store, &user, &name)?;
            let message = ephemail_core::Uid::new(uid)
                .and_then(|uid| mailbox.message(uid))
                .map(|m| m.body().clone());
            Ok::<_, StoreError>(message)
        })
        .await??
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no message with UID {uid}")))?;
    Ok((
        [(header::CONTENT_TYPE, "message/rfc822")],
        body.bytes().to_vec(),
    )
        .into_response())
}

async fn deliver(
    State(server): State<ServerHandle>,
    Path((user, name)): Path<(String, String)>,
    message: Bytes,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if message.is_empty() {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty message".into(),
        ));
    }
    let uid = server
        .with_server(move |server, now| server.deliver(now, &user, &name, &message))
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "uid": uid.get() })),
    ))
}

async fn reset(State(server): State<ServerHandle>) -> ApiResult<Json<serde_json::Value>> {
    let removed = server
        .with_server(|server, now| server.edit_store(now, remove_all_messages))
        .await?;
    Ok(Json(serde_json::json!({ "removed": removed })))
}

/// Removes every message of every user, reporting the expunges so sessions hear of them.
fn remove_all_messages(store: &mut MailStore) -> (usize, Vec<(String, Change)>) {
    let users: Vec<String> = store.users().map(|u| u.name().to_owned()).collect();
    let mut removed = 0;
    let mut changes = Vec::new();
    for user in users {
        let targets: Vec<_> = store
            .mailboxes(&user)
            .map(|m| {
                (
                    m.id(),
                    m.messages().iter().map(Message::uid).collect::<Vec<_>>(),
                )
            })
            .filter(|(_, uids)| !uids.is_empty())
            .collect();
        for (id, uids) in targets {
            removed += uids.len();
            if let Ok(Some(change)) = store.remove_messages(id, &uids) {
                changes.push((user.clone(), change));
            }
        }
    }
    (removed, changes)
}
