//! The sandbox's request and response values, independent of the HTTP server, so the API can be
//! driven directly in tests and the server stays a thin adapter.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Value, json};

/// A request as the API sees it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The path exactly as sent (still percent-encoded).
    pub path: String,
    /// The query string exactly as sent, without `?`.
    pub query: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// A response before it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(body).expect("JSON values serialise"),
        }
    }

    pub fn no_content() -> Self {
        Self { status: 204, headers: Vec::new(), body: Vec::new() }
    }

    /// 201 with the new entity's id in `x-restli-id`, as LinkedIn answers a CREATE.
    pub fn created(id: &str) -> Self {
        Self { status: 201, headers: vec![("x-restli-id".into(), id.into())], body: Vec::new() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// An error in LinkedIn's format: `{"status", "serviceErrorCode", "code", "message"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub service_error_code: u32,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, service_error_code: status as u32, message: message.into() }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "ILLEGAL_ARGUMENT", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(405, "METHOD_NOT_ALLOWED", format!("Method {method} is not supported on {path}"))
    }

    pub fn response(&self) -> Response {
        Response::json(
            self.status,
            &json!({
                "status": self.status,
                "serviceErrorCode": self.service_error_code,
                "code": self.code,
                "message": self.message,
            }),
        )
    }
}

pub type ApiResult = Result<Response, ApiError>;
