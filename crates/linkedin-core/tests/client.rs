//! The LinkedIn client against a local HTTP server: the exact bytes sent, and how every kind of
//! answer is handled.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use linkedin_core::config::{ApiVersion, CredentialsConfig, LinkedInConfig};
use linkedin_core::linkedin::analytics::{AnalyticsRequest, DEFAULT_METRICS, ROW_CAP};
use linkedin_core::linkedin::auth::{Clock, TokenProvider, TokenSource, system_clock};
use linkedin_core::linkedin::campaigns::CampaignStatus;
use linkedin_core::linkedin::creatives::{CreativeStatus, InlineCreative, InlineVisual};
use linkedin_core::linkedin::retry::RetryPolicy;
use linkedin_core::linkedin::{ApiError, LinkedInClient, http_client};
use linkedin_core::money::Money;
use linkedin_core::secrets::{DirSecretStore, SecretStore};
use linkedin_core::{AccountId, CampaignId, CreativeId, PostUrn, Secret};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ACCOUNT: u64 = 508720451;

fn config(server: &MockServer, retry: RetryPolicy) -> LinkedInConfig {
    let mut c =
        LinkedInConfig::new(&server.uri(), AccountId(ACCOUNT), CredentialsConfig::AccessToken(Secret::new("unused")));
    c.api_version = ApiVersion::parse("202610").unwrap();
    c.retry = retry;
    c
}

fn client_with(server: &MockServer, source: TokenSource, retry: RetryPolicy, clock: Clock) -> LinkedInClient {
    let http = http_client();
    let tokens = TokenProvider::new(source, &server.uri(), http.clone(), clock);
    LinkedInClient::new(&config(server, retry), Arc::new(tokens), http).with_jitter_seed(1)
}

fn client(server: &MockServer) -> LinkedInClient {
    client_with(server, TokenSource::Fixed(Secret::new("tok-123")), RetryPolicy::for_tests(), system_clock())
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn raw_query(r: &Request) -> String {
    r.url.query().unwrap_or_default().to_string()
}

fn header_of<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

fn element(creative: u64, day: &str, metrics: Value) -> Value {
    let date = d(day);
    use chrono::Datelike;
    let ymd = json!({"year": date.year(), "month": date.month(), "day": date.day()});
    let mut el = json!({"dateRange": {"start": ymd, "end": ymd}, "pivotValues": [format!("urn:li:sponsoredCreative:{creative}")]});
    el.as_object_mut().unwrap().extend(metrics.as_object().unwrap().clone());
    el
}

#[tokio::test]
async fn analytics_request_is_exactly_restli_2_with_versioned_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "paging": {"start": 0, "count": 10, "links": []},
            "elements": [
                element(287513206, "2023-08-25", json!({"impressions": 19464, "clicks": 106, "costInUsd": "99.99999999999996", "externalWebsiteConversions": 2})),
                element(287513206, "2023-08-26", json!({"impressions": 1, "clicks": 0, "costInUsd": "-2E-18"})),
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let req = AnalyticsRequest {
        campaigns: vec![CampaignId(123456), CampaignId(789)],
        start: d("2023-08-25"),
        end: d("2023-08-26"),
    };
    let pull = c.creative_daily(&req, DEFAULT_METRICS).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    let r = &reqs[0];
    assert_eq!(r.method.as_str(), "GET");
    assert_eq!(
        raw_query(r),
        "q=analytics&pivot=CREATIVE&timeGranularity=DAILY\
         &dateRange=(start:(year:2023,month:8,day:25),end:(year:2023,month:8,day:26))\
         &campaigns=List(urn%3Ali%3AsponsoredCampaign%3A123456,urn%3Ali%3AsponsoredCampaign%3A789)\
         &fields=dateRange,pivotValues,impressions,clicks,landingPageClicks,costInUsd,costInLocalCurrency,\
externalWebsiteConversions,externalWebsitePostClickConversions,externalWebsitePostViewConversions,oneClickLeads,\
totalEngagements,videoViews,approximateMemberReach"
    );
    assert_eq!(header_of(r, "authorization"), Some("Bearer tok-123"));
    assert_eq!(header_of(r, "linkedin-version"), Some("202610"));
    assert_eq!(header_of(r, "x-restli-protocol-version"), Some("2.0.0"));
    assert_eq!(header_of(r, "x-restli-method"), Some("FINDER"));

    assert_eq!(pull.rows.len(), 2);
    assert!(pull.problems.is_empty(), "{:?}", pull.problems);
    let first = &pull.rows[0];
    assert_eq!(
        (first.creative, first.date, first.impressions, first.clicks),
        (CreativeId(287513206), d("2023-08-25"), 19464, 106)
    );
    assert_eq!(first.cost_usd.to_string(), "99.99999999999996");
    assert_eq!(first.conversions(), 2.0);
    assert_eq!(pull.rows[1].cost_usd.to_string(), "-0.000000000000000002");
}

#[tokio::test]
async fn more_than_18_metrics_are_chunked_and_merged_on_creative_and_day() {
    let server = MockServer::start().await;
    let metrics: Vec<String> = (0..25).map(|i| format!("metric{i}")).collect();
    let refs: Vec<&str> = metrics.iter().map(String::as_str).collect();
    // Each chunk answers with its own metrics for the same two (creative, day) keys, in another order.
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .respond_with(|r: &Request| {
            let fields = r.url.query_pairs().find(|(k, _)| k == "fields").unwrap().1.to_string();
            let names: Vec<&str> = fields.split(',').skip(2).collect();
            let metrics: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), json!(1))).collect();
            let mut els = vec![
                element(1, "2026-11-01", Value::Object(metrics.clone())),
                element(2, "2026-11-01", Value::Object(metrics)),
            ];
            if names[0] != "metric0" {
                els.reverse();
            }
            ResponseTemplate::new(200).set_body_json(json!({ "elements": els }))
        })
        .expect(2)
        .mount(&server)
        .await;

    let c = client(&server);
    let req = AnalyticsRequest { campaigns: vec![CampaignId(9)], start: d("2026-11-01"), end: d("2026-11-01") };
    let pull = c.creative_daily(&req, &refs).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    let field_counts: Vec<usize> =
        reqs.iter().map(|r| r.url.query_pairs().find(|(k, _)| k == "fields").unwrap().1.split(',').count()).collect();
    assert_eq!(field_counts, vec![20, 9]);
    assert_eq!(pull.rows.len(), 2, "merged, not duplicated");
    for row in &pull.rows {
        assert_eq!(row.other.len(), 25, "every chunk's metrics on one row");
    }
}

