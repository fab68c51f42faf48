//! Seed corpora: valid inputs of each kind, made the way production makes them where it can. The
//! LinkedIn answers come from the sandbox (the strict Marketing API over a simulated market) answering
//! the requests the client sends; the raw NDJSON, the Parquet partition and the audit lines are
//! written by the project's own writers from those answers; the rest follows the documented formats.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, TimeDelta, Utc};
use copy_generator::generator::Generator;
use copy_generator::offline::OfflineGenerator;
use copy_generator::score::{Scored, features_of};
use copy_generator::variation::{Brief, ExistingCopy, Variation, Winner};
use linkedin_core::audit::{AuditLine, EntityState, Outcome, Published};
use linkedin_core::decisions::{Action, CreativeStats, Entity, Params};
use linkedin_core::layout::RunId;
use linkedin_core::linkedin::analytics::{self, AnalyticsRequest, DEFAULT_METRICS, field_chunks};
use linkedin_core::linkedin::campaigns::Campaign;
use linkedin_core::linkedin::creatives::Creative;
use linkedin_core::linkedin::posts::{AdCopy, Post};
use linkedin_core::linkedin::{DEFAULT_API_VERSION, read_finder_page};
use linkedin_core::model::ModelKind;
use linkedin_core::performance::DateWindow;
use linkedin_core::raw::{AnalyticsRecord, CampaignSnapshot, CreativeSnapshot, to_ndjson};
use linkedin_core::restli::{Query, Value as Rv, encode_leaf};
use linkedin_core::{AccountId, CampaignId, CreativeId};
use rust_decimal::Decimal;
use sandbox::Scenario;
use sandbox::http::Request;
use sandbox::service::{Outcome as SandboxOutcome, Service};
use serde_json::{Value, json};

use super::block_on;

/// What the sandbox answered, once per process (building the market takes a few milliseconds).
pub struct Sandbox {
    pub account: AccountId,
    pub campaigns_page: Vec<u8>,
    pub creatives_page: Vec<u8>,
    pub posts: Vec<Vec<u8>>,
    pub analytics_pages: Vec<Vec<u8>>,
    pub token_reply: Vec<u8>,
    /// LinkedIn error bodies (401, 404, 426) as the sandbox gives them.
    pub errors: Vec<Vec<u8>>,
    pub records: Vec<AnalyticsRecord>,
    pub campaign_snapshots: Vec<CampaignSnapshot>,
    pub creative_snapshots: Vec<CreativeSnapshot>,
}

pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(build_sandbox)
}

fn request(token: &str, method: &str, path: &str, query: &str, finder: bool) -> Request {
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("linkedin-version".into(), DEFAULT_API_VERSION.into());
    headers.insert("x-restli-protocol-version".into(), "2.0.0".into());
    headers.insert("authorization".into(), format!("Bearer {token}"));
    if finder {
        headers.insert("x-restli-method".into(), "FINDER".into());
    }
    Request { method: method.into(), path: path.into(), query: query.into(), headers, body: Default::default() }
}

/// The body of the sandbox's answer; `ok` says whether a 2xx is expected (seeds must be what they claim).
fn answer(service: &mut Service, req: &Request, ok: bool) -> Vec<u8> {
    match service.handle(req) {
        SandboxOutcome::Respond { response, .. } => {
            assert_eq!((200..300).contains(&response.status), ok, "{} {}: {}", req.path, req.query, response.status);
            response.body
        }
        SandboxOutcome::Drop => panic!("the sandbox dropped {} with faults off", req.path),
    }
}

