//! The foundation's LinkedIn client against the sandbox over real HTTP: everything it sends is
//! accepted, what it reads equals the market's ground truth, it survives the injected faults, and a
//! broken request is refused as LinkedIn would refuse it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use linkedin_core::config::{ApiVersion, CredentialsConfig, LinkedInConfig};
use linkedin_core::linkedin::analytics::{AnalyticsRequest, DEFAULT_METRICS};
use linkedin_core::linkedin::auth::{TokenProvider, TokenSource};
use linkedin_core::linkedin::campaigns::CampaignStatus;
use linkedin_core::linkedin::creatives::CreativeStatus;
use linkedin_core::linkedin::posts::AdCopy;
use linkedin_core::linkedin::retry::RetryPolicy;
use linkedin_core::linkedin::{ApiError, LinkedInClient, http_client};
use linkedin_core::money::Money;
use linkedin_core::secrets::{DirSecretStore, SecretStore};
use linkedin_core::{AccountId, CampaignId, CreativeId, Secret};
use rust_decimal::Decimal;
use sandbox::market::start_of;
use sandbox::money::Micros;
use sandbox::scenario::FaultParams;
use sandbox::{SandboxServer, Scenario};
use serde_json::{Value, json};

const ACCOUNT: u64 = 508720451;
const CAMPAIGN: u64 = 600100;

fn scenario(faults: FaultParams) -> Arc<Scenario> {
    let mut s = Scenario::load("smoke").unwrap();
    s.faults = faults;
    Arc::new(s)
}

async fn start(faults: FaultParams) -> SandboxServer {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    SandboxServer::start(scenario(faults), any).await.unwrap()
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 5).unwrap() + TimeDelta::days(n)
}

fn at(days: i64, hours: i64) -> DateTime<Utc> {
    start_of(day(0)) + TimeDelta::days(days) + TimeDelta::hours(hours)
}

fn config(sb: &SandboxServer) -> LinkedInConfig {
    let mut c = LinkedInConfig::new(
        &sb.base_url(),
        AccountId(ACCOUNT),
        CredentialsConfig::AccessToken(Secret::new("sandbox-access-token")),
    );
    c.api_version = ApiVersion::parse("202610").unwrap();
    c.retry = RetryPolicy::for_tests();
    c
}

fn client(sb: &SandboxServer, source: TokenSource) -> LinkedInClient {
    let http = http_client();
    let tokens = TokenProvider::new(source, &sb.base_url(), http.clone(), sb.clock());
    LinkedInClient::new(&config(sb), Arc::new(tokens), http).with_jitter_seed(3)
}

fn fixed(sb: &SandboxServer) -> LinkedInClient {
    client(sb, TokenSource::Fixed(Secret::new("sandbox-access-token")))
}

