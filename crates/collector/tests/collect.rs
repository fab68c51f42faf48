//! The collector end to end: a local HTTP server standing in for LinkedIn, and the real stores
//! (a folder, or S3 and Secrets Manager on moto).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use collector::Collector;
use linkedin_aws::s3::S3Store;
use linkedin_aws::secrets_manager::SecretsManagerStore;
use linkedin_core::config::{CredentialsConfig, LinkedInConfig};
use linkedin_core::linkedin::analytics::DEFAULT_METRICS;
use linkedin_core::linkedin::auth::{TokenProvider, TokenSource, system_clock};
use linkedin_core::linkedin::retry::RetryPolicy;
use linkedin_core::linkedin::{LinkedInClient, http_client};
use linkedin_core::metrics::{EmfWriter, SharedBuffer};
use linkedin_core::raw::{AnalyticsRecord, CampaignSnapshot, CreativeSnapshot, parse_ndjson};
use linkedin_core::secrets::SecretStore;
use linkedin_core::store::{LocalStore, ObjectStore};
use linkedin_core::{AccountId, CampaignId, CreativeId, RunClock, Secret};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ACCOUNT: u64 = 42;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A LinkedIn stand-in: campaigns 1 and 2, two creatives each, posts for the copy, and analytics that
/// answer for whichever campaigns and days are asked. `broken` campaigns get `status` from analytics.
async fn fake_linkedin(broken_analytics: Option<(u64, u16)>) -> MockServer {
    let server = MockServer::start().await;
    let camp = |id: u64, status: &str| {
        json!({"id": id, "name": format!("Campaign {id}"), "status": status, "costType": "CPC",
               "unitCost": {"amount": "6.50", "currencyCode": "USD"}, "dailyBudget": {"amount": "100.00", "currencyCode": "USD"},
               "objectiveType": "WEBSITE_VISIT", "creativeSelection": "OPTIMIZED"})
    };
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"elements": [camp(1, "ACTIVE"), camp(2, "PAUSED")], "metadata": {}})),
        )
        .mount(&server)
        .await;
    for id in [1u64, 2, 3] {
        let r = if id == 3 {
            ResponseTemplate::new(404).set_body_json(json!({"status": 404, "message": "Not found"}))
        } else {
            ResponseTemplate::new(200).set_body_json(camp(id, "ACTIVE"))
        };
        Mock::given(method("GET"))
            .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns/{id}")))
            .respond_with(r)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/creatives")))
        .respond_with(|r: &Request| {
            let q = r.url.query().unwrap();
            let campaign: u64 = q.split("sponsoredCampaign%3A").nth(1).unwrap().split([')', ',']).next().unwrap().parse().unwrap();
            let els: Vec<Value> = (1..=2)
                .map(|i| {
                    let id = campaign * 100 + i;
                    json!({"id": format!("urn:li:sponsoredCreative:{id}"), "campaign": format!("urn:li:sponsoredCampaign:{campaign}"),
                           "name": format!("Ad {id}"), "intendedStatus": "ACTIVE", "isServing": true, "review": {"status": "APPROVED"},
                           "content": {"reference": format!("urn:li:share:{id}")}, "createdAt": 1763000000000i64})
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"elements": els, "metadata": {}}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/rest/posts/urn%3Ali%3Ashare%3A\d+$"))
        .respond_with(|r: &Request| {
            let id = r.url.path().rsplit("%3A").next().unwrap().to_string();
            ResponseTemplate::new(200).set_body_json(json!({"commentary": format!("Intro for {id}. Get 30% more leads today!"),
                "content": {"article": {"title": format!("Headline {id}"), "description": "Desc", "source": "https://example.com"}},
                "contentCallToActionLabel": "LEARN_MORE"}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .respond_with(move |r: &Request| {
            let q = r.url.query().unwrap().to_string();
            if let Some((bad, status)) = broken_analytics
                && q.contains(&format!("sponsoredCampaign%3A{bad})")) | q.contains(&format!("sponsoredCampaign%3A{bad},"))
            {
                return ResponseTemplate::new(status).set_body_json(json!({"status": status, "message": "Not enough permissions to access: campaign"}));
            }
            let campaigns: Vec<u64> = q.split("sponsoredCampaign%3A").skip(1).map(|s| s.split([')', ',']).next().unwrap().parse().unwrap()).collect();
            let range = q.split("dateRange=").nth(1).unwrap();
            let nums: Vec<u32> = range.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
            let start = NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2]).unwrap();
            let end = NaiveDate::from_ymd_opt(nums[3] as i32, nums[4], nums[5]).unwrap();
            let mut els = Vec::new();
            for c in &campaigns {
                for i in 1..=2u64 {
                    let creative = c * 100 + i;
                    for day in start.iter_days().take_while(|x| *x <= end) {
                        let ymd = json!({"year": day.year(), "month": day.month(), "day": day.day()});
                        els.push(json!({"dateRange": {"start": ymd, "end": ymd}, "pivotValues": [format!("urn:li:sponsoredCreative:{creative}")],
                            "impressions": 1000, "clicks": 5 + i, "costInUsd": "12.345", "costInLocalCurrency": "12.345",
                            "externalWebsiteConversions": 1, "oneClickLeads": 0}));
                    }
                }
            }
            ResponseTemplate::new(200).set_body_json(json!({"paging": {"start": 0, "count": 10, "links": []}, "elements": els}))
        })
        .mount(&server)
        .await;
    server
}

fn linkedin_config(server: &MockServer) -> LinkedInConfig {
    let mut c =
        LinkedInConfig::new(&server.uri(), AccountId(ACCOUNT), CredentialsConfig::AccessToken(Secret::new("unused")));
    c.retry = RetryPolicy::for_tests();
    c.concurrency = 3;
    c
}

fn collector(
    server: &MockServer,
    source: TokenSource,
    store: Arc<dyn ObjectStore>,
    campaigns: Vec<CampaignId>,
) -> (Collector, SharedBuffer) {
    let http = http_client();
    let tokens = TokenProvider::new(source, &server.uri(), http.clone(), system_clock());
    let client = LinkedInClient::new(&linkedin_config(server), Arc::new(tokens), http);
    let emf = SharedBuffer::default();
    let c = Collector {
        client,
        store,
        metrics: Arc::new(EmfWriter::new(emf.clone())),
        campaign_ids: campaigns,
        lookback_days: 7,
        analytics_metrics: DEFAULT_METRICS.to_vec(),
    };
    (c, emf)
}

fn clock(at: &str) -> RunClock {
    let now: chrono::DateTime<Utc> = at.parse().unwrap();
    RunClock { as_of: now.date_naive(), now }
}

async fn read<T: serde::de::DeserializeOwned>(store: &dyn ObjectStore, prefix: &str) -> Vec<T> {
    let mut out = Vec::new();
    for o in store.list(prefix).await.unwrap() {
        let (rows, errs) = parse_ndjson::<T>(&store.get(&o.key).await.unwrap().unwrap());
        assert!(errs.is_empty(), "{}: {errs:?}", o.key);
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn a_run_writes_partitioned_ndjson_snapshots_a_report_and_metrics() {
    let server = fake_linkedin(None).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, emf) = collector(&server, TokenSource::Fixed(Secret::new("tok")), store.clone(), vec![]);

    let report = c.run(clock("2026-11-23T06:00:00Z")).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!((report.window_start, report.window_end), (d("2026-11-16"), d("2026-11-23")));
    assert_eq!((report.campaigns, report.creatives, report.posts), (2, 4, 4));
    assert_eq!(report.collected_campaigns.len(), 2, "both campaigns collected completely");
    assert_eq!(report.analytics_rows, 4 * 8);
    assert_eq!(report.impressions, 32_000);
    assert_eq!(report.clicks, 8 * (6 + 7) * 2);
    assert_eq!(report.cost_usd.to_string(), "395.040");
    // 8 analytics days + campaigns + creatives.
    assert_eq!(report.objects_written.len(), 10);

    // One object per metric day, each line one compact JSON object.
    let keys: Vec<String> = store.list("raw/analytics/").await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(keys.len(), 8);
    assert!(keys[0].starts_with(&format!("raw/analytics/dt=2026-11-16/{}", report.run_id)), "{}", keys[0]);
    let text = String::from_utf8(store.get(&keys[0]).await.unwrap().unwrap()).unwrap();
    assert_eq!(text.lines().count(), 4);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for col in [
            "pulled_at",
            "run_id",
            "account_id",
            "campaign_id",
            "creative_id",
            "date",
            "impressions",
            "clicks",
            "cost_usd",
            "conversions",
        ] {
            assert!(v.get(col).is_some(), "missing {col} in {line}");
        }
        assert_eq!(v["date"], "2026-11-16");
        assert_eq!(v["pulled_at"], "2026-11-23T06:00:00Z");
        assert_eq!(v["account_id"], "42");
    }
    let rows: Vec<AnalyticsRecord> = read(store.as_ref(), "raw/analytics/").await;
    let r = rows.iter().find(|r| r.creative_id == CreativeId(201)).unwrap();
    assert_eq!(
        (r.campaign_id, r.clicks, r.cost_usd.to_string(), r.conversions),
        (CampaignId(2), 6, "12.345".into(), 1.0)
    );

    let camps: Vec<CampaignSnapshot> = read(store.as_ref(), "raw/campaigns/dt=2026-11-23/").await;
    assert_eq!(camps.len(), 2);
    assert_eq!(camps[0].unit_cost.unwrap().to_string(), "6.50");
    assert_eq!(camps[1].status.as_str(), "PAUSED");
    let creatives: Vec<CreativeSnapshot> = read(store.as_ref(), "raw/creatives/dt=2026-11-23/").await;
    assert_eq!(creatives.len(), 4);
    let c101 = creatives.iter().find(|c| c.creative_id == CreativeId(101)).unwrap();
    assert_eq!(c101.copy.intro_text.as_deref(), Some("Intro for 101. Get 30% more leads today!"));
    assert_eq!(c101.copy.headline.as_deref(), Some("Headline 101"));
    assert_eq!(c101.copy.call_to_action.as_deref(), Some("LEARN_MORE"));
    assert_eq!(c101.copy_error, None);

    let log = store.get(&format!("logs/collector_runs/dt=2026-11-23/{}.json", report.run_id)).await.unwrap().unwrap();
    let log: Value = serde_json::from_slice(&log).unwrap();
    assert_eq!(log["analytics_rows"], 32);
    assert_eq!(log["failures"], json!([]));

    let emf_lines = emf.text();
    let m: Value = serde_json::from_str(emf_lines.trim()).unwrap();
    assert_eq!(m["_aws"]["CloudWatchMetrics"][0]["Namespace"], "LinkedInAds");
    assert_eq!(m["Job"], "collector");
    assert_eq!(
        (m["Impressions"].as_f64(), m["Clicks"].as_f64(), m["AnalyticsRows"].as_f64()),
        (Some(32000.0), Some(208.0), Some(32.0))
    );
    assert_eq!(
        (m["Failures"].as_f64(), m["ObjectsWritten"].as_f64(), m["Runs"].as_f64()),
        (Some(0.0), Some(10.0), Some(1.0))
    );
    assert!(m["ApiCalls"].as_f64().unwrap() >= 6.0);
    assert!((m["CostUsd"].as_f64().unwrap() - 395.04).abs() < 1e-9);
}

#[tokio::test]
async fn a_second_pull_adds_new_objects_and_latest_pull_wins() {
    let server = fake_linkedin(None).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, _) = collector(&server, TokenSource::Fixed(Secret::new("tok")), store.clone(), vec![CampaignId(1)]);
    let first = c.run(clock("2026-11-23T00:00:00Z")).await;
    let second = c.run(clock("2026-11-23T06:00:00Z")).await;
    assert!(first.succeeded() && second.succeeded());
    let day = store.list("raw/analytics/dt=2026-11-20/").await.unwrap();
    assert_eq!(day.len(), 2, "each pull keeps its own object; nothing is overwritten");
    let rows: Vec<AnalyticsRecord> = read(store.as_ref(), "raw/analytics/dt=2026-11-20/").await;
    assert_eq!(rows.len(), 4, "two pulls x two creatives");
    // The documented rule picks exactly one row per creative and day: the later pull.
    let mut latest: std::collections::BTreeMap<CreativeId, &AnalyticsRecord> = Default::default();
    for r in &rows {
        let e = latest.entry(r.creative_id).or_insert(r);
        if r.newer_than(e) {
            *e = r;
        }
    }
    assert_eq!(latest.len(), 2);
    assert!(latest.values().all(|r| r.run_id == second.run_id));
}

#[tokio::test]
async fn one_failing_campaign_does_not_lose_the_others() {
    // Campaign 3 does not exist; campaign 2's analytics are forbidden. Campaign 1 is collected.
    let server = fake_linkedin(Some((2, 403))).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, emf) = collector(
        &server,
        TokenSource::Fixed(Secret::new("tok")),
        store.clone(),
        vec![CampaignId(1), CampaignId(2), CampaignId(3)],
    );

    let report = c.run(clock("2026-11-23T06:00:00Z")).await;
    assert!(!report.succeeded());
    assert_eq!(report.aborted, None);
    let scopes: Vec<&str> = report.failures.iter().map(|f| f.scope.as_str()).collect();
    assert_eq!(scopes, vec!["campaign 3", "campaign 2 analytics"], "{:#?}", report.failures);
    assert!(report.failures[0].error.contains("HTTP 404"), "{}", report.failures[0].error);
    assert!(report.failures[1].error.contains("HTTP 403"), "{}", report.failures[1].error);
    // Only campaign 1 counts for the optimizer's freshness check.
    assert_eq!(report.collected_campaigns, vec![CampaignId(1)]);

    let rows: Vec<AnalyticsRecord> = read(store.as_ref(), "raw/analytics/").await;
    assert_eq!(rows.len(), 2 * 8);
    assert!(rows.iter().all(|r| r.campaign_id == CampaignId(1)));
    // Snapshots of both readable campaigns were still saved.
    assert_eq!(read::<CampaignSnapshot>(store.as_ref(), "raw/campaigns/").await.len(), 2);
    let m: Value = serde_json::from_str(emf.text().trim()).unwrap();
    assert_eq!(m["Failures"].as_f64(), Some(2.0));
    assert!(report.summary().ends_with("2 failure(s)"), "{}", report.summary());
}

#[tokio::test]
async fn a_daily_limit_aborts_once_and_keeps_what_was_collected() {
    let server = fake_linkedin(None).await;
    // Mounted after the fake's analytics mock; wiremock prefers the earlier priority, so give it priority 1.
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS",
            "message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, _) = collector(&server, TokenSource::Fixed(Secret::new("tok")), store.clone(), vec![]);
    let report = c.run(clock("2026-11-23T06:00:00Z")).await;
    assert!(report.aborted.as_deref().unwrap().contains("daily rate limit"), "{:?}", report.aborted);
    assert!(report.failures.is_empty(), "the abort is reported once: {:#?}", report.failures);
    assert!(report.collected_campaigns.is_empty(), "an aborted run collected no campaign completely");
    let analytics_calls =
        server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/rest/adAnalytics").count();
    assert_eq!(analytics_calls, 1, "no retry and no per-campaign fallback after a DAY limit");
    assert_eq!(read::<CreativeSnapshot>(store.as_ref(), "raw/creatives/").await.len(), 4);
}

#[tokio::test]
async fn on_s3_with_secrets_manager_a_401_refreshes_writes_back_and_no_secret_leaks() {
    // Capture every log line at every level while the run happens on this thread.
    let logs = SharedBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let moto = test_support::Moto::start();
    let bucket = moto.bucket("linkedin-ads-test").await;
    let store: Arc<dyn ObjectStore> = Arc::new(S3Store::new(moto.s3().await, &bucket));
    let sm = moto.secrets_manager().await;
    let creds = json!({"access_token": "ACCESS-OLD-7f3a", "expires_at": (Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339(),
        "refresh_token": "REFRESH-9c1e", "refresh_token_expires_at": (Utc::now() + chrono::TimeDelta::days(200)).to_rfc3339(),
        "client_id": "app-1", "client_secret": "CLIENT-SECRET-55d0"});
    sm.create_secret().name("linkedin/oauth").secret_string(creds.to_string()).send().await.unwrap();

    let server = fake_linkedin(None).await;
    Mock::given(wiremock::matchers::header("authorization", "Bearer ACCESS-OLD-7f3a"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Expired access token", "status": 401})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "ACCESS-NEW-b21d", "expires_in": 5184000})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let source =
        TokenSource::Stored { store: Arc::new(SecretsManagerStore::new(sm.clone())), name: "linkedin/oauth".into() };
    let (c, emf) = collector(&server, source, store.clone(), vec![]);
    let report = c.run(clock("2026-11-23T06:00:00Z")).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(report.token_refreshes, 1);
    assert_eq!(report.refresh_token_days_left, Some(199));

    // The secret in Secrets Manager now holds the new token, the rest unchanged.
    let saved: Value = serde_json::from_str(
        sm.get_secret_value().secret_id("linkedin/oauth").send().await.unwrap().secret_string().unwrap(),
    )
    .unwrap();
    assert_eq!(saved["access_token"], "ACCESS-NEW-b21d");
    assert_eq!(saved["refresh_token"], "REFRESH-9c1e");
    assert_eq!(saved["client_secret"], "CLIENT-SECRET-55d0");
    assert_eq!(SecretsManagerStore::new(sm).get_secret("linkedin/oauth").await.unwrap(), saved.to_string());

    // Data landed in the bucket.
    assert_eq!(store.list("raw/analytics/").await.unwrap().len(), 8);

    // No token, refresh token or client secret in any log line, any object written, the report or metrics.
    let mut everything = logs.text();
    for o in store.list("").await.unwrap() {
        everything.push_str(&String::from_utf8_lossy(&store.get(&o.key).await.unwrap().unwrap()));
    }
    everything.push_str(&serde_json::to_string(&report).unwrap());
    everything.push_str(&emf.text());
    assert!(everything.contains("access token refreshed"), "logs were captured");
    for secret in ["ACCESS-OLD-7f3a", "ACCESS-NEW-b21d", "REFRESH-9c1e", "CLIENT-SECRET-55d0"] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

fn scheduled_event() -> linkedin_aws::lambda::ScheduledEvent {
    let payload = serde_json::from_slice(include_bytes!("fixtures/scheduled-event.json")).unwrap();
    lambda_runtime::LambdaEvent { payload, context: lambda_runtime::Context::default() }
}

#[tokio::test]
async fn the_lambda_handler_returns_the_report_or_an_error_with_the_summary() {
    let server = fake_linkedin(None).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, _) = collector(&server, TokenSource::Fixed(Secret::new("tok")), store.clone(), vec![CampaignId(1)]);
    let report = collector::handle(&c, scheduled_event()).await.unwrap();
    assert_eq!(report.as_of, d("2026-11-23"), "the schedule's time is the run's day");
    assert_eq!(report.analytics_rows, 16);

    let (c, _) = collector(&server, TokenSource::Fixed(Secret::new("tok")), store, vec![CampaignId(1), CampaignId(3)]);
    let err = collector::handle(&c, scheduled_event()).await.unwrap_err().to_string();
    assert!(err.starts_with("collector run ") && err.ends_with("1 failure(s)"), "{err}");
}

/// A secret store that holds the credentials but refuses every save.
struct ReadOnlySecret(String);

#[async_trait::async_trait]
impl SecretStore for ReadOnlySecret {
    async fn get_secret(&self, _: &str) -> Result<String, linkedin_core::secrets::SecretError> {
        Ok(self.0.clone())
    }
    async fn put_secret(&self, name: &str, _: &str) -> Result<(), linkedin_core::secrets::SecretError> {
        Err(linkedin_core::secrets::SecretError::Backend {
            name: name.into(),
            location: "test".into(),
            message: "AccessDeniedException: not allowed to PutSecretValue".into(),
        })
    }
    fn describe(&self) -> String {
        "test".into()
    }
}

#[tokio::test]
async fn a_refreshed_token_that_cannot_be_saved_fails_the_run_with_a_metric() {
    let server = fake_linkedin(None).await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "ACCESS-NEW", "expires_in": 5184000})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Two hours left: refreshed before the first call.
    let creds = json!({"access_token": "ACCESS-OLD", "expires_at": (Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339(),
        "refresh_token": "R", "client_id": "app", "client_secret": "S"});
    let source = TokenSource::Stored { store: Arc::new(ReadOnlySecret(creds.to_string())), name: "li".into() };
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let (c, emf) = collector(&server, source, store, vec![]);
    let report = c.run(clock("2026-11-23T06:00:00Z")).await;

    // The data was still collected with the new token, but the run failed (it used to be a warning).
    assert_eq!(report.analytics_rows, 4 * 8);
    assert!(!report.succeeded());
    let f = report.failures.iter().find(|f| f.scope == "saving the refreshed LinkedIn token").expect("a failure");
    assert!(f.error.contains("PutSecretValue") && f.error.contains("after 3 attempts"), "{}", f.error);
    assert_eq!(report.token_save_failures, 1);
    let m: Value = serde_json::from_str(emf.text().trim()).unwrap();
    assert_eq!(m["TokenSaveFailures"].as_f64(), Some(1.0));
}