#[tokio::test]
async fn a_response_at_the_row_cap_is_split_and_asked_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .respond_with(|r: &Request| {
            let q = r.url.query().unwrap().to_string();
            if q.contains("day:1),end:(year:2026,month:11,day:2)") {
                // The two-day request: pretend it was truncated.
                let els: Vec<Value> =
                    (0..ROW_CAP as u64).map(|i| element(i, "2026-11-01", json!({"clicks": 1}))).collect();
                ResponseTemplate::new(200).set_body_json(json!({ "elements": els }))
            } else {
                let day = if q.contains("day:1),end") { "2026-11-01" } else { "2026-11-02" };
                ResponseTemplate::new(200).set_body_json(json!({ "elements": [element(7, day, json!({"clicks": 3}))] }))
            }
        })
        .mount(&server)
        .await;

    let c = client(&server);
    let req = AnalyticsRequest { campaigns: vec![CampaignId(9)], start: d("2026-11-01"), end: d("2026-11-02") };
    let pull = c.creative_daily(&req, &["clicks"]).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        pull.rows.iter().map(|r| (r.date, r.clicks)).collect::<Vec<_>>(),
        vec![(d("2026-11-01"), 3), (d("2026-11-02"), 3)]
    );
}

#[tokio::test]
async fn malformed_elements_are_skipped_and_reported_and_malformed_bodies_fail_clearly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/adAnalytics"))
        .and(query_param("fields", "dateRange,pivotValues,clicks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": [
            element(1, "2026-11-01", json!({"clicks": 4})),
            element(2, "2026-11-01", json!({"clicks": "many"})),
            {"pivotValues": ["urn:li:sponsoredCreative:3"], "clicks": 1},
        ]})))
        .mount(&server)
        .await;
    let c = client(&server);
    let req = AnalyticsRequest { campaigns: vec![CampaignId(9)], start: d("2026-11-01"), end: d("2026-11-01") };
    let pull = c.creative_daily(&req, &["clicks"]).await.unwrap();
    assert_eq!(pull.rows.len(), 1);
    assert_eq!(pull.problems.len(), 2, "{:?}", pull.problems);
    assert!(pull.problems.iter().any(|p| p.contains("no dateRange")));
    assert!(pull.problems.iter().any(|p| p.contains("clicks = \"many\"")));

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"elements\": ["))
        .mount(&server)
        .await;
    let err = client(&server).creative_daily(&req, &["clicks"]).await.unwrap_err();
    assert!(matches!(err, ApiError::Malformed { .. }), "{err}");
    assert!(
        err.to_string().starts_with("FINDER /rest/adAnalytics: the response is not what LinkedIn documents"),
        "{err}"
    );
}