fn build_sandbox() -> Sandbox {
    let scenario = Scenario::load("smoke").expect("the smoke scenario");
    let mut service = Service::new(Arc::new(scenario.clone()));
    service.faults.params = Default::default();
    let start = service.now();
    service.market.advance_to(start + TimeDelta::days(4)).expect("the market advances");
    let s = &scenario;
    let account = AccountId(s.account.id);
    let now = service.now();
    let run = RunId::new(now);

    // The scenario's own token has expired by now: refresh it, as the client would.
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        encode_leaf(&s.oauth.refresh_token),
        encode_leaf(&s.oauth.client_id),
        encode_leaf(&s.oauth.client_secret)
    );
    let mut refresh = request("", "POST", "/oauth/v2/accessToken", "", false);
    refresh.headers.insert("content-type".into(), "application/x-www-form-urlencoded".into());
    refresh.body = form.into_bytes().into();
    let token_reply = answer(&mut service, &refresh, true);
    let reply: Value = serde_json::from_slice(&token_reply).expect("the sandbox's token reply");
    let token = reply["access_token"].as_str().expect("an access token").to_string();
    let token = token.as_str();

    let search = Query::new()
        .raw("q", "search")
        .param("search", Rv::Record(vec![("status", Rv::Record(vec![("values", Rv::List(vec![Rv::str("ACTIVE")]))]))]))
        .raw("pageSize", "500")
        .build();
    let path = format!("/rest/adAccounts/{}/adCampaigns", account.0);
    let campaigns_page = answer(&mut service, &request(token, "GET", &path, &search, true), true);
    let (campaigns, _) = read_finder_page::<Campaign>(&campaigns_page).expect("the sandbox's campaigns page");

    let list = Rv::List(campaigns.iter().map(|c| Rv::str(c.id.urn())).collect());
    let criteria = Query::new().raw("q", "criteria").param("campaigns", list).raw("pageSize", "100").build();
    let path = format!("/rest/adAccounts/{}/creatives", account.0);
    let creatives_page = answer(&mut service, &request(token, "GET", &path, &criteria, true), true);
    let (creatives, _) = read_finder_page::<Creative>(&creatives_page).expect("the sandbox's creatives page");

    let mut posts = Vec::new();
    let mut copies = Vec::new();
    for c in &creatives {
        if let Some(urn) = c.post() {
            let body = answer(
                &mut service,
                &request(token, "GET", &format!("/rest/posts/{}", encode_leaf(&urn.0)), "", false),
                true,
            );
            copies.push(AdCopy::from(serde_json::from_slice::<Post>(&body).expect("the sandbox's post")));
            posts.push(body);
        } else {
            copies.push(AdCopy::default());
        }
    }

    let day = now.date_naive();
    let req = AnalyticsRequest {
        campaigns: campaigns.iter().map(|c| c.id).collect(),
        start: day - TimeDelta::days(3),
        end: day,
    };
    let mut analytics_pages = Vec::new();
    let mut records = Vec::new();
    for fields in field_chunks(DEFAULT_METRICS) {
        let q = analytics::analytics_query(&req, &fields);
        let body = answer(&mut service, &request(token, "GET", "/rest/adAnalytics", &q, true), true);
        let pull = analytics::read_page(&body).expect("the sandbox's analytics page");
        let campaign_of =
            |id: CreativeId| creatives.iter().find(|c| c.id == id).map(|c| c.campaign).unwrap_or(CampaignId(1));
        records.extend(
            pull.rows.iter().map(|d| AnalyticsRecord::from_day(d, account, campaign_of(d.creative), now, &run)),
        );
        analytics_pages.push(body);
    }
    assert!(!records.is_empty(), "the sandbox served no analytics rows");

    let mut errors = Vec::new();
    let mut no_token = request(token, "GET", &format!("/rest/adAccounts/{}/adCampaigns/1", account.0), "", false);
    no_token.headers.remove("authorization");
    errors.push(answer(&mut service, &no_token, false));
    errors.push(answer(
        &mut service,
        &request(token, "GET", &format!("/rest/adAccounts/{}/adCampaigns/1", account.0), "", false),
        false,
    ));
    let mut old = request(token, "GET", &format!("/rest/adAccounts/{}/adCampaigns", account.0), &search, true);
    old.headers.insert("linkedin-version".into(), "202301".into());
    errors.push(answer(&mut service, &old, false));

    let campaign_snapshots = campaigns.iter().map(|c| CampaignSnapshot::from_campaign(c, account, now, &run)).collect();
    let creative_snapshots = creatives
        .iter()
        .zip(copies)
        .map(|(c, copy)| CreativeSnapshot::from_creative(c, account, Ok(copy), now, &run))
        .collect();
    Sandbox {
        account,
        campaigns_page,
        creatives_page,
        posts,
        analytics_pages,
        token_reply,
        errors,
        records,
        campaign_snapshots,
        creative_snapshots,
    }
}

/// A handful of NDJSON objects of `rows`, as the collector writes them.
pub fn ndjson<T: serde::Serialize>(rows: &[T], chunks: usize) -> Vec<Vec<u8>> {
    let per = rows.len().div_ceil(chunks).max(1);
    rows.chunks(per).map(to_ndjson).collect()
}

/// A finder page, and its first element alone (what a GET of one entity answers).
pub fn page_and_element(page: &[u8]) -> Vec<Vec<u8>> {
    let v: Value = serde_json::from_slice(page).expect("a JSON page");
    vec![page.to_vec(), v["elements"][0].to_string().into_bytes()]
}

pub fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

