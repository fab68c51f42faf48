//! The Claude client against a local stand-in for the Anthropic Messages API: a minimal HTTP/1.1
//! server that records every request and answers from a scripted queue. No real Anthropic host is called.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use copy_generator::claude::{ANTHROPIC_VERSION, ClaudeClient, ClaudeConfig, ClaudeError, answer_schema};
use copy_generator::variation::{Angle, Brief, ExistingCopy, Winner};
use linkedin_core::Secret;
use linkedin_core::linkedin::retry::RetryPolicy;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk-ant-test-key-0123456789";

// ------------------------------------------------------------------------------------------------
// The stand-in server
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
    body: Value,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn messages(&self) -> &Vec<Value> {
        self.body["messages"].as_array().expect("messages is an array")
    }
}

#[derive(Debug, Clone)]
struct Scripted {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

struct Server {
    base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    async fn start(script: Vec<Scripted>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (recorded, queue) = (recorded.clone(), queue.clone());
                tokio::spawn(async move {
                    let _ = handle(stream, recorded, queue).await;
                });
            }
        });
        Server { base_url, requests }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn handle(
    mut stream: TcpStream,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    queue: Arc<Mutex<std::collections::VecDeque<Scripted>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..(head_end + length).min(buf.len())]).unwrap_or(Value::Null);
    recorded.lock().unwrap().push(Recorded { method, path, headers, body });

    let reply = queue.lock().unwrap().pop_front().unwrap_or(Scripted {
        status: 500,
        headers: vec![],
        body: r#"{"type":"error","error":{"type":"api_error","message":"the test script is exhausted"}}"#.into(),
    });
    let mut out = format!(
        "HTTP/1.1 {} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (n, v) in &reply.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await
}

// ------------------------------------------------------------------------------------------------
// Scripted replies
// ------------------------------------------------------------------------------------------------

fn message(text: &str, stop_reason: &str, input: u64, output: u64) -> Scripted {
    Scripted {
        status: 200,
        headers: vec![],
        body: json!({
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": null,
            "usage": {"input_tokens": input, "output_tokens": output}
        })
        .to_string(),
    }
}

fn error(status: u16, kind: &str, msg: &str, headers: Vec<(&'static str, String)>) -> Scripted {
    Scripted {
        status,
        headers,
        body: json!({"type": "error", "error": {"type": kind, "message": msg}, "request_id": "req_test"}).to_string(),
    }
}

fn winner(id: u64, intro: &str, headline: &str, description: &str, ctr: f64) -> Winner {
    Winner {
        creative_id: id,
        campaign_id: 7,
        impressions: 20_000,
        clicks: (20_000.0 * ctr) as u64,
        ctr,
        intro_text: intro.into(),
        headline: headline.into(),
        description: description.into(),
        call_to_action: "LEARN_MORE".into(),
        landing_page: Some("https://example.com/demo".into()),
    }
}

fn brief() -> Brief {
    Brief {
        winners: vec![
            winner(
                11,
                "Cut reporting time by 40%. Join 10,000 teams who automated their pipeline.",
                "Pipeline reporting on autopilot",
                "Set up in an afternoon",
                0.0125,
            ),
            winner(12, "Is your pipeline leaking leads? See where, 24/7.", "Find the leak", "Plans from $49", 0.0098),
        ],
        patterns: vec!["Winning headlines are under 40 characters".into(), "Questions in 1 of 2 winners".into()],
        existing: vec![ExistingCopy {
            intro_text: "Cut reporting time by 40%. Join 10,000 teams who automated their pipeline.".into(),
            headline: "Pipeline reporting on autopilot".into(),
        }],
    }
}

fn variations() -> Value {
    json!({"variations": [
        {"angle": "problem_solution", "intro_text": "Reports eat your Mondays? Automate the pipeline and get them back.",
         "headline": "Stop building reports by hand", "description": "Set up in an afternoon", "call_to_action": "LEARN_MORE"},
        {"angle": "benefit_focused", "intro_text": "Cut reporting time by 40% from the first week.",
         "headline": "Get your Mondays back", "description": "Plans from $49", "call_to_action": "SIGN_UP"},
        {"angle": "social_proof", "intro_text": "10,000 teams already run their pipeline reporting on autopilot.",
         "headline": "Why 10,000 teams switched", "description": "See how they did it", "call_to_action": "LEARN_MORE"},
        {"angle": "urgency", "intro_text": "Every week of manual reports is a week lost. Start today.",
         "headline": "Automate reporting this week", "description": "Set up in an afternoon", "call_to_action": "REQUEST_DEMO"},
        {"angle": "question_based", "intro_text": "Is your pipeline leaking leads? Watch it 24/7.",
         "headline": "Where are your leads going?", "description": "Find the leak", "call_to_action": "LEARN_MORE"}
    ]})
}

fn valid_text() -> String {
    variations().to_string()
}

/// The valid answer with one field changed.
fn with(index: usize, field: &str, value: &str) -> String {
    let mut v = variations();
    v["variations"][index][field] = json!(value);
    v.to_string()
}

fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_total_wait: Duration::from_secs(5),
        data_volume_wait: Duration::ZERO,
    }
}