#[tokio::test]
async fn campaign_search_follows_page_tokens() {
    let server = MockServer::start().await;
    let camp = |id: u64| {
        json!({"id": id, "name": format!("c{id}"), "status": "ACTIVE", "costType": "CPC",
        "unitCost": {"amount": "5.50", "currencyCode": "USD"}, "dailyBudget": {"amount": "100", "currencyCode": "USD"}})
    };
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns")))
        .respond_with(move |r: &Request| {
            let token = r.url.query_pairs().find(|(k, _)| k == "pageToken").map(|(_, v)| v.to_string());
            let (els, next) = match token.as_deref() {
                None => (vec![camp(1), camp(2)], Some("tok/A=")),
                Some("tok/A=") => (vec![camp(3)], Some("tok-B")),
                Some("tok-B") => (vec![camp(4)], None),
                Some(other) => panic!("unexpected token {other}"),
            };
            let mut body = json!({"elements": els, "metadata": {}});
            if let Some(n) = next {
                body["metadata"]["nextPageToken"] = json!(n);
            }
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;

    let got = client(&server).search_campaigns(&[CampaignStatus::Active, CampaignStatus::Paused]).await.unwrap();
    assert_eq!(got.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(got[0].unit_cost.as_ref().unwrap().amount.to_string(), "5.50");
    let qs: Vec<String> = server.received_requests().await.unwrap().iter().map(raw_query).collect();
    assert_eq!(qs[0], "q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageSize=500");
    assert_eq!(qs[1], "q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageSize=500&pageToken=tok%2FA%3D");
    assert_eq!(qs[2], "q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageSize=500&pageToken=tok-B");
}

#[tokio::test]
async fn creatives_finder_pages_and_limits_campaign_lists_to_fifty() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/creatives")))
        .and(header("x-restli-method", "FINDER"))
        .respond_with(|r: &Request| {
            let q = r.url.query().unwrap();
            let first = q
                .split("List(urn%3Ali%3AsponsoredCampaign%3A")
                .nth(1)
                .unwrap()
                .split([',', ')'])
                .next()
                .unwrap()
                .to_string();
            let paged = q.contains("pageToken=p2");
            let id = first.parse::<u64>().unwrap() * 10 + paged as u64;
            let mut body = json!({"elements": [{"id": format!("urn:li:sponsoredCreative:{id}"),
                "campaign": format!("urn:li:sponsoredCampaign:{first}"), "intendedStatus": "ACTIVE",
                "content": {"reference": "urn:li:share:77"}}], "metadata": {}});
            if !paged {
                body["metadata"]["nextPageToken"] = json!("p2");
            }
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;

    let campaigns: Vec<CampaignId> = (1..=60).map(CampaignId).collect();
    let got = client(&server).find_creatives(&campaigns).await.unwrap();
    assert_eq!(got.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![10, 11, 510, 511]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 4);
    let lists: Vec<usize> = reqs.iter().map(|r| raw_query(r).matches("urn%3Ali%3AsponsoredCampaign").count()).collect();
    assert_eq!(lists, vec![50, 50, 10, 10]);
    assert!(
        raw_query(&reqs[0]).starts_with(
            "q=criteria&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1,urn%3Ali%3AsponsoredCampaign%3A2,"
        )
    );
    assert!(raw_query(&reqs[0]).ends_with(")&pageSize=100"));
}

#[tokio::test]
async fn get_endpoints_encode_urns_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/creatives/urn%3Ali%3AsponsoredCreative%3A287513206")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "urn:li:sponsoredCreative:287513206",
            "campaign": "urn:li:sponsoredCampaign:252074216", "intendedStatus": "PAUSED"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/posts/urn%3Ali%3Ashare%3A6823991265126957056"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"commentary": "Hi", "contentCallToActionLabel": "SIGN_UP"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns/252074216")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 252074216, "status": "PAUSED"})))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.get_creative(CreativeId(287513206)).await.unwrap().intended_status, CreativeStatus::Paused);
    let post = c.get_post(&PostUrn("urn:li:share:6823991265126957056".into())).await.unwrap();
    assert_eq!(post.commentary.as_deref(), Some("Hi"));
    assert_eq!(c.get_campaign(CampaignId(252074216)).await.unwrap().status, CampaignStatus::Paused);
    // Plain GETs carry no X-RestLi-Method.
    assert!(server.received_requests().await.unwrap().iter().all(|r| header_of(r, "x-restli-method").is_none()));
}

