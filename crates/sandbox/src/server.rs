//! The HTTP server: hyper over a loopback (or any) socket, one task per connection, every request
//! handed to the [`Service`]. Nothing here knows LinkedIn's rules.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::ground_truth::GroundTruth;
use crate::http::{Request, Response};
use crate::scenario::Scenario;
use crate::service::{Outcome, Service};

/// A running sandbox. Dropping it stops the server.
pub struct SandboxServer {
    addr: SocketAddr,
    service: Arc<Mutex<Service>>,
    stop: Option<oneshot::Sender<()>>,
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

impl SandboxServer {
    /// Binds `addr` (port 0 picks a free port) and serves until dropped.
    pub async fn start(scenario: Arc<Scenario>, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let service = Arc::new(Mutex::new(Service::new(scenario)));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let shared = service.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = &mut stopped => break,
                };
                let Ok((stream, _)) = accepted else { continue };
                let svc = shared.clone();
                tokio::spawn(async move {
                    let handler = service_fn(move |req| serve(svc.clone(), req));
                    // Errors here are dropped connections (injected or the client's): nothing to do.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), handler).await;
                });
            }
        });
        tracing::info!(%addr, "LinkedIn sandbox listening");
        Ok(Self { addr, service, stop: Some(stop) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: both the API base and the OAuth base.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs `f` on the service (the market, tokens, log).
    pub fn with<T>(&self, f: impl FnOnce(&mut Service) -> T) -> T {
        f(&mut self.service.lock().expect("sandbox state lock"))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.with(|s| s.now())
    }

    /// A clock reading simulated time, for token providers.
    pub fn clock(&self) -> Arc<dyn Fn() -> DateTime<Utc> + Send + Sync> {
        let service = self.service.clone();
        Arc::new(move || service.lock().expect("sandbox state lock").now())
    }

    pub fn advance_to(&self, t: DateTime<Utc>) -> Result<(), String> {
        self.with(|s| s.market.advance_to(t))
    }

    pub fn truth(&self) -> GroundTruth {
        self.with(|s| GroundTruth::compute(s))
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(
    service: Arc<Mutex<Service>>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
    let request = Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
    };
    let outcome = service.lock().expect("sandbox state lock").handle(&request);
    match outcome {
        Outcome::Drop => Err(DropConnection),
        Outcome::Respond { response, delay_ms } => {
            if delay_ms > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            }
            Ok(to_hyper(response))
        }
    }
}

fn to_hyper(r: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(r.status);
    for (k, v) in &r.headers {
        builder = builder.header(k, v);
    }
    builder.body(Full::new(Bytes::from(r.body))).expect("valid status and headers")
}
