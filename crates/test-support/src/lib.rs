//! Test harness shared by the crates' integration tests.
//!
//! [`Moto::start`] runs a real moto server (from the `.venv` that `make test` creates) on a free
//! loopback port and kills it when dropped. Each test gets its own server and state, so tests run
//! in parallel without seeing each other's buckets.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{Receiver, channel};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde_json::Value;

/// The workspace root (where `.venv/` lives).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// A moto server process.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto on a free port and waits until it accepts connections.
    pub fn start() -> Self {
        let bin = std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join(".venv/bin/moto_server"));
        assert!(
            bin.exists(),
            "moto_server not found at {}: run `make test` (it creates .venv with moto), or set MOTO_SERVER to its path",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, endpoint: format!("http://127.0.0.1:{port}") }
    }

    /// An SDK config aimed at this server with dummy credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("test", "test", None, None, "moto"))
            .load()
            .await
    }

    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config().await).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub async fn secrets_manager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk_config().await)
    }

    pub async fn athena(&self) -> aws_sdk_athena::Client {
        aws_sdk_athena::Client::new(&self.sdk_config().await)
    }

    pub async fn sagemaker_runtime(&self) -> aws_sdk_sagemakerruntime::Client {
        aws_sdk_sagemakerruntime::Client::new(&self.sdk_config().await)
    }

    pub async fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk_config().await)
    }

    /// POSTs JSON to moto's own API (`/moto-api/...`: seeded results, state transitions); panics on
    /// anything but 2xx. Plain HTTP/1.1 over a socket, so the harness needs no HTTP client.
    pub fn moto_api(&self, path: &str, body: &str) {
        use std::io::{Read, Write};
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("connect to moto");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("write to moto");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read from moto");
        let status = response.split_whitespace().nth(1).unwrap_or("");
        assert!(status.starts_with('2'), "moto {path} answered {}", response.lines().next().unwrap_or(""));
    }

    /// A topic in `region` with the subscriber subscribed over HTTP; returns its ARN.
    pub async fn topic_with_subscriber(&self, region: &str, name: &str, subscriber: &SnsSubscriber) -> String {
        let conf = aws_sdk_sns::config::Builder::from(&self.sdk_config().await)
            .region(aws_sdk_sns::config::Region::new(region.to_string()))
            .build();
        let client = aws_sdk_sns::Client::from_conf(conf);
        let arn = client.create_topic().name(name).send().await.unwrap().topic_arn().unwrap().to_string();
        client.subscribe().topic_arn(&arn).protocol("http").endpoint(&subscriber.url).send().await.unwrap();
        arn
    }

    /// Creates a bucket and returns its name.
    pub async fn bucket(&self, name: &str) -> String {
        self.s3().await.create_bucket().bucket(name).send().await.expect("create bucket");
        name.to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A local HTTP endpoint subscribed to an SNS topic, seeing what a subscriber sees (moto POSTs the
/// notification document during Publish): every POST body is parsed as JSON and handed to the test.
pub struct SnsSubscriber {
    pub url: String,
    received: Receiver<Value>,
}

impl SnsSubscriber {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind subscriber");
        let url = format!("http://{}/sns", listener.local_addr().unwrap());
        let (tx, received) = channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut length = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().expect("content-length");
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("read notification body");
                // Answer before handing over: moto waits for the response inside Publish.
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = stream.flush();
                let doc = serde_json::from_slice(&body)
                    .unwrap_or_else(|e| panic!("notification is not JSON ({e}): {}", String::from_utf8_lossy(&body)));
                if tx.send(doc).is_err() {
                    break;
                }
            }
        });
        Self { url, received }
    }

    /// The next notification; moto delivers during Publish, so it is already here.
    pub fn next(&self) -> Value {
        self.received.recv_timeout(Duration::from_secs(10)).expect("moto delivered no notification")
    }

    pub fn assert_nothing_more(&self) {
        assert!(self.received.recv_timeout(Duration::from_millis(200)).is_err(), "unexpected extra notification");
    }
}