#[tokio::test]
async fn partial_updates_are_restli_posts_with_a_set_patch() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(204)).expect(3).mount(&server).await;
    let c = client(&server);
    c.set_creative_status(CreativeId(287513206), &CreativeStatus::Paused).await.unwrap();
    c.set_campaign_bid(CampaignId(252074216), &Money::usd("5.00".parse().unwrap())).await.unwrap();
    let patch = c.set_campaign_daily_budget(CampaignId(252074216), &Money::usd("120".parse().unwrap())).await.unwrap();
    assert_eq!(patch.set, json!({"dailyBudget": {"amount": "120", "currencyCode": "USD"}}));

    let reqs = server.received_requests().await.unwrap();
    let expected = [
        (
            format!("/rest/adAccounts/{ACCOUNT}/creatives/urn%3Ali%3AsponsoredCreative%3A287513206"),
            r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#,
        ),
        (
            format!("/rest/adAccounts/{ACCOUNT}/adCampaigns/252074216"),
            r#"{"patch":{"$set":{"unitCost":{"amount":"5.00","currencyCode":"USD"}}}}"#,
        ),
        (
            format!("/rest/adAccounts/{ACCOUNT}/adCampaigns/252074216"),
            r#"{"patch":{"$set":{"dailyBudget":{"amount":"120","currencyCode":"USD"}}}}"#,
        ),
    ];
    for (r, (p, body)) in reqs.iter().zip(expected) {
        assert_eq!(r.method.as_str(), "POST");
        assert_eq!(r.url.path(), p);
        assert_eq!(r.url.query(), None);
        assert_eq!(String::from_utf8(r.body.clone()).unwrap(), body);
        assert_eq!(header_of(r, "x-restli-method"), Some("PARTIAL_UPDATE"));
        assert_eq!(header_of(r, "content-type"), Some("application/json"));
        assert_eq!(header_of(r, "linkedin-version"), Some("202610"));
        assert_eq!(header_of(r, "x-restli-protocol-version"), Some("2.0.0"));
    }
    assert_eq!(c.stats().writes, 3);
}

fn inline(visual: InlineVisual) -> InlineCreative {
    InlineCreative {
        campaign: CampaignId(252074216),
        name: "copy b1 #1 urgency".into(),
        intended_status: CreativeStatus::Active,
        author: "urn:li:organization:2414183".into(),
        commentary: "Stop guessing.".into(),
        headline: "Find deals first".into(),
        description: Some("Data on every listing".into()),
        call_to_action: Some("LEARN_MORE".into()),
        visual,
    }
}