#[tokio::test]
async fn the_client_reads_the_account_and_analytics_equal_the_ground_truth() {
    let sb = start(FaultParams::default()).await;
    sb.advance_to(at(3, 14)).unwrap();
    let c = fixed(&sb);

    let campaigns = c.search_campaigns(&[CampaignStatus::Active, CampaignStatus::Paused]).await.unwrap();
    assert_eq!(campaigns.len(), 1);
    assert_eq!(campaigns[0].id, CampaignId(CAMPAIGN));
    assert_eq!(campaigns[0].unit_cost.as_ref().unwrap().amount, Decimal::new(650, 2));
    assert_eq!(campaigns[0].daily_budget.as_ref().unwrap().amount, Decimal::new(120, 0));

    let creatives = c.find_creatives(&[CampaignId(CAMPAIGN)]).await.unwrap();
    assert_eq!(creatives.iter().map(|c| c.id.0).collect::<Vec<_>>(), [900100, 900101, 900102]);
    let post = c.get_post(creatives[0].post().unwrap()).await.unwrap();
    let copy = AdCopy::from(post);
    assert_eq!(copy.headline.as_deref(), Some("Cut reporting time by 80%"));
    assert_eq!(copy.call_to_action.as_deref(), Some("REQUEST_DEMO"));
    assert_eq!(copy.landing_page.as_deref(), Some("https://example.com/demo?utm_source=linkedin"));

    let req = AnalyticsRequest { campaigns: vec![CampaignId(CAMPAIGN)], start: day(0), end: day(3) };
    let pull = c.creative_daily(&req, DEFAULT_METRICS).await.unwrap();
    assert!(pull.problems.is_empty(), "{:?}", pull.problems);
    assert_eq!(pull.rows.len(), 12, "3 creatives × 4 days (today partial)");

    let truth = sb.truth();
    let by_key: BTreeMap<(u64, NaiveDate), _> = truth.daily.iter().map(|d| ((d.creative, d.date), d)).collect();
    for row in &pull.rows {
        let t = &by_key[&(row.creative.0, row.date)].delivered;
        assert_eq!(row.impressions, t.impressions, "{row:?}");
        assert_eq!(row.clicks, t.clicks);
        assert_eq!(row.cost_usd, t.spend.decimal(), "cost is exact");
        assert_eq!(row.cost_local, row.cost_usd);
        assert_eq!(row.conversions(), t.conversions_reported as f64, "what is reported so far");
        assert!(row.landing_page_clicks <= row.clicks && row.total_engagements >= row.clicks);
        assert!(row.approximate_member_reach.unwrap() <= row.impressions);
    }
    assert!(
        truth.daily.iter().any(|d| d.delivered.conversions > d.delivered.conversions_reported),
        "late conversions are still to come"
    );
    assert_eq!(c.stats().retries, 0);
}