pub fn credentials() -> Vec<Vec<u8>> {
    bytes(&[
        r#"{"access_token":"AQV-token","expires_at":"2027-01-20T06:00:00Z","refresh_token":"AQX-refresh","refresh_token_expires_at":"2027-10-01T00:00:00Z","client_id":"86abc","client_secret":"s3cr3t"}"#,
        r#"{"access_token":"AQV-token","expires_at":1800000000,"refresh_token":"AQX","refresh_token_expires_at":1830000000000,"client_id":"86abc","client_secret":"s","note":"kept"}"#,
        r#"{"access_token":"only-a-token"}"#,
    ])
}

pub fn token_replies() -> Vec<Vec<u8>> {
    let mut out = vec![sandbox().token_reply.clone()];
    out.extend(bytes(&[
        r#"{"access_token":"AQV-new","expires_in":5184000,"refresh_token":"AQX-new","refresh_token_expires_in":31536000,"scope":"r_ads,rw_ads"}"#,
        r#"{"access_token":"AQV-new","expires_in":"5184000"}"#,
    ]));
    out
}

pub fn oauth_errors() -> Vec<Vec<u8>> {
    bytes(&[
        r#"{"error":"invalid_grant","error_description":"The provided authorization grant or refresh token is invalid, expired or revoked"}"#,
        r#"{"error":"invalid_client","message":"Client authentication failed"}"#,
        "<html>Bad gateway</html>",
    ])
}

pub fn linkedin_errors() -> Vec<Vec<u8>> {
    let mut out = sandbox().errors.clone();
    out.extend(bytes(&[
        r#"{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}"#,
        r#"{"status":429,"message":"Too many metric values requested: data volume limit"}"#,
        r#"{"status":400,"code":"ILLEGAL_ARGUMENT","message":"Invalid param"}"#,
    ]));
    out
}

/// `x-restli-id` on the first line (empty: no header), the body after it.
pub fn create_inline_replies() -> Vec<Vec<u8>> {
    bytes(&[
        "urn%3Ali%3AsponsoredCreative%3A771\n",
        "\n{\"value\":{\"creative\":\"urn:li:sponsoredCreative:771\",\"post\":\"urn:li:share:9\"}}",
        "urn:li:sponsoredCreative:12\n{}",
    ])
}

pub fn winners_brief() -> Brief {
    let winner = |id: u64, ctr: f64, intro: &str, headline: &str| Winner {
        creative_id: id,
        campaign_id: 1,
        impressions: 20_000,
        clicks: (20_000.0 * ctr) as u64,
        ctr,
        intro_text: intro.into(),
        headline: headline.into(),
        description: "Close the books in 3 days, not 10.".into(),
        call_to_action: "LEARN_MORE".into(),
        landing_page: Some("https://example.com/demo".into()),
    };
    let winners = vec![
        winner(
            11,
            0.012,
            "Finance teams close 40% faster with automated reconciliation.",
            "Close faster with less effort",
        ),
        winner(
            12,
            0.009,
            "Still reconciling spreadsheets at month end? There is a better way.",
            "Month-end, minus the spreadsheets",
        ),
    ];
    Brief {
        patterns: copy_generator::brief::patterns(&winners),
        existing: winners
            .iter()
            .map(|w| ExistingCopy { intro_text: w.intro_text.clone(), headline: w.headline.clone() })
            .collect(),
        winners,
    }
}

/// The offline generator's five variations for [`winners_brief`]: valid copy, as Claude's should be.
pub fn variations() -> Vec<Variation> {
    block_on(OfflineGenerator.generate(&winners_brief())).expect("the offline generator writes copy").variations
}

/// `status` on the first line, the body after it.
pub fn claude_answers() -> Vec<Vec<u8>> {
    let answer = json!({ "variations": variations() }).to_string();
    let reply = |text: String, stop: &str| {
        json!({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
            "content":[{"type":"text","text":text}],"stop_reason":stop,"stop_sequence":null,
            "usage":{"input_tokens":1834,"output_tokens":912}})
        .to_string()
    };
    vec![
        format!("200\n{}", reply(answer.clone(), "end_turn")).into_bytes(),
        format!("200\n{}", reply(format!("```json\n{answer}\n```"), "end_turn")).into_bytes(),
        format!("200\n{}", reply(answer[..answer.len() / 2].to_string(), "max_tokens")).into_bytes(),
        b"429\n{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}".to_vec(),
        b"429\n{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend limit\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}".to_vec(),
        b"529\n{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}".to_vec(),
    ]
}