#[tokio::test]
async fn create_inline_is_one_restli_action_with_the_post_inside_and_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/creatives")))
        .and(query_param("action", "createInline"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-restli-id", "urn%3Ali%3AsponsoredCreative%3A771")
                .set_body_json(json!({"value": {"creative": "urn:li:sponsoredCreative:771"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let article = InlineVisual::Article { source: "https://ex.com/a".into(), thumbnail: Some("urn:li:image:9".into()) };
    assert_eq!(c.create_inline(&inline(article)).await.unwrap(), CreativeId(771));
    let reqs = server.received_requests().await.unwrap();
    let r = &reqs[0];
    assert_eq!(raw_query(r), "action=createInline");
    assert_eq!(header_of(r, "x-restli-method"), Some("ACTION"));
    assert_eq!(header_of(r, "content-type"), Some("application/json"));
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        concat!(
            r#"{"creative":{"campaign":"urn:li:sponsoredCampaign:252074216","inlineContent":{"post":{"#,
            r#""adContext":{"dscAdAccount":"urn:li:sponsoredAccount:508720451","dscStatus":"ACTIVE"},"#,
            r#""author":"urn:li:organization:2414183","commentary":"Stop guessing.","#,
            r#""content":{"article":{"description":"Data on every listing","source":"https://ex.com/a","#,
            r#""thumbnail":"urn:li:image:9","title":"Find deals first"}},"contentCallToActionLabel":"LEARN_MORE","#,
            r#""isReshareDisabledByAuthor":false,"lifecycleState":"PUBLISHED","visibility":"PUBLIC"}},"#,
            r#""intendedStatus":"ACTIVE","name":"copy b1 #1 urgency"}}"#
        )
    );

    // A media post: the title on the media, the landing page beside it, no description.
    let media =
        inline(InlineVisual::Media { id: "urn:li:image:5".into(), landing_page: Some("https://ex.com".into()) });
    let post = &media.to_json(AccountId(ACCOUNT))["creative"]["inlineContent"]["post"];
    assert_eq!(post["content"], json!({"media": {"id": "urn:li:image:5", "title": "Find deals first"}}));
    assert_eq!(post["contentLandingPage"], "https://ex.com");

    // A 500 is not retried (a repeat could make a second ad) and says so; a 200 without an id is an error.
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).up_to_n_times(1).mount(&server).await;
    let err = c.create_inline(&media).await.unwrap_err();
    assert!(matches!(err, ApiError::Rejected { status: 500, .. }), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "one attempt");
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(json!({}))).mount(&server).await;
    let err = c.create_inline(&media).await.unwrap_err().to_string();
    assert!(err.contains("no x-restli-id") && err.contains("Campaign Manager"), "{err}");
}

#[tokio::test]
async fn long_queries_are_tunneled_and_a_414_switches_to_tunneling() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns")))
        .and(header("x-http-method-override", "GET"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": [{"id": 1, "status": "ACTIVE"}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/adAccounts/{ACCOUNT}/adCampaigns")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": [{"id": 2, "status": "ACTIVE"}],
            "metadata": {"nextPageToken": "x".repeat(4100)}})))
        .mount(&server)
        .await;

    let c = client(&server);
    let got = c.search_campaigns(&[CampaignStatus::Active]).await.unwrap();
    assert_eq!(got.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![2, 1]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[1].method.as_str(), "POST");
    assert_eq!(reqs[1].url.query(), None, "the query moved into the body");
    let body = String::from_utf8(reqs[1].body.clone()).unwrap();
    assert!(
        body.starts_with("q=search&search=(status:(values:List(ACTIVE)))&pageSize=500&pageToken=xxxx"),
        "{}",
        &body[..80]
    );
    assert_eq!(header_of(&reqs[1], "x-restli-method"), Some("FINDER"));
    assert_eq!(c.stats().tunneled, 1);

    // A 414 on a short query: retried once, tunneled.
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(414)).expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(header("x-http-method-override", "GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": []})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let req = AnalyticsRequest { campaigns: vec![CampaignId(9)], start: d("2026-11-01"), end: d("2026-11-01") };
    c.creative_daily(&req, &["clicks"]).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(String::from_utf8(reqs[1].body.clone()).unwrap(), raw_query(&reqs[0]));
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_then_succeed() {
    let server = MockServer::start().await;
    let ok = json!({"id": 5, "status": "ACTIVE"});
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            json!({"status": 429, "message": "Resource level throttle limit for calls to this resource is reached."}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .with_priority(3)
        .mount(&server)
        .await;

    let c = client(&server);
    assert_eq!(c.get_campaign(CampaignId(5)).await.unwrap().id, CampaignId(5));
    let s = c.stats();
    assert_eq!((s.api_calls, s.retries, s.throttled, s.server_errors), (4, 3, 1, 2));
}

#[tokio::test]
async fn retries_are_bounded_and_the_error_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(502)).mount(&server).await;
    let err = client(&server).get_campaign(CampaignId(5)).await.unwrap_err();
    assert!(matches!(err, ApiError::ServerError { status: 502, attempts: 5, .. }), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

#[tokio::test]
async fn retry_after_is_honoured_even_when_it_exceeds_the_wait_budget() {
    // A 3 s Retry-After cannot fit a 2 s budget: the client gives up at once instead of sleeping a
    // jittered few milliseconds, which shows the header's value is the one used.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "3").set_body_json(json!({"message": "slow down"})),
        )
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_total_wait: Duration::from_secs(2), ..RetryPolicy::for_tests() };
    let c = client_with(&server, TokenSource::Fixed(Secret::new("t")), policy, system_clock());
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err();
    assert!(matches!(err, ApiError::Throttled { attempts: 1, .. }), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_absurd_retry_after_is_capped_not_a_panic() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "1e20").set_body_json(json!({"message": "slow"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).get_campaign(CampaignId(5)).await.unwrap_err();
    assert!(matches!(err, ApiError::Throttled { attempts: 1, .. }), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_daily_limit_stops_at_once_and_opens_the_circuit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS",
            "message":"Resource level throttle APPLICATION_AND_MEMBER DAY limit for calls to this resource is reached."})))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err();
    assert!(matches!(err, ApiError::DailyLimit { .. }), "{err}");
    assert!(err.to_string().contains("resets at 00:00 UTC"), "{err}");
    assert!(err.is_fatal_for_run());
    let again = c.get_campaign(CampaignId(6)).await.unwrap_err();
    assert!(matches!(again, ApiError::CircuitOpen(_)), "{again}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "no retry, no further call");
    // The next run (a warm Lambda container keeps the client) calls LinkedIn again.
    c.begin_run();
    let next_run = c.get_campaign(CampaignId(7)).await.unwrap_err();
    assert!(matches!(next_run, ApiError::DailyLimit { .. }), "{next_run}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn client_errors_fail_at_once_with_what_to_do() {
    let cases: [(u16, Value, &str); 4] = [
        (
            400,
            json!({"status":400,"code":"ILLEGAL_ARGUMENT","message":"Invalid param"}),
            "HTTP 400 ILLEGAL_ARGUMENT: Invalid param. LinkedIn refused the request as malformed",
        ),
        (
            403,
            json!({"status":403,"serviceErrorCode":100,"message":"Not enough permissions"}),
            "lacks a scope (r_ads, rw_ads, r_ads_reporting",
        ),
        (404, json!({"status":404,"message":"Not found"}), "check LINKEDIN_AD_ACCOUNT_ID (508720451) and CAMPAIGN_IDS"),
        (
            426,
            json!({"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20241101 is not active"}),
            "LinkedIn-Version 202610 is not active any more (HTTP 426 NONEXISTENT_VERSION). Set LINKEDIN_API_VERSION",
        ),
    ];
    for (status, body, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(status).set_body_json(body)).mount(&server).await;
        let err = client(&server).get_campaign(CampaignId(5)).await.unwrap_err().to_string();
        assert!(err.contains(expected), "{status}: {err}");
        assert!(err.starts_with("GET /rest/adAccounts/508720451/adCampaigns/5"), "{err}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{status} is not retried");
    }
}