#[tokio::test]
async fn partial_updates_change_the_market_and_are_logged_with_before_and_after() {
    let sb = start(FaultParams::default()).await;
    sb.advance_to(at(1, 8)).unwrap();
    let c = fixed(&sb);

    c.set_creative_status(CreativeId(900102), &CreativeStatus::Paused).await.unwrap();
    c.set_campaign_bid(CampaignId(CAMPAIGN), &Money { amount: Decimal::new(725, 2), currency_code: "USD".into() })
        .await
        .unwrap();
    c.set_campaign_daily_budget(
        CampaignId(CAMPAIGN),
        &Money { amount: Decimal::new(150, 0), currency_code: "USD".into() },
    )
    .await
    .unwrap();
    sb.with(|s| {
        assert_eq!(s.market.creative(900102).unwrap().intended_status, "PAUSED");
        assert_eq!(s.market.campaign(CAMPAIGN).unwrap().bid, Micros(7_250_000));
        assert_eq!(s.market.campaign(CAMPAIGN).unwrap().daily_budget, Micros(150_000_000));
        let changes = s.market.changes();
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[1].before, json!({"amount": "6.5", "currencyCode": "USD"}));
        assert_eq!(changes[1].after, json!({"amount": "7.25", "currencyCode": "USD"}));
        let writes: Vec<_> = s.log.iter().filter(|r| r.is_write()).collect();
        assert_eq!(writes.len(), 3);
        assert_eq!(writes[0].restli_method.as_deref(), Some("PARTIAL_UPDATE"));
        assert_eq!(writes[0].path, "/rest/adAccounts/508720451/creatives/urn%3Ali%3AsponsoredCreative%3A900102");
        assert_eq!(writes[0].body.as_deref(), Some(r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#));
    });
    let fetched = c.get_creative(CreativeId(900102)).await.unwrap();
    assert_eq!(fetched.intended_status, CreativeStatus::Paused);
    assert_eq!(fetched.is_serving, Some(false));

    // LinkedIn's floor: a bid under the minimum is refused, and nothing changes.
    let err = c
        .set_campaign_bid(CampaignId(CAMPAIGN), &Money { amount: Decimal::new(150, 2), currency_code: "USD".into() })
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Rejected { status: 400, .. }), "{err}");
    assert!(err.to_string().contains("below the minimum 2.00 USD"), "{err}");
    let err = c
        .set_campaign_bid(CampaignId(CAMPAIGN), &Money { amount: Decimal::new(5, 0), currency_code: "EUR".into() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not match the account currency USD"), "{err}");
    sb.with(|s| assert_eq!(s.market.campaign(CAMPAIGN).unwrap().bid, Micros(7_250_000)));
}

#[tokio::test]
async fn the_client_gets_through_injected_faults_and_refreshes_a_revoked_token() {
    let faults = FaultParams {
        throttle: 0.15,
        data_volume: 0.05,
        server_error: 0.1,
        drop: 0.05,
        slow: 0.05,
        slow_ms: 5,
        max_consecutive: 2,
        token_revoke_hours: Some(30),
        ..FaultParams::default()
    };
    let sb = start(faults).await;
    let dir = tempfile::tempdir().unwrap();
    let store = DirSecretStore::new(dir.path());
    let creds = json!({
        "access_token": "sandbox-access-token",
        "expires_at": (at(0, 0) + TimeDelta::days(59)).to_rfc3339(),
        "refresh_token": "sandbox-refresh-token",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-client-secret",
    });
    store.put_secret("linkedin", &creds.to_string()).await.unwrap();
    let c = client(&sb, TokenSource::Stored { store: Arc::new(store), name: "linkedin".into() });

    let mut rows = 0;
    for d in 1..=4 {
        sb.advance_to(at(d, 6)).unwrap();
        c.search_campaigns(&[CampaignStatus::Active]).await.unwrap();
        c.find_creatives(&[CampaignId(CAMPAIGN)]).await.unwrap();
        let req = AnalyticsRequest { campaigns: vec![CampaignId(CAMPAIGN)], start: day(0), end: day(d) };
        rows = c.creative_daily(&req, DEFAULT_METRICS).await.unwrap().rows.len();
    }
    assert_eq!(rows, 15, "3 creatives × 5 days");
    let stats = c.stats();
    assert!(stats.retries >= 1 && stats.throttled >= 1, "{stats:?}");
    let events = c.auth_events().await;
    assert!(events.refreshes >= 1, "the token was revoked after 30 simulated hours: {events:?}");
    let saved = DirSecretStore::new(dir.path()).get_secret("linkedin").await.unwrap();
    assert!(saved.contains("sandbox-at-"), "the new token was written back");
    sb.with(|s| {
        let faults: Vec<_> = s.log.iter().filter_map(|r| r.fault.clone()).collect();
        assert!(faults.iter().any(|f| f.starts_with("injected 429")), "{faults:?}");
        assert!(faults.iter().any(|f| f.starts_with("injected 5")), "{faults:?}");
        assert!(s.log.iter().any(|r| r.status == Some(401)), "a revoked token was refused");
    });
}

/// A raw request with LinkedIn's headers, for the refusal tests.
struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    fn new(sb: &SandboxServer) -> Self {
        Self { http: reqwest::Client::new(), base: sb.base_url() }
    }

    fn req(&self, method: &str, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method.parse().unwrap(), format!("{}{path_and_query}", self.base))
            .header("Authorization", "Bearer sandbox-access-token")
            .header("LinkedIn-Version", "202610")
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

const ANALYTICS: &str = "/rest/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&dateRange=(start:(year:2026,month:10,day:5),end:(year:2026,month:10,day:6))&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A600100)";
const CREATIVE: &str = "/rest/adAccounts/508720451/creatives/urn%3Ali%3AsponsoredCreative%3A900100";

#[tokio::test]
async fn broken_requests_are_refused_as_linkedin_refuses_them() {
    let sb = start(FaultParams::default()).await;
    sb.advance_to(at(2, 0)).unwrap();
    let raw = Raw::new(&sb);
    let fields = "&fields=dateRange,pivotValues,impressions";

    // The well-formed request works, so each refusal below is about its one defect.
    let (s, body) = Raw::send(raw.req("GET", &format!("{ANALYTICS}{fields}"))).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["elements"].as_array().unwrap().len(), 6);
    assert_eq!(body["elements"][0]["dateRange"]["start"], json!({"year": 2026, "month": 10, "day": 5}));

    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "no version header",
            raw.http
                .get(format!("{}{ANALYTICS}{fields}", raw.base))
                .header("Authorization", "Bearer sandbox-access-token")
                .header("X-Restli-Protocol-Version", "2.0.0"),
            400,
            "VERSION_MISSING",
        ),
        ("a sunset version", raw.req("GET", &format!("{ANALYTICS}{fields}")).header("LinkedIn-Version", "202409"), 426, "NONEXISTENT_VERSION"),
        (
            "no protocol header",
            raw.http
                .get(format!("{}{ANALYTICS}{fields}", raw.base))
                .header("Authorization", "Bearer sandbox-access-token")
                .header("LinkedIn-Version", "202610"),
            400,
            "X-Restli-Protocol-Version: 2.0.0 is required",
        ),
        (
            "Rest.li 1.0 syntax (the seed design's query)",
            raw.req("GET", "/rest/adAnalytics?q=analytics&pivot=CREATIVE&dateRange.start.day=1&dateRange.start.month=10&dateRange.start.year=2026&campaigns[0]=urn:li:sponsoredCampaign:600100"),
            400,
            "Rest.li 1.0 syntax",
        ),
        ("an unencoded URN in a list", raw.req("GET", &format!("{}{fields}", ANALYTICS.replace("urn%3Ali%3AsponsoredCampaign%3A600100", "urn:li:sponsoredCampaign:600100"))), 400, "Invalid query"),
        ("no timeGranularity", raw.req("GET", &format!("{}{fields}", ANALYTICS.replace("&timeGranularity=DAILY", ""))), 400, "timeGranularity"),
        ("21 fields", raw.req("GET", &format!("{ANALYTICS}&fields=dateRange,pivotValues,{}", "impressions,".repeat(18) + "clicks,likes")), 400, "maximum of 20"),
        ("an unknown metric", raw.req("GET", &format!("{ANALYTICS}&fields=dateRange,pivotValues,impresions")), 400, "Invalid field 'impresions'"),
        ("paging start", raw.req("GET", &format!("{ANALYTICS}{fields}&start=10")), 400, "paging start value is not permitted"),
        ("PATCH (the seed design's method)", raw.req("PATCH", CREATIVE).header("Content-Type", "application/json").body(r#"{"status":"PAUSED"}"#), 405, "METHOD_NOT_ALLOWED"),
        ("POST without X-RestLi-Method", raw.req("POST", CREATIVE).header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#), 400, "X-RestLi-Method: PARTIAL_UPDATE is required"),
        ("a bare body, not a patch", raw.req("POST", CREATIVE).header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"intendedStatus":"PAUSED"}"#), 400, "Malformed patch"),
        ("the legacy status field", raw.req("POST", CREATIVE).header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"status":"PAUSED"}}}"#), 400, "intendedStatus"),
        ("a read-only field", raw.req("POST", CREATIVE).header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"isServing":false}}}"#), 400, "read-only"),
        ("an unknown status", raw.req("POST", CREATIVE).header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"intendedStatus":"SLEEPING"}}}"#), 400, "SLEEPING"),
        ("a bid as a number", raw.req("POST", "/rest/adAccounts/508720451/adCampaigns/600100").header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"unitCost":{"amount":5.0,"currencyCode":"USD"}}}}"#), 400, "decimal string"),
        ("the seed's unscoped path", raw.req("POST", "/rest/creatives/900100").header("X-RestLi-Method", "PARTIAL_UPDATE").header("Content-Type", "application/json").body(r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#), 404, "NOT_FOUND"),
        ("an unencoded URN key", raw.req("GET", "/rest/adAccounts/508720451/creatives/urn:li:sponsoredCreative:900100"), 400, "percent-encoded"),
        ("a numeric creative key", raw.req("GET", "/rest/adAccounts/508720451/creatives/900100"), 400, "urn:li:sponsoredCreative:<id>"),
        ("another account", raw.req("GET", "/rest/adAccounts/1/adCampaigns/600100"), 403, "ACCESS_DENIED"),
        ("an unknown campaign", raw.req("GET", "/rest/adAccounts/508720451/adCampaigns/1"), 404, "does not exist"),
        ("no token", raw.http.get(format!("{}{CREATIVE}", raw.base)).header("LinkedIn-Version", "202610").header("X-Restli-Protocol-Version", "2.0.0"), 401, "Empty oauth2_access_token"),
        ("an unknown token", raw.req("GET", CREATIVE).header("Authorization", "Bearer forged"), 401, "Invalid access token"),
        ("a page too large", raw.req("GET", "/rest/adAccounts/508720451/creatives?q=criteria&pageSize=500"), 400, "pageSize"),
        ("a query over 8 KB", raw.req("GET", &format!("{ANALYTICS}{fields}&x={}", "a".repeat(9000))), 414, "tunnel"),
    ];
    for (what, rb, status, needle) in cases {
        let (s, body) = Raw::send(rb).await;
        assert_eq!(s, status, "{what}: {body}");
        assert!(body.to_string().contains(needle), "{what}: {body}");
        if s != 401 {
            assert_eq!(body["status"], json!(status), "{what}: LinkedIn's error body: {body}");
        }
    }
    sb.with(|s| {
        assert_eq!(s.market.creative(900100).unwrap().intended_status, "ACTIVE", "no refused write changed anything")
    });

    // Tunneling: the same query as a form body, via POST + X-HTTP-Method-Override: GET.
    let (path, query) = ANALYTICS.split_once('?').unwrap();
    let (s, body) = Raw::send(
        raw.req("POST", path)
            .header("X-HTTP-Method-Override", "GET")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("{query}{fields}")),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["elements"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn creates_make_a_post_and_a_creative_that_serves_after_review() {
    let sb = start(FaultParams::default()).await;
    sb.advance_to(at(1, 9)).unwrap();
    let raw = Raw::new(&sb);
    let post = json!({
        "author": "urn:li:organization:64265083",
        "commentary": "Which metric do you check first on Monday?",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "NONE", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "content": {"article": {"source": "https://example.com/q", "title": "3 metrics that matter"}},
        "contentCallToActionLabel": "LEARN_MORE",
        "lifecycleState": "PUBLISHED",
        "adContext": {"dscAdAccount": "urn:li:sponsoredAccount:508720451", "dscStatus": "ACTIVE"}
    });
    let r = raw.req("POST", "/rest/posts").header("Content-Type", "application/json").json(&post).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let post_urn = r.headers()["x-restli-id"].to_str().unwrap().to_string();
    assert!(post_urn.starts_with("urn:li:share:"));

    let creative = json!({"campaign": "urn:li:sponsoredCampaign:600100", "intendedStatus": "ACTIVE", "content": {"reference": post_urn}});
    let r = raw
        .req("POST", "/rest/adAccounts/508720451/creatives")
        .header("X-RestLi-Method", "CREATE")
        .header("Content-Type", "application/json")
        .json(&creative)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let urn = r.headers()["x-restli-id"].to_str().unwrap().to_string();
    let id: u64 = urn.rsplit(':').next().unwrap().parse().unwrap();

    let c = fixed(&sb);
    let fetched = c.get_creative(CreativeId(id)).await.unwrap();
    assert_eq!(fetched.review.unwrap().status.as_deref(), Some("PENDING"));
    sb.advance_to(at(3, 0)).unwrap();
    let truth = sb.truth();
    let t = truth.creatives.iter().find(|c| c.id == id).unwrap();
    assert!(t.created_via_api && t.delivered.impressions > 0, "{t:?}");

    // An intro past LinkedIn's 600-character limit is refused.
    let mut long = post.clone();
    long["commentary"] = json!("x".repeat(601));
    let (s, body) =
        Raw::send(raw.req("POST", "/rest/posts").header("Content-Type", "application/json").json(&long)).await;
    assert_eq!(s, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("limit is 600"), "{body}");

    // createInline: post and creative in one call.
    let inline = json!({"creative": {"campaign": "urn:li:sponsoredCampaign:600100", "intendedStatus": "PAUSED",
        "inlineContent": {"post": {"author": "urn:li:organization:64265083", "commentary": "Inline copy",
        "content": {"article": {"source": "https://example.com", "title": "Inline"}}}}}});
    let r = raw
        .req("POST", "/rest/adAccounts/508720451/creatives?action=createInline")
        .header("Content-Type", "application/json")
        .json(&inline)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["value"]["creative"].as_str().unwrap().starts_with("urn:li:sponsoredCreative:"), "{v}");
}

#[tokio::test]
async fn the_token_endpoint_refreshes_only_for_the_right_client() {
    let sb = start(FaultParams::default()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/oauth/v2/accessToken", sb.base_url());
    let form = |secret: &str| {
        format!(
            "grant_type=refresh_token&refresh_token=sandbox-refresh-token&client_id=sandbox-client&client_secret={secret}"
        )
    };
    let r = http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form("sandbox-client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["expires_in"], json!(60 * 24 * 3600));
    assert_eq!(v["refresh_token_expires_in"], json!(300 * 24 * 3600));
    let r = http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(sb.now().year(), 2026);
}

/// A scenario with one campaign of `n` creatives and no faults.
fn wide_scenario(n: u64) -> Arc<Scenario> {
    let mut toml = String::from(
        "name = \"wide\"\nstart = \"2026-01-05\"\n[account]\nid = 508720451\n[oauth]\naccess_token_ttl_hours = 100000\n[[campaigns]]\nid = 600100\nname = \"w\"\n\
         objective = \"WEBSITE_VISIT\"\nbid = \"9\"\ndaily_budget = \"100000\"\n",
    );
    for i in 0..n {
        toml.push_str(&format!(
            "[[campaigns.creatives]]\nid = {}\nintro = \"Copy {i}\"\nheadline = \"Headline {i}\"\n",
            900000 + i
        ));
    }
    Arc::new(Scenario::parse(&toml, "wide").unwrap())
}

#[tokio::test]
async fn the_15000_row_cap_truncates_silently_and_the_client_splits_around_it() {
    let sb = SandboxServer::start(wide_scenario(100), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    sb.advance_to(start_of(start) + TimeDelta::days(152)).unwrap();
    let raw = Raw::new(&sb);
    let query = "/rest/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY\
        &dateRange=(start:(year:2026,month:1,day:5),end:(year:2026,month:6,day:5))\
        &campaigns=List(urn%3Ali%3AsponsoredCampaign%3A600100)&fields=dateRange,pivotValues,impressions";
    let (s, body) = Raw::send(raw.req("GET", query).header("LinkedIn-Version", "202601")).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body["elements"].as_array().unwrap().len(),
        15_000,
        "100 creatives × 152 days, cut at 15,000 without a word"
    );

    let mut cfg = config(&sb);
    cfg.api_version = ApiVersion::parse("202601").unwrap();
    let http = http_client();
    let tokens = TokenProvider::new(
        TokenSource::Fixed(Secret::new("sandbox-access-token")),
        &sb.base_url(),
        http.clone(),
        sb.clock(),
    );
    let c = LinkedInClient::new(&cfg, Arc::new(tokens), http);
    let req = AnalyticsRequest { campaigns: vec![CampaignId(CAMPAIGN)], start, end: start + TimeDelta::days(151) };
    let pull = c.creative_daily(&req, &["impressions", "clicks"]).await.unwrap();
    assert_eq!(pull.rows.len(), 15_200, "the client halved the request and got every row");
}

#[tokio::test]
async fn statistics_pivots_and_coarser_granularities_add_up() {
    let sb = start(FaultParams::default()).await;
    sb.advance_to(at(10, 0)).unwrap();
    let raw = Raw::new(&sb);
    let range = "dateRange=(start:(year:2026,month:10,day:5),end:(year:2026,month:10,day:14))";
    let facet = "campaigns=List(urn%3Ali%3AsponsoredCampaign%3A600100)";
    let get = |q: String| Raw::send(raw.req("GET", &format!("/rest/adAnalytics?{q}")));
    let (s, daily) =
        get(format!("q=analytics&pivot=CREATIVE&timeGranularity=DAILY&{range}&{facet}&fields=impressions,costInUsd"))
            .await;
    assert_eq!(s, 200);
    let total: u64 = daily["elements"].as_array().unwrap().iter().map(|e| e["impressions"].as_u64().unwrap()).sum();

    let (s, all) = get(format!(
        "q=statistics&pivots=List(CAMPAIGN,CREATIVE)&timeGranularity=(value:ALL)&{range}&{facet}&fields=dateRange,pivotValues,impressions,approximateMemberReach"
    ))
    .await;
    assert_eq!(s, 200, "{all}");
    let els = all["elements"].as_array().unwrap();
    assert_eq!(els.len(), 3, "one row per (campaign, creative)");
    assert_eq!(els[0]["pivotValues"], json!(["urn:li:sponsoredCampaign:600100", "urn:li:sponsoredCreative:900100"]));
    assert_eq!(els[0]["dateRange"]["end"], json!({"year": 2026, "month": 10, "day": 14}));
    assert_eq!(els.iter().map(|e| e["impressions"].as_u64().unwrap()).sum::<u64>(), total);

    let (s, monthly) =
        get(format!("q=analytics&pivot=(value:ACCOUNT)&timeGranularity=MONTHLY&{range}&accounts=List(urn%3Ali%3AsponsoredAccount%3A508720451)&fields=impressions")).await;
    assert_eq!(s, 200);
    assert_eq!(monthly["elements"].as_array().unwrap().len(), 1);
    assert_eq!(monthly["elements"][0]["impressions"].as_u64().unwrap(), total);

    let (s, body) = get(format!("q=analytics&pivot=MEMBER_SENIORITY&timeGranularity=ALL&{range}&{facet}")).await;
    assert_eq!((s, body["code"].as_str()), (400, Some("SANDBOX_UNSUPPORTED")), "a gap is never mistaken for data");
}

#[tokio::test]
async fn admin_endpoints_move_the_clock_set_faults_and_reset() {
    let sb = start(FaultParams::default()).await;
    let http = reqwest::Client::new();
    let admin = |p: &str| format!("{}/_sandbox/{p}", sb.base_url());
    let r: Value =
        http.post(admin("clock")).body(r#"{"advance_hours": 49}"#).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["now"], "2026-10-07T01:00:00Z");
    let back = http.post(admin("clock")).body(r#"{"to": "2026-10-06T00:00:00Z"}"#).send().await.unwrap();
    assert_eq!(back.status(), 400, "the clock never goes back");

    let set = http.post(admin("faults")).body(r#"{"throttle": 1.0, "max_consecutive": 1}"#).send().await.unwrap();
    assert_eq!(set.status(), 200);
    let c = fixed(&sb);
    c.search_campaigns(&[CampaignStatus::Active]).await.unwrap();
    assert_eq!(c.stats().throttled, 1, "one injected 429, then through");
    let log: Value = http.get(admin("requests")).send().await.unwrap().json().await.unwrap();
    let statuses: Vec<u64> =
        log["requests"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [429, 200]);

    let truth: Value = http.get(admin("truth")).send().await.unwrap().json().await.unwrap();
    assert!(truth["outcomes"]["oracle"]["clicks"].as_u64().unwrap() > 0);
    assert_eq!(truth["oracle"][0]["creative"], 900100, "the oracle picks the pinned best creative");

    let r: Value = http.post(admin("reset")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["now"], "2026-10-05T00:00:00Z");
    let log: Value = http.get(admin("requests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["requests"], json!([]));
    assert_eq!(http.get(admin("nope")).send().await.unwrap().status(), 404);
}