pub fn batches() -> Vec<Vec<u8>> {
    let brief = winners_brief();
    let scored: Vec<Scored> = variations()
        .into_iter()
        .enumerate()
        .map(|(i, v)| Scored { features: features_of(&v), predicted_ctr: Some(0.01 - i as f64 * 0.001), variation: v })
        .collect();
    let as_of = "2026-11-23".parse().expect("a date");
    let batch = copy_generator::Batch {
        batch: RunId("20261123T090000Z-3f9a1c".into()),
        as_of,
        generated_at: "2026-11-23T09:00:00Z".parse().expect("a time"),
        window: DateWindow::last(as_of, 28),
        generator: "offline templates".into(),
        scorer: "heuristic".into(),
        api_calls: 0,
        input_tokens: None,
        output_tokens: None,
        cost_usd: None,
        repaired: false,
        source_campaign: 1,
        brief,
        variations: scored,
    };
    let compact = serde_json::to_vec(&batch).expect("a batch serialises");
    let pretty = serde_json::to_vec_pretty(&batch).expect("a batch serialises");
    vec![compact, pretty]
}

fn audit_line(entity: Entity, action: Action, outcome: Outcome, at: DateTime<Utc>) -> AuditLine {
    AuditLine {
        run_id: RunId::new(at),
        as_of: at.date_naive(),
        at,
        dry_run: outcome == Outcome::DryRun,
        entity,
        action,
        outcome,
        reason: "P(best) 0.003 < 0.01 after 2,400 impressions".into(),
        skipped_because: None,
        stats: None,
        before: EntityState { status: Some("ACTIVE".into()), ..EntityState::default() },
        after: EntityState { status: Some("PAUSED".into()), ..EntityState::default() },
        error: None,
        params: Some(Params::default()),
        undo_of: None,
        published: None,
        recovered_by: None,
    }
}

pub fn audit_lines() -> Vec<Vec<u8>> {
    let at: DateTime<Utc> = "2026-11-23T08:00:03Z".parse().expect("a time");
    let creative = Entity::Creative { id: CreativeId(287513206), campaign: CampaignId(252074216) };
    let campaign = Entity::Campaign { id: CampaignId(252074216) };
    let mut pause = audit_line(creative, Action::Pause, Outcome::Applied, at);
    pause.stats = Some(CreativeStats {
        impressions: 2400,
        clicks: 9,
        cost_usd: Decimal::new(4150, 2),
        ctr: Some(0.00375),
        cpc: Some(4.61),
        posterior: linkedin_core::stats::Beta::new(10.0, 2391.0),
        p_below_min_ctr: Some(0.97),
        p_best: Some(0.003),
        conversions: Some(1.0),
        cvr_posterior: None,
        value: None,
    });
    let mut bid = audit_line(
        campaign,
        Action::SetBid { from: Decimal::new(850, 2), to: Decimal::new(765, 2) },
        Outcome::Applied,
        at + TimeDelta::seconds(1),
    );
    bid.before =
        EntityState { bid: Some(Decimal::new(850, 2)), currency: Some("USD".into()), ..EntityState::default() };
    bid.after = EntityState { bid: Some(Decimal::new(765, 2)), currency: Some("USD".into()), ..EntityState::default() };
    let mut publish = audit_line(creative, Action::Publish, Outcome::Applied, at + TimeDelta::seconds(2));
    publish.published = Some(Published {
        batch_key: "copy/pending/dt=2026-11-23/20261123T090000Z-3f9a1c.json".into(),
        batch: RunId("20261123T090000Z-3f9a1c".into()),
        variation: 1,
        angle: "urgency".into(),
        predicted_ctr: Some(0.011),
        template_creative: CreativeId(287513206),
        copy: AdCopy { headline: Some("Close faster".into()), ..AdCopy::default() },
        creative: Some(CreativeId(771)),
    });
    let keep = audit_line(creative, Action::Keep, Outcome::NoChange, at + TimeDelta::seconds(3));
    vec![to_ndjson(&[pause.clone(), bid.clone()]), to_ndjson(&[publish, keep, pause]), to_ndjson(&[bid])]
}