fn stored_credentials(access: &str, expires_in_hours: i64) -> String {
    json!({
        "access_token": access,
        "expires_at": (Utc::now() + chrono::TimeDelta::hours(expires_in_hours)).to_rfc3339(),
        "refresh_token": "REFRESH-SECRET-1",
        "refresh_token_expires_at": (Utc::now() + chrono::TimeDelta::days(20)).to_rfc3339(),
        "client_id": "client-1",
        "client_secret": "CLIENT-SECRET-1",
    })
    .to_string()
}

/// A client whose credentials (access token expiring in `hours`) sit in a file secret store.
async fn stored_client(server: &MockServer, access: &str, hours: i64) -> (LinkedInClient, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirSecretStore::new(dir.path()));
    store.put_secret("li", &stored_credentials(access, hours)).await.unwrap();
    let source = TokenSource::Stored { store, name: "li".into() };
    (client_with(server, source, RetryPolicy::for_tests(), system_clock()), dir)
}

async fn mount_token_endpoint(server: &MockServer, new_token: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": new_token, "expires_in": 5184000,
            "refresh_token": "REFRESH-SECRET-1", "refresh_token_expires_in": 1728000})),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_401_refreshes_once_writes_the_secret_back_and_retries() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "NEW-TOKEN").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer OLD-TOKEN"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message":"Expired access token","serviceErrorCode":401,"status":401})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer NEW-TOKEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .expect(2)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirSecretStore::new(dir.path()));
    store.put_secret("linkedin", &stored_credentials("OLD-TOKEN", 24 * 30)).await.unwrap();
    let source = TokenSource::Stored { store: store.clone(), name: "linkedin".into() };
    let c = client_with(&server, source, RetryPolicy::for_tests(), system_clock());
    c.get_campaign(CampaignId(5)).await.unwrap();
    c.get_campaign(CampaignId(5)).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    let refresh = reqs.iter().find(|r| r.url.path() == "/oauth/v2/accessToken").unwrap();
    assert_eq!(
        String::from_utf8(refresh.body.clone()).unwrap(),
        "grant_type=refresh_token&refresh_token=REFRESH-SECRET-1&client_id=client-1&client_secret=CLIENT-SECRET-1"
    );
    let saved: Value = serde_json::from_str(&store.get_secret("linkedin").await.unwrap()).unwrap();
    assert_eq!(saved["access_token"], "NEW-TOKEN");
    assert_eq!(saved["refresh_token"], "REFRESH-SECRET-1");
    let exp = chrono::DateTime::parse_from_rfc3339(saved["expires_at"].as_str().unwrap()).unwrap();
    assert!((exp.with_timezone(&Utc) - Utc::now()).num_days() >= 59);
    let ev = c.auth_events().await;
    assert_eq!(ev.refreshes, 1);
    assert_eq!(ev.refresh_token_days_left, Some(20), "from the refresh reply's refresh_token_expires_in");
}