fn client(server: &Server) -> ClaudeClient {
    let config = ClaudeConfig {
        base_url: format!("{}/", server.base_url),
        retry: fast_retry(3),
        ..ClaudeConfig::new(Secret::new(KEY))
    };
    ClaudeClient::new(config, linkedin_core::linkedin::http_client())
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_has_the_headers_model_and_a_complete_prompt() {
    let server = Server::start(vec![message(&valid_text(), "end_turn", 1200, 600)]).await;
    let config = ClaudeConfig {
        base_url: server.base_url.clone(),
        model: "claude-haiku-4-5".into(),
        max_tokens: 1500,
        retry: fast_retry(3),
        ..ClaudeConfig::new(Secret::new(KEY))
    };
    ClaudeClient::new(config, linkedin_core::linkedin::http_client()).generate(&brief()).await.unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/messages"));
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(ANTHROPIC_VERSION, "2023-06-01");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body["model"], "claude-haiku-4-5");
    assert_eq!(r.body["max_tokens"], 1500);
    let system = r.body["system"].as_str().unwrap();
    assert!(system.contains("LinkedIn") && system.contains("Never invent a statistic"), "{system}");
    assert_eq!(r.messages().len(), 1);
    assert_eq!(r.messages()[0]["role"], "user");

    let prompt = r.messages()[0]["content"].as_str().unwrap();
    assert!(prompt.contains(&serde_json::to_string_pretty(&answer_schema()).unwrap()), "schema:\n{prompt}");
    assert!(prompt.contains(r#"{"variations":[{"angle":"problem_solution","intro_text":"...""#));
    for a in Angle::ALL {
        assert!(prompt.contains(&format!("{}: {}", a.as_str(), a.meaning())), "angle {a:?}");
    }
    for w in &brief().winners {
        for copy in [&w.intro_text, &w.headline, &w.description] {
            assert!(prompt.contains(copy.as_str()), "winner copy {copy:?}");
        }
    }
    assert!(prompt.contains("CTR 1.25%"));
    assert!(prompt.contains("- Winning headlines are under 40 characters"));
    assert!(prompt.contains("Use only numbers and facts from the brief"));
    assert!(prompt.contains("at most 600 characters") && prompt.contains("REQUEST_DEMO"));
}

#[tokio::test]
async fn a_valid_reply_gives_five_variations_in_one_call() {
    let server = Server::start(vec![message(&valid_text(), "end_turn", 1200, 600)]).await;
    let g = client(&server).generate(&brief()).await.unwrap();

    assert_eq!(g.variations.iter().map(|v| v.angle).collect::<Vec<_>>(), Angle::ALL);
    assert_eq!(g.variations[1].intro_text, "Cut reporting time by 40% from the first week.");
    assert_eq!((g.usage.input_tokens, g.usage.output_tokens), (1200, 600));
    // claude-sonnet-4-5: $3 in, $15 out per million tokens.
    let cost = g.cost_usd.unwrap();
    assert!((cost - (1200.0 * 3.0 + 600.0 * 15.0) / 1e6).abs() < 1e-12, "{cost}");
    assert_eq!((g.calls, g.retries, g.repaired), (1, 0, false));
    assert_eq!(g.model, "claude-sonnet-4-5-20250929");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_fenced_reply_is_accepted() {
    let text =
        format!("Here are the variations:\n```json\n{}\n```", serde_json::to_string_pretty(&variations()).unwrap());
    let server = Server::start(vec![message(&text, "end_turn", 10, 10)]).await;
    let g = client(&server).generate(&brief()).await.unwrap();
    assert_eq!((g.variations.len(), g.calls, g.repaired), (5, 1, false));
}

/// One invalid answer, then a valid one: the repair call carries the answer and the problems.
async fn repaired(first: &str, stop_reason: &str, expected_problem: &str) -> Vec<Recorded> {
    let server =
        Server::start(vec![message(first, stop_reason, 1000, 400), message(&valid_text(), "end_turn", 1500, 500)])
            .await;
    let g = client(&server).generate(&brief()).await.unwrap();
    assert!(g.repaired);
    assert_eq!(g.calls, 2);
    assert_eq!((g.usage.input_tokens, g.usage.output_tokens), (2500, 900), "usage is summed");
    let cost = g.cost_usd.unwrap();
    assert!((cost - (2500.0 * 3.0 + 900.0 * 15.0) / 1e6).abs() < 1e-12);
    assert_eq!(g.variations.len(), 5);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let m = reqs[1].messages();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0], reqs[0].messages()[0], "the original prompt is kept");
    assert_eq!((m[1]["role"].as_str(), m[2]["role"].as_str()), (Some("assistant"), Some("user")));
    assert_eq!(m[1]["content"].as_str().unwrap(), first.trim_end(), "the previous answer goes back verbatim");
    let repair = m[2]["content"].as_str().unwrap();
    assert!(repair.contains(expected_problem), "{expected_problem:?} not in:\n{repair}");
    assert!(repair.contains("complete corrected JSON object: all five variations"), "{repair}");
    assert_eq!(reqs[1].body["system"], reqs[0].body["system"]);
    reqs
}

#[tokio::test]
async fn bad_json_is_repaired_once() {
    repaired("Sure! Here are five great ads: 1. ...", "end_turn", "the answer is not valid JSON").await;
}

#[tokio::test]
async fn a_headline_over_the_limit_is_repaired() {
    let long = "H".repeat(201);
    repaired(
        &with(2, "headline", &long),
        "end_turn",
        "social_proof.headline: 201 characters, over LinkedIn's limit of 200; shorten it by at least 1",
    )
    .await;
}

#[tokio::test]
async fn an_invented_number_is_repaired() {
    repaired(
        &with(0, "intro_text", "87% of sales leaders waste 12 hours a week on reports."),
        "end_turn",
        "problem_solution.intro_text: \"87%\" is an invented statistic",
    )
    .await;
}

#[tokio::test]
async fn a_truncated_reply_is_repaired_with_more_room() {
    let text = valid_text();
    let cut = &text[..text.len() / 2];
    let reqs = repaired(cut, "max_tokens", "cut off at the 2000-token limit").await;
    assert_eq!(reqs[0].body["max_tokens"], 2000);
    assert_eq!(reqs[1].body["max_tokens"], 4000, "the repair gets room to finish");
}

#[tokio::test]
async fn invalid_twice_is_an_error_listing_the_problems_after_exactly_two_calls() {
    let bad = with(3, "call_to_action", "CLICK_HERE");
    let worse = with(4, "headline", "Join 50,000 teams today");
    let server =
        Server::start(vec![message(&bad, "end_turn", 1000, 400), message(&worse, "end_turn", 1500, 500)]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();

    assert_eq!(server.requests().len(), 2);
    match &err {
        ClaudeError::InvalidAnswer { calls, problems, usage } => {
            assert_eq!(*calls, 2);
            assert_eq!((usage.input_tokens, usage.output_tokens), (2500, 900));
            assert_eq!(problems.len(), 1, "{problems:?}");
        }
        other => panic!("expected InvalidAnswer, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.starts_with("Claude's copy is still invalid after one repair (2 calls"), "{text}");
    assert!(text.contains("question_based.headline: \"50,000\" is an invented statistic"), "{text}");
    // The first call's problem was in the repair prompt.
    let repair = server.requests()[1].messages()[2]["content"].as_str().unwrap().to_string();
    assert!(repair.contains("urgency.call_to_action: \"CLICK_HERE\" is not a LinkedIn call-to-action label"));
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = Server::start(vec![
        error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            vec![("retry-after", "1".into())],
        ),
        message(&valid_text(), "end_turn", 100, 100),
    ])
    .await;
    let started = Instant::now();
    let g = client(&server).generate(&brief()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "retry-after honoured: {:?}", started.elapsed());
    assert_eq!((g.calls, g.retries), (1, 1));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_retry_after_past_the_budget_stops_at_once() {
    let server =
        Server::start(vec![error(429, "rate_limit_error", "slow down", vec![("retry-after", "60".into())])]).await;
    let started = Instant::now();
    let err = client(&server).generate(&brief()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.requests().len(), 1);
    let text = err.to_string();
    assert!(matches!(err, ClaudeError::Throttled { attempts: 1, .. }), "{err:?}");
    assert!(text.contains("still throttled the request (HTTP 429) after 1 attempts"), "{text}");
    assert!(text.contains("asked to wait 60 s"), "{text}");
    assert!(text.contains("higher rate limits"), "{text}");
}

#[tokio::test]
async fn an_absurd_retry_after_is_capped_not_a_panic() {
    // `Duration::from_secs_f64(1e20)` used to panic in the shared retry code.
    let server =
        Server::start(vec![error(429, "rate_limit_error", "slow down", vec![("retry-after", "1e20".into())])]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    assert!(matches!(err, ClaudeError::Throttled { attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("asked to wait 86400 s"), "capped at a day: {err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_monthly_spend_cap_is_not_retried() {
    let body = json!({"type": "error", "error": {"type": "rate_limit_error", "message": "monthly spend cap reached",
        "details": {"error_code": "enforced_spend_limit_reached"}}})
    .to_string();
    let server = Server::start(vec![Scripted { status: 429, headers: vec![], body }]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    assert!(matches!(err, ClaudeError::SpendLimit { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_529_overloaded_is_retried() {
    let server = Server::start(vec![
        error(529, "overloaded_error", "Overloaded", vec![]),
        message(&valid_text(), "end_turn", 100, 100),
    ])
    .await;
    let g = client(&server).generate(&brief()).await.unwrap();
    assert_eq!((g.calls, g.retries, g.variations.len()), (1, 1, 5));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_errors_stop_after_the_bounded_attempts() {
    let server =
        Server::start((0..6).map(|_| error(500, "api_error", "Internal server error", vec![])).collect()).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    // fast_retry(3): one attempt and three retries.
    assert_eq!(server.requests().len(), 4);
    assert!(matches!(err, ClaudeError::Unavailable { status: 500, attempts: 4, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("HTTP 500 api_error) after 4 attempts"), "{text}");
    assert!(text.contains("status.claude.com"), "{text}");
}

#[tokio::test]
async fn a_401_names_the_key_variables_and_never_shows_the_key() {
    // Even a server that echoes the key does not get it into the error.
    let server =
        Server::start(vec![error(401, "authentication_error", &format!("invalid x-api-key {KEY}"), vec![])]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    assert_eq!(server.requests().len(), 1, "401 is not retried");
    let (display, debug) = (err.to_string(), format!("{err:?}"));
    assert!(display.contains("ANTHROPIC_API_KEY") && display.contains("ANTHROPIC_SECRET_NAME"), "{display}");
    assert!(display.contains("HTTP 401 authentication_error"), "{display}");
    assert!(!display.contains(KEY) && !debug.contains(KEY), "{display}\n{debug}");
    assert!(!display.contains("0123456789"));
    assert_eq!(err.status(), Some(401));
    // The config and the client print no key either.
    let c = client(&server);
    assert!(!format!("{c:?}").contains(KEY));
}

#[tokio::test]
async fn a_403_names_the_key_variables() {
    let server = Server::start(vec![error(403, "permission_error", "not allowed", vec![])]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 403") && text.contains("ANTHROPIC_API_KEY"), "{text}");
    assert!(text.contains("claude-sonnet-4-5"), "names the model: {text}");
}

#[tokio::test]
async fn a_400_carries_the_api_message() {
    let server =
        Server::start(vec![error(400, "invalid_request_error", "max_tokens: must be at most 64000", vec![])]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        err.to_string(),
        "Anthropic rejected the request (HTTP 400 invalid_request_error): max_tokens: must be at most 64000"
    );
}

#[tokio::test]
async fn no_key_makes_no_call() {
    let server = Server::start(vec![]).await;
    let config = ClaudeConfig { base_url: server.base_url.clone(), ..ClaudeConfig::new(Secret::new("  ")) };
    let err = ClaudeClient::new(config, linkedin_core::linkedin::http_client()).generate(&brief()).await.unwrap_err();
    assert!(matches!(err, ClaudeError::MissingKey));
    assert!(err.to_string().contains("ANTHROPIC_API_KEY"));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_unknown_model_has_an_unknown_cost() {
    let mut reply = message(&valid_text(), "end_turn", 100, 100);
    reply.body = reply.body.replace("claude-sonnet-4-5-20250929", "claude-experimental-9");
    let server = Server::start(vec![reply]).await;
    let config = ClaudeConfig {
        base_url: server.base_url.clone(),
        model: "claude-experimental-9".into(),
        ..ClaudeConfig::new(Secret::new(KEY))
    };
    let g = ClaudeClient::new(config, linkedin_core::linkedin::http_client()).generate(&brief()).await.unwrap();
    assert_eq!(g.cost_usd, None);
    assert_eq!(g.model, "claude-experimental-9");
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_its_host_and_the_key_goes_nowhere() {
    let elsewhere = Server::start(vec![message(&valid_text(), "end_turn", 1, 1)]).await;
    let redirect = Scripted {
        status: 307,
        headers: vec![("location", format!("{}/v1/messages", elsewhere.base_url))],
        body: String::new(),
    };
    let server = Server::start(vec![redirect]).await;
    let err = client(&server).generate(&brief()).await.unwrap_err();
    let host = elsewhere.base_url.trim_start_matches("http://").to_string();
    assert!(matches!(err, ClaudeError::Redirected { status: 307, .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("a redirect to {host}")) && text.contains("ANTHROPIC_BASE_URL"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert!(elsewhere.requests().is_empty(), "the API key went to the other host");
    assert_eq!(server.requests().len(), 1, "not retried");
}