/// A small ensemble of each kind in the `linkedin-ads-trees` v1 format.
pub fn models() -> Vec<Vec<u8>> {
    let model = |kind: ModelKind, estimator: &str, combine: &str| {
        let features = kind.features();
        let n = features.len() as i64;
        let tree = |f: i64, t: f64| {
            json!({"children_left":[1,3,-1,-1,-1],"children_right":[2,4,-1,-1,-1],"feature":[f,(f+1)%n,-2,-2,-2],
                "threshold":[t,0.5,-2.0,-2.0,-2.0],"value":[0.0,0.0,0.012,0.004,0.02],"missing_go_to_left":[1,0,0,0,0]})
        };
        json!({"format":"linkedin-ads-trees","format_version":1,"model":kind.name(),"estimator":estimator,
            "sklearn_version":"1.5.2","target":"ctr","features":features,"combine":combine,"base_score":0.01,
            "learning_rate":0.1,"trees":[tree(0, 3.5), tree(2, 120.0), tree(n - 1, -1.0)],
            "metrics":{"r2":0.41},"training_rows":1200,"trained_at":"2026-11-20T00:00:00Z"})
        .to_string()
        .into_bytes()
    };
    vec![
        model(ModelKind::CreativeScorer, "RandomForestRegressor", "mean"),
        model(ModelKind::BidOptimizer, "GradientBoostingRegressor", "sum"),
    ]
}

/// A CSV of the creative scorer's features, as `linkedin-ads predict` reads it.
pub fn feature_csvs() -> Vec<Vec<u8>> {
    let features = ModelKind::CreativeScorer.features();
    let header = std::iter::once("creative_id").chain(features.iter().copied()).collect::<Vec<_>>().join(",");
    let row = |id: &str, x: f64| {
        std::iter::once(id.to_string())
            .chain(features.iter().enumerate().map(|(i, _)| format!("{}", x * i as f64)))
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![format!("{header}\n{}\n{}\n", row("\"1,2\"", 0.5), row("3", 1e-3)).into_bytes()]
}

pub fn env_files() -> Vec<Vec<u8>> {
    bytes(&[
        "DATA_DIR=/tmp/linkedin-ads\nLINKEDIN_AD_ACCOUNT_ID=508720451\nLINKEDIN_ACCESS_TOKEN=AQV-token\nCAMPAIGN_IDS=252074216,urn:li:sponsoredCampaign:252074217\nLOOKBACK_DAYS=7\nDRY_RUN=true\nDECISION_POLICY=conversions\nTARGET_CPA_BY_CAMPAIGN=252074216=40,252074217=55.50\nMAX_BID_STEP_PERCENT=20\nCOOLDOWN_DAYS=3\nMAX_DAILY_BUDGET=500\nANTHROPIC_API_KEY=sk-ant-api03-x",
        "BUCKET_NAME=linkedin-ads-data\nLINKEDIN_AD_ACCOUNT_ID=urn:li:sponsoredAccount:508720451\nSECRET_NAME=linkedin/oauth\nLINKEDIN_API_VERSION=202610.01\nLINKEDIN_MAX_RETRIES=5\nLINKEDIN_CONCURRENCY=4\nATHENA_DATABASE=linkedin_ads\nATHENA_OUTPUT_LOCATION=s3://linkedin-ads-data/athena/\nSNS_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:reports\nGUARDRAILS_UNSAFE_OVERRIDE=true\nMAX_PAUSES_PER_CAMPAIGN=10\nFRESHNESS_HOURS=72\nAUTO_PUBLISH=false\nANTHROPIC_SECRET_NAME=anthropic\nBID_OPTIMIZER_ENDPOINT=bid-optimizer",
    ])
}

pub fn lambda_events() -> Vec<Vec<u8>> {
    let event = |detail: Value| {
        json!({"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",
            "time":"2026-11-23T06:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/collector"],
            "detail":detail})
        .to_string()
        .into_bytes()
    };
    vec![event(json!({})), event(json!({"as_of": "2026-10-01"})), event(json!({"as_of": null}))]
}

pub fn athena_tables() -> Vec<Vec<u8>> {
    bytes(&[
        r#"{"query":"creative_window","columns":["account_id","campaign_id","creative_id","days","first_date","last_date","impressions","clicks","landing_page_clicks","cost_usd","conversions"],"rows":[["508720451","252074216","287513206","7","2026-11-16","2026-11-22","19464","106","98","99.999999","2.0"],["508720451","252074216","287513207","3","2026-11-20","2026-11-22","0","0",null,"1.5E-7",null]]}"#,
        r#"{"query":"campaign_daily","columns":["account_id","campaign_id","date","creatives","impressions","clicks","landing_page_clicks","cost_usd","conversions","status","cost_type","unit_cost","daily_budget"],"rows":[["508720451","252074216","2026-11-22","3","40000","210","200","420.5","4","ACTIVE","CPC","8.5","500"],["508720451","252074217","2026-11-22","1","10","0","0","0","0",null,null,null,null]]}"#,
    ])
}