#[tokio::test]
async fn a_token_with_less_than_a_day_left_is_refreshed_before_the_call() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "FRESH").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer FRESH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _dir) = stored_client(&server, "STALE", 3).await;
    c.get_campaign(CampaignId(5)).await.unwrap();
}

#[tokio::test]
async fn a_second_401_after_refresh_fails_with_instructions() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "NEW").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message":"Revoked"})))
        .mount(&server)
        .await;
    let (c, _dir) = stored_client(&server, "OLD", 24 * 30).await;
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("Re-authorise the LinkedIn app"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "call, refresh, one retry");
}

#[tokio::test]
async fn a_refused_refresh_says_the_member_must_reauthorise_and_leaks_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error":"invalid_grant","error_description":"The provided refresh token is expired"}),
        ))
        .mount(&server)
        .await;
    let (c, _dir) = stored_client(&server, "OLD-ACCESS", 1).await;
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err().to_string();
    assert!(err.contains("invalid_grant: The provided refresh token is expired"), "{err}");
    assert!(err.contains("a member must re-authorise the app"), "{err}");
    for secret in ["OLD-ACCESS", "REFRESH-SECRET-1", "CLIENT-SECRET-1"] {
        assert!(!err.contains(secret), "{err}");
    }
}

#[tokio::test]
async fn a_redirect_from_the_api_is_an_error_naming_its_host_and_the_token_goes_nowhere() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(200)).mount(&elsewhere).await;
    let server = MockServer::start().await;
    let target = format!("{}/rest/adAccounts/{ACCOUNT}/adCampaigns/5", elsewhere.uri());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", target.as_str()))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err();
    let host = elsewhere.uri().trim_start_matches("http://").to_string();
    assert!(matches!(err, ApiError::Redirected { status: 307, .. }), "{err}");
    assert!(err.to_string().contains(&format!("a redirect to {host}")), "{err}");
    assert!(err.is_fatal_for_run(), "a redirected API base is wrong for every call");
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0, "the bearer token went to the other host");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "not retried");
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_an_error_and_the_refresh_token_goes_nowhere() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(200)).mount(&elsewhere).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("Location", format!("{}/steal", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    // One hour left: the provider refreshes before the call.
    let (c, _dir) = stored_client(&server, "OLD-ACCESS", 1).await;
    let err = c.get_campaign(CampaignId(5)).await.unwrap_err().to_string();
    let host = elsewhere.uri().trim_start_matches("http://").to_string();
    assert!(err.contains(&format!("a redirect to {host}")) && err.contains("LINKEDIN_OAUTH_URL"), "{err}");
    for secret in ["OLD-ACCESS", "REFRESH-SECRET-1", "CLIENT-SECRET-1"] {
        assert!(!err.contains(secret), "{err}");
    }
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0, "the refresh token went to the other host");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "one refresh attempt, not retried, no API call: {reqs:?}");
}

#[tokio::test]
async fn a_relative_redirect_names_the_api_host_itself() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/somewhere/else"))
        .mount(&server)
        .await;
    let err = client(&server).get_campaign(CampaignId(5)).await.unwrap_err().to_string();
    let host = server.uri().trim_start_matches("http://").to_string();
    assert!(err.contains(&format!("HTTP 302, a redirect to {host};")), "{err}");
}

#[tokio::test]
async fn an_absurd_expires_in_is_clamped_and_the_new_token_kept() {
    // `expires_in: i64::MAX` used to panic after LinkedIn had issued the token: the token was lost.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"access_token":"NEW-TOKEN","expires_in":9223372036854775807,"refresh_token":"ROTATED","refresh_token_expires_in":1e300}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer NEW-TOKEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(DirSecretStore::new(dir.path()));
    store.put_secret("li", &stored_credentials("OLD", 1)).await.unwrap();
    let source = TokenSource::Stored { store: store.clone(), name: "li".into() };
    let c = client_with(&server, source, RetryPolicy::for_tests(), system_clock());
    c.get_campaign(CampaignId(5)).await.unwrap();
    let saved: Value = serde_json::from_str(&store.get_secret("li").await.unwrap()).unwrap();
    assert_eq!((saved["access_token"].as_str(), saved["refresh_token"].as_str()), (Some("NEW-TOKEN"), Some("ROTATED")));
    let days = |k: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(saved[k].as_str().unwrap()).unwrap();
        (t.with_timezone(&Utc) - Utc::now()).num_days()
    };
    assert_eq!((days("expires_at"), days("refresh_token_expires_at")), (365, 365), "clamped to 366 days");
}

#[tokio::test]
async fn a_short_lived_token_is_refreshed_once_per_run_not_on_every_call() {
    // LinkedIn hands out a token with 1 h of life: still under the 24 h margin after the refresh.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "SHORT", "expires_in": 3600})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer SHORT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .expect(4)
        .mount(&server)
        .await;
    let (c, _dir) = stored_client(&server, "OLD", 2).await;
    for _ in 0..4 {
        c.get_campaign(CampaignId(5)).await.unwrap();
    }
    assert_eq!(c.auth_events().await.refreshes, 1, "refreshed (and saved) once, not on every call");
    server.verify().await;
}

/// A secret store whose first `fail` saves fail; it counts every save.
struct FlakyStore {
    inner: DirSecretStore,
    fail: u32,
    puts: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl SecretStore for FlakyStore {
    async fn get_secret(&self, name: &str) -> Result<String, linkedin_core::secrets::SecretError> {
        self.inner.get_secret(name).await
    }
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), linkedin_core::secrets::SecretError> {
        let n = self.puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n < self.fail {
            return Err(linkedin_core::secrets::SecretError::Backend {
                name: name.into(),
                location: "flaky".into(),
                message: "throttled".into(),
            });
        }
        self.inner.put_secret(name, value).await
    }
    fn describe(&self) -> String {
        "flaky".into()
    }
}

async fn flaky_client(server: &MockServer, fail: u32) -> (LinkedInClient, Arc<FlakyStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let inner = DirSecretStore::new(dir.path());
    inner.put_secret("li", &stored_credentials("OLD", 1)).await.unwrap();
    let store = Arc::new(FlakyStore { inner, fail, puts: Default::default() });
    let source = TokenSource::Stored { store: store.clone(), name: "li".into() };
    (client_with(server, source, RetryPolicy::for_tests(), system_clock()), store, dir)
}

#[tokio::test]
async fn a_failed_save_of_a_refreshed_token_is_retried_and_then_reported_and_the_new_token_kept() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "NEW-TOKEN").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer NEW-TOKEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .expect(2)
        .mount(&server)
        .await;
    let (c, store, _dir) = flaky_client(&server, u32::MAX).await;
    c.get_campaign(CampaignId(5)).await.unwrap();
    c.get_campaign(CampaignId(5)).await.unwrap();
    let ev = c.auth_events().await;
    assert_eq!((ev.refreshes, ev.save_failures), (1, 1), "{ev:?}");
    assert!(ev.write_back_error.as_deref().unwrap().contains("after 3 attempts"), "{ev:?}");
    assert_eq!(store.puts.load(std::sync::atomic::Ordering::SeqCst), 3, "the save was retried");
    assert!(store.inner.get_secret("li").await.unwrap().contains("\"OLD\""), "nothing was saved");

    // Two failures then success: saved, nothing to report.
    let server = MockServer::start().await;
    mount_token_endpoint(&server, "NEW-TOKEN").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5, "status": "ACTIVE"})))
        .mount(&server)
        .await;
    let (c, store, _dir) = flaky_client(&server, 2).await;
    c.get_campaign(CampaignId(5)).await.unwrap();
    let ev = c.auth_events().await;
    assert_eq!((ev.save_failures, ev.write_back_error), (0, None));
    assert!(store.inner.get_secret("li").await.unwrap().contains("NEW-TOKEN"));
}
