//! The versioned REST API (`/rest/...`): routing, LinkedIn's header and syntax rules, and the
//! campaign, creative and post resources. Analytics lives in [`crate::reporting`].
//!
//! Strict by design: what LinkedIn refuses, the sandbox refuses, with LinkedIn's status and error body.
//! * `LinkedIn-Version` missing → 400 `VERSION_MISSING`; not `YYYYMM`/`YYYYMM.RR` → 400; older than
//!   twelve months or in the future → 426 `NONEXISTENT_VERSION`.
//! * `X-Restli-Protocol-Version: 2.0.0` missing → 400 (LinkedIn would parse the query as Rest.li 1.0);
//!   Rest.li 1.0 shapes (`dateRange.start.day=`, `campaigns[0]=`) → 400.
//! * an HTTP method a resource does not take → 405; `X-RestLi-Method` that does not match the call → 400.
//! * a patch that is not `{"patch":{"$set":{...}}}`, an unknown or read-only field, a wrong type or enum,
//!   a currency other than the account's, a bid or budget under LinkedIn's floor → 400.
//! * a creative key that is not an encoded `urn:li:sponsoredCreative:N` → 400; unknown ids → 404;
//!   another account → 403.
//! * queries over 8 KB → 414 (the client should tunnel: POST + `X-HTTP-Method-Override: GET`).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use linkedin_core::linkedin::little_text;
use linkedin_core::linkedin::posts::AdCopy;
use serde_json::{Map, Value, json};

use crate::http::{ApiError, ApiResult, Request, Response};
use crate::market::{Campaign, CampaignChange, Creative, Market, Refusal, money_json};
use crate::money::Micros;
use crate::reporting::{self, campaign_group_urn};
use crate::restli::{Query, RValue, restli1_syntax};

/// Longest query string served as a GET (LinkedIn answers 414 beyond its limit).
pub const MAX_QUERY_LEN: usize = 8192;

pub const CAMPAIGN_PAGE_MAX: usize = 1000;
pub const CREATIVE_PAGE_MAX: usize = 100;

pub use linkedin_core::linkedin::posts::{CTA_LABELS, DESCRIPTION_MAX_CHARS, HEADLINE_MAX_CHARS, INTRO_MAX_CHARS};

/// A request to the versioned API after tunneling is undone.
pub struct Call<'a> {
    pub method: &'a str,
    pub segments: Vec<&'a str>,
    pub query: Query,
    pub req: &'a Request,
}

/// Checks the version and protocol headers. `now` decides which versions are active.
pub fn check_headers(req: &Request, now: DateTime<Utc>) -> Result<(), ApiError> {
    let version = req.header("linkedin-version").map(str::trim).unwrap_or_default();
    if version.is_empty() {
        return Err(ApiError::new(
            400,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        ));
    }
    let base = version.split('.').next().unwrap_or_default();
    let valid = base.len() == 6
        && base.bytes().all(|b| b.is_ascii_digit())
        && version.split('.').nth(1).is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return Err(ApiError::new(
            400,
            "INVALID_VERSION",
            format!("Invalid version format '{version}': use YYYYMM, e.g. 202610"),
        ));
    }
    let year: i32 = base[..4].parse().unwrap_or(0);
    let month: u32 = base[4..].parse().unwrap_or(0);
    let asked = year * 12 + month as i32 - 1;
    let current = now.year() * 12 + now.month() as i32 - 1;
    if !(1..=12).contains(&month) || asked > current || current - asked > 12 {
        return Err(ApiError::new(426, "NONEXISTENT_VERSION", format!("Requested version {base}01 is not active")));
    }
    match req.header("x-restli-protocol-version").map(str::trim) {
        Some("2.0.0") => Ok(()),
        Some(other) => {
            Err(ApiError::bad_request(format!("X-Restli-Protocol-Version '{other}' is not supported: send 2.0.0")))
        }
        None => Err(ApiError::bad_request(
            "X-Restli-Protocol-Version: 2.0.0 is required (without it the query is parsed as Rest.li 1.0)",
        )),
    }
}

/// Parses the query, refusing Rest.li 1.0 shapes first so the message says what is wrong.
pub fn parse_query(raw: &str) -> Result<Query, ApiError> {
    if let Some(what) = restli1_syntax(raw) {
        return Err(ApiError::bad_request(format!("Rest.li 1.0 syntax is not accepted with protocol 2.0.0: {what}")));
    }
    Query::parse(raw).map_err(|e| ApiError::bad_request(format!("Invalid query: {e}")))
}

/// `X-RestLi-Method`, when sent, must name the operation.
fn expect_restli_method(req: &Request, expected: &str, required: bool) -> Result<(), ApiError> {
    match req.header("x-restli-method") {
        None if required => {
            Err(ApiError::bad_request(format!("X-RestLi-Method: {expected} is required for this call")))
        }
        None => Ok(()),
        Some(m) if m.eq_ignore_ascii_case(expected) => Ok(()),
        Some(m) => Err(ApiError::bad_request(format!("X-RestLi-Method '{m}' does not match this call ({expected})"))),
    }
}

/// Routes a versioned API call.
pub fn route(market: &mut Market, call: Call<'_>) -> ApiResult {
    let account = market.scenario.account.id;
    let path = format!("/rest/{}", call.segments.join("/"));
    match call.segments.as_slice() {
        ["adAnalytics"] => {
            only(&call, &["GET"], &path)?;
            expect_restli_method(call.req, "FINDER", false)?;
            reporting::ad_analytics(market, &call.query)
        }
        ["adAccounts", id, rest @ ..] => {
            let id: u64 = id
                .parse()
                .map_err(|_| ApiError::bad_request(format!("Invalid ad account id '{id}': a number, not a URN")))?;
            if id != account {
                return Err(ApiError::new(
                    403,
                    "ACCESS_DENIED",
                    format!("Not enough permissions to access: adAccounts/{id} (this token manages {account})"),
                ));
            }
            match rest {
                [] => {
                    only(&call, &["GET"], &path)?;
                    Ok(Response::json(200, &account_json(market)))
                }
                ["adCampaigns"] => campaigns_collection(market, &call, &path),
                ["adCampaigns", cid] => campaign_entity(market, &call, cid, &path),
                ["creatives"] => creatives_collection(market, &call, &path),
                ["creatives", key] => creative_entity(market, &call, key, &path),
                _ => Err(ApiError::not_found(format!("No resource at {path}"))),
            }
        }
        ["posts"] => {
            only(&call, &["POST"], &path)?;
            expect_restli_method(call.req, "CREATE", false)?;
            no_query(&call)?;
            let body = json_body(call.req)?;
            let urn = create_post(market, body, false)?;
            Ok(Response::created(&urn))
        }
        ["posts", key] => {
            only(&call, &["GET"], &path)?;
            no_query(&call)?;
            let urn = decode_key(key, &["urn:li:share:", "urn:li:ugcPost:"])?;
            let post = market.post(&urn).ok_or_else(|| ApiError::not_found(format!("Post {urn} does not exist")))?;
            Ok(Response::json(200, &post.json))
        }
        _ => Err(ApiError::not_found(format!("No resource at {path}"))),
    }
}

fn only(call: &Call<'_>, methods: &[&str], path: &str) -> Result<(), ApiError> {
    if methods.contains(&call.method) { Ok(()) } else { Err(ApiError::method_not_allowed(call.method, path)) }
}

fn no_query(call: &Call<'_>) -> Result<(), ApiError> {
    match call.query.names().next() {
        Some(n) => Err(ApiError::bad_request(format!("Unexpected query parameter '{n}'"))),
        None => Ok(()),
    }
}

fn allow_params(q: &Query, allowed: &[&str], what: &str) -> Result<(), ApiError> {
    for n in q.names() {
        if !allowed.contains(&n) {
            return Err(ApiError::bad_request(format!("Unrecognized query parameter '{n}' for {what}")));
        }
    }
    Ok(())
}

/// A path key that must be an encoded URN of one of `prefixes` (`urn%3Ali%3AsponsoredCreative%3A1`).
fn decode_key(key: &str, prefixes: &[&str]) -> Result<String, ApiError> {
    if key.contains(':') {
        return Err(ApiError::bad_request(format!(
            "Invalid resource key '{key}': a URN in the path must be percent-encoded (urn%3Ali%3A...)"
        )));
    }
    let decoded = percent_encoding::percent_decode_str(key)
        .decode_utf8()
        .map_err(|_| ApiError::bad_request(format!("Invalid resource key '{key}'")))?
        .into_owned();
    let ok = prefixes
        .iter()
        .any(|p| decoded.strip_prefix(p).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())));
    if !ok {
        return Err(ApiError::bad_request(format!(
            "Invalid resource key '{decoded}': expected {}<id>",
            prefixes.join("<id> or ")
        )));
    }
    Ok(decoded)
}

fn json_body(req: &Request) -> Result<Value, ApiError> {
    let ct = req.header("content-type").unwrap_or_default();
    if !ct.starts_with("application/json") {
        return Err(ApiError::new(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))
}

/// `{"patch":{"$set":{...}}}` → the `$set` object.
fn patch_set(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let body = json_body(req)?;
    let bad =
        |m: &str| ApiError::bad_request(format!("Malformed patch: {m}. Expected {{\"patch\":{{\"$set\":{{...}}}}}}"));
    let obj = body.as_object().ok_or_else(|| bad("the body is not an object"))?;
    if obj.len() != 1 || !obj.contains_key("patch") {
        return Err(bad("the body must hold exactly one member, \"patch\""));
    }
    let patch = obj["patch"].as_object().ok_or_else(|| bad("\"patch\" is not an object"))?;
    for k in patch.keys() {
        if k != "$set" {
            return Err(bad(&format!("unsupported patch operation '{k}'")));
        }
    }
    let set =
        patch.get("$set").and_then(Value::as_object).ok_or_else(|| bad("\"$set\" is missing or not an object"))?;
    if set.is_empty() {
        return Err(bad("\"$set\" is empty"));
    }
    Ok(set.clone())
}

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::NotFound(m) => ApiError::not_found(m),
        Refusal::Invalid(m) => ApiError::bad_request(m),
    }
}

fn str_field<'a>(v: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    v.as_str().ok_or_else(|| ApiError::bad_request(format!("Field '{field}' must be a string")))
}

/// `{"amount":"7.50","currencyCode":"USD"}`: the amount must be a decimal string.
fn money(v: &Value, field: &str) -> Result<(Micros, String), ApiError> {
    let obj = v.as_object().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Field '{field}' must be {{\"amount\": \"<decimal string>\", \"currencyCode\": \"USD\"}}"
        ))
    })?;
    for k in obj.keys() {
        if k != "amount" && k != "currencyCode" {
            return Err(ApiError::bad_request(format!("Unrecognized field '{field}.{k}'")));
        }
    }
    let amount = obj.get("amount").and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request(format!("Field '{field}.amount' must be a decimal string such as \"7.50\""))
    })?;
    let currency = obj
        .get("currencyCode")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("Field '{field}.currencyCode' is required")))?;
    let amount = Micros::parse(amount).map_err(|e| ApiError::bad_request(format!("Field '{field}.amount': {e}")))?;
    Ok((amount, currency.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Campaigns

const CAMPAIGN_READ_ONLY: &[&str] = &[
    "id",
    "account",
    "campaignGroup",
    "associatedEntity",
    "servingStatuses",
    "type",
    "format",
    "costType",
    "objectiveType",
    "changeAuditStamps",
    "version",
    "test",
];
const CAMPAIGN_NOT_SIMULATED: &[&str] = &[
    "totalBudget",
    "runSchedule",
    "targetingCriteria",
    "locale",
    "pacingStrategy",
    "offsiteDeliveryEnabled",
    "audienceExpansionEnabled",
    "storyDeliveryEnabled",
    "optimizationTargetType",
];

fn campaigns_collection(market: &mut Market, call: &Call<'_>, path: &str) -> ApiResult {
    if call.method == "POST" {
        return Err(ApiError::new(405, "METHOD_NOT_ALLOWED", "Creating campaigns is not simulated by the sandbox"));
    }
    only(call, &["GET"], path)?;
    expect_restli_method(call.req, "FINDER", false)?;
    let q = &call.query;
    allow_params(q, &["q", "search", "pageSize", "pageToken", "sortOrder"], "adCampaigns search")?;
    match q.get("q").and_then(RValue::as_str) {
        Some("search") => {}
        Some(other) => return Err(ApiError::bad_request(format!("Unknown finder q={other} on adCampaigns"))),
        None => return Err(ApiError::bad_request("Missing required param 'q' (search)")),
    }
    let mut statuses: Option<BTreeSet<String>> = None;
    let mut groups: Option<BTreeSet<String>> = None;
    let mut types: Option<BTreeSet<String>> = None;
    if let Some(search) = q.get("search") {
        let RValue::Record(fields) = search else {
            return Err(ApiError::bad_request("Invalid 'search': expected (status:(values:List(...)),...)"));
        };
        for (k, v) in fields {
            let values: BTreeSet<String> = v
                .field("values")
                .and_then(RValue::as_list)
                .ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid 'search.{k}': expected ({k}:(values:List(...)))"))
                })?
                .iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect();
            match k.as_str() {
                "status" => statuses = Some(values),
                "campaignGroup" => groups = Some(values),
                "type" => types = Some(values),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "Unsupported search field '{other}' (the sandbox filters on status, campaignGroup, type)"
                    )));
                }
            }
        }
    }
    let group = campaign_group_urn(market.scenario.account.id);
    let mut found: Vec<Value> = market
        .campaigns()
        .filter(|c| statuses.as_ref().is_none_or(|s| s.contains(&c.status)))
        .filter(|_| groups.as_ref().is_none_or(|g| g.contains(&group)))
        .filter(|_| types.as_ref().is_none_or(|t| t.contains("SPONSORED_UPDATES")))
        .map(|c| campaign_json(market, c))
        .collect();
    if q.get("sortOrder").and_then(RValue::as_str) == Some("DESCENDING") {
        found.reverse();
    }
    page(found, q, CAMPAIGN_PAGE_MAX, 100)
}

fn campaign_entity(market: &mut Market, call: &Call<'_>, cid: &str, path: &str) -> ApiResult {
    let id: u64 = cid.parse().map_err(|_| {
        ApiError::bad_request(format!("Invalid campaign id '{cid}': a number (not a URN) in this path"))
    })?;
    only(call, &["GET", "POST"], path)?;
    no_query(call)?;
    if call.method == "GET" {
        expect_restli_method(call.req, "GET", false)?;
        let c = market.campaign(id).ok_or_else(|| ApiError::not_found(format!("Campaign {id} does not exist")))?;
        return Ok(Response::json(200, &campaign_json(market, c)));
    }
    expect_restli_method(call.req, "PARTIAL_UPDATE", true)?;
    let set = patch_set(call.req)?;
    if market.campaign(id).is_none() {
        return Err(ApiError::not_found(format!("Campaign {id} does not exist")));
    }
    let mut changes = Vec::new();
    for (k, v) in &set {
        changes.push(match k.as_str() {
            "status" => CampaignChange::Status(str_field(v, k)?.to_string()),
            "unitCost" => {
                let (amount, cur) = money(v, k)?;
                CampaignChange::Bid(amount, cur)
            }
            "dailyBudget" => {
                let (amount, cur) = money(v, k)?;
                CampaignChange::DailyBudget(amount, cur)
            }
            "name" => CampaignChange::Name(str_field(v, k)?.to_string()),
            f if CAMPAIGN_READ_ONLY.contains(&f) => {
                return Err(ApiError::bad_request(format!("Field '{f}' is read-only and cannot be patched")));
            }
            f if CAMPAIGN_NOT_SIMULATED.contains(&f) => {
                return Err(ApiError::new(
                    400,
                    "SANDBOX_UNSUPPORTED",
                    format!("Patching '{f}' is not simulated by the sandbox"),
                ));
            }
            f => return Err(ApiError::bad_request(format!("Unrecognized field '{f}' in the campaign patch"))),
        });
    }
    // The market checks every change before applying any: the patch is whole or nothing.
    market.patch_campaign(id, &changes).map_err(refused)?;
    Ok(Response::no_content())
}

fn serving_statuses(c: &Campaign) -> Vec<&'static str> {
    match c.status.as_str() {
        "ACTIVE" => vec!["RUNNABLE"],
        "DRAFT" => vec!["DRAFT"],
        _ => vec!["STOPPED"],
    }
}

pub fn campaign_json(market: &Market, c: &Campaign) -> Value {
    let s = &market.scenario;
    let cur = &s.account.currency;
    json!({
        "id": c.id,
        "name": c.name,
        "account": format!("urn:li:sponsoredAccount:{}", s.account.id),
        "campaignGroup": campaign_group_urn(s.account.id),
        "associatedEntity": format!("urn:li:organization:{}", s.account.organization),
        "status": c.status,
        "servingStatuses": serving_statuses(c),
        "type": "SPONSORED_UPDATES",
        "format": "STANDARD_UPDATE",
        "objectiveType": c.objective,
        // Manual bidding: the bid is what the optimizer sets.
        "optimizationTargetType": "NONE",
        "costType": c.cost_type.as_str(),
        "unitCost": money_json(c.bid, cur),
        "dailyBudget": money_json(c.daily_budget, cur),
        "pacingStrategy": "LIFETIME",
        "runSchedule": { "start": c.created_at.timestamp_millis() },
        "locale": { "country": "US", "language": "en" },
        "creativeSelection": c.rotation.as_str(),
        "offsiteDeliveryEnabled": false,
        "audienceExpansionEnabled": false,
        "storyDeliveryEnabled": false,
        "targetingCriteria": { "include": { "and": [
            { "or": { "urn:li:adTargetingFacet:locations": ["urn:li:geo:103644278"] } }
        ] } },
        "test": false,
        "version": { "versionTag": c.version.to_string() },
        "changeAuditStamps": {
            "created": { "time": c.created_at.timestamp_millis() },
            "lastModified": { "time": c.last_modified_at.timestamp_millis() }
        }
    })
}

fn account_json(market: &Market) -> Value {
    let a = &market.scenario.account;
    json!({
        "id": a.id,
        "name": a.name,
        "currency": a.currency,
        "status": "ACTIVE",
        "type": "BUSINESS",
        "reference": format!("urn:li:organization:{}", a.organization),
        "test": false,
        "servingStatuses": ["RUNNABLE"]
    })
}

// ---------------------------------------------------------------------------------------------
// Creatives

const CREATIVE_READ_ONLY: &[&str] = &[
    "id",
    "account",
    "campaign",
    "content",
    "isServing",
    "servingHoldReasons",
    "review",
    "isTest",
    "createdAt",
    "createdBy",
    "lastModifiedAt",
    "lastModifiedBy",
];

fn creatives_collection(market: &mut Market, call: &Call<'_>, path: &str) -> ApiResult {
    only(call, &["GET", "POST"], path)?;
    let q = &call.query;
    if call.method == "POST" {
        return match q.get("action").and_then(RValue::as_str) {
            Some("createInline") => {
                allow_params(q, &["action"], "creatives?action=createInline")?;
                expect_restli_method(call.req, "ACTION", false)?;
                create_inline(market, call.req)
            }
            Some(other) => Err(ApiError::bad_request(format!("Unknown action '{other}' on creatives"))),
            None => {
                no_query(call)?;
                expect_restli_method(call.req, "CREATE", false)?;
                let body = json_body(call.req)?;
                let urn = create_creative(market, &body)?;
                Ok(Response::created(&urn))
            }
        };
    }
    expect_restli_method(call.req, "FINDER", false)?;
    allow_params(
        q,
        &["q", "campaigns", "creatives", "intendedStatuses", "isTestAccount", "sortOrder", "pageSize", "pageToken"],
        "creatives criteria finder",
    )?;
    match q.get("q").and_then(RValue::as_str) {
        Some("criteria") => {}
        Some(other) => return Err(ApiError::bad_request(format!("Unknown finder q={other} on creatives"))),
        None => return Err(ApiError::bad_request("Missing required param 'q' (criteria)")),
    }
    let campaigns = reporting::facet(q, "campaigns", "urn:li:sponsoredCampaign:")?;
    let creatives = reporting::facet(q, "creatives", "urn:li:sponsoredCreative:")?;
    let statuses: Option<BTreeSet<String>> = match q.get("intendedStatuses") {
        None => None,
        Some(v) => Some(
            v.as_list()
                .ok_or_else(|| ApiError::bad_request("Invalid value for param 'intendedStatuses': expected List(...)"))?
                .iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect(),
        ),
    };
    let now = market.now();
    let mut found: Vec<Value> = market
        .creatives()
        .filter(|c| campaigns.as_ref().is_none_or(|s| s.contains(&c.campaign)))
        .filter(|c| creatives.as_ref().is_none_or(|s| s.contains(&c.id)))
        .filter(|c| statuses.as_ref().is_none_or(|s| s.contains(&c.intended_status)))
        .map(|c| creative_json(market, c, now))
        .collect();
    match q.get("sortOrder").and_then(RValue::as_str) {
        None | Some("ASCENDING") => {}
        Some("DESCENDING") => found.reverse(),
        Some(o) => return Err(ApiError::bad_request(format!("Invalid enum value '{o}' for param 'sortOrder'"))),
    }
    page(found, q, CREATIVE_PAGE_MAX, 10)
}

fn creative_entity(market: &mut Market, call: &Call<'_>, key: &str, path: &str) -> ApiResult {
    only(call, &["GET", "POST"], path)?;
    no_query(call)?;
    let urn = decode_key(key, &["urn:li:sponsoredCreative:"])?;
    let id: u64 = urn.rsplit(':').next().and_then(|n| n.parse().ok()).expect("checked by decode_key");
    if call.method == "GET" {
        expect_restli_method(call.req, "GET", false)?;
        let c = market.creative(id).ok_or_else(|| ApiError::not_found(format!("Creative {urn} does not exist")))?;
        return Ok(Response::json(200, &creative_json(market, c, market.now())));
    }
    expect_restli_method(call.req, "PARTIAL_UPDATE", true)?;
    let set = patch_set(call.req)?;
    if market.creative(id).is_none() {
        return Err(ApiError::not_found(format!("Creative {urn} does not exist")));
    }
    let mut status = None;
    let mut name = None;
    for (k, v) in &set {
        match k.as_str() {
            "intendedStatus" => status = Some(str_field(v, k)?.to_string()),
            "name" => name = Some(str_field(v, k)?.to_string()),
            "status" => {
                return Err(ApiError::bad_request(
                    "Unrecognized field 'status' in the creative patch (the versioned API calls it 'intendedStatus')",
                ));
            }
            f if CREATIVE_READ_ONLY.contains(&f) => {
                return Err(ApiError::bad_request(format!("Field '{f}' is read-only and cannot be patched")));
            }
            f => return Err(ApiError::bad_request(format!("Unrecognized field '{f}' in the creative patch"))),
        }
    }
    // Only the status change can be refused, so it goes first: a refused patch changes nothing.
    if let Some(s) = status {
        market.set_creative_status(id, &s).map_err(refused)?;
    }
    if let Some(n) = name {
        market.set_creative_name(id, &n).map_err(refused)?;
    }
    Ok(Response::no_content())
}

fn hold_reasons(market: &Market, c: &Creative, now: DateTime<Utc>) -> Vec<&'static str> {
    let mut r = Vec::new();
    if market.campaign(c.campaign).is_none_or(|k| k.status != "ACTIVE") {
        r.push("CAMPAIGN_STOPPED");
    }
    if c.intended_status != "ACTIVE" {
        r.push("CREATIVE_STOPPED");
    }
    if c.review_status(now) == Some("PENDING") {
        r.push("UNDER_REVIEW");
    }
    r
}

pub fn creative_json(market: &Market, c: &Creative, now: DateTime<Utc>) -> Value {
    let s = &market.scenario;
    let holds = hold_reasons(market, c, now);
    let mut v = json!({
        "id": c.urn(),
        "account": format!("urn:li:sponsoredAccount:{}", s.account.id),
        "campaign": format!("urn:li:sponsoredCampaign:{}", c.campaign),
        "content": { "reference": c.post },
        "intendedStatus": c.intended_status,
        "isServing": holds.is_empty(),
        "isTest": false,
        "createdAt": c.created_at.timestamp_millis(),
        "createdBy": "urn:li:person:sandbox",
        "lastModifiedAt": c.last_modified_at.timestamp_millis(),
        "lastModifiedBy": "urn:li:person:sandbox"
    });
    if !holds.is_empty() {
        v["servingHoldReasons"] = json!(holds);
    }
    if let Some(r) = c.review_status(now) {
        v["review"] = json!({ "status": r });
    }
    if let Some(n) = &c.name {
        v["name"] = json!(n);
    }
    v
}

/// `POST /rest/adAccounts/{a}/creatives`: `{"campaign","intendedStatus","content":{"reference"}}`.
fn create_creative(market: &mut Market, body: &Value) -> Result<String, ApiError> {
    let obj = body.as_object().ok_or_else(|| ApiError::bad_request("The creative must be a JSON object"))?;
    for k in obj.keys() {
        if !["campaign", "intendedStatus", "content", "name", "leadgenCallToAction"].contains(&k.as_str()) {
            let why = if CREATIVE_READ_ONLY.contains(&k.as_str()) { "read-only" } else { "unrecognized" };
            return Err(ApiError::bad_request(format!("Field '{k}' is {why} in a creative create")));
        }
    }
    let campaign = campaign_ref(obj.get("campaign"))?;
    let status = obj
        .get("intendedStatus")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Field 'intendedStatus' is required (ACTIVE, PAUSED or DRAFT)"))?;
    let reference = obj.get("content").and_then(|c| c.get("reference")).and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request("Field 'content.reference' is required: the URN of a post (urn:li:share:N)")
    })?;
    if !(reference.starts_with("urn:li:share:") || reference.starts_with("urn:li:ugcPost:")) {
        return Err(ApiError::new(
            400,
            "INVALID_URN_TYPE",
            format!("content.reference '{reference}' must be a post URN"),
        ));
    }
    if let Some(post) = market.post(reference) {
        check_ad_copy_limits(&post.copy)?;
    }
    let name = obj.get("name").and_then(Value::as_str).map(String::from);
    let id = market.create_creative(campaign, reference, status, name).map_err(refused)?;
    Ok(format!("urn:li:sponsoredCreative:{id}"))
}

fn campaign_ref(v: Option<&Value>) -> Result<u64, ApiError> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Field 'campaign' is required: urn:li:sponsoredCampaign:N"))?;
    s.strip_prefix("urn:li:sponsoredCampaign:").and_then(|n| n.parse().ok()).ok_or_else(|| {
        ApiError::new(400, "INVALID_URN_TYPE", format!("Field 'campaign' '{s}' must be urn:li:sponsoredCampaign:N"))
    })
}

/// `POST /rest/adAccounts/{a}/creatives?action=createInline`: a dark post and its creative in one call.
fn create_inline(market: &mut Market, req: &Request) -> ApiResult {
    let body = json_body(req)?;
    let creative = body
        .get("creative")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::bad_request("Field 'creative' is required"))?;
    for k in creative.keys() {
        if !["campaign", "intendedStatus", "name", "inlineContent"].contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!("Unrecognized field 'creative.{k}' in createInline")));
        }
    }
    let campaign = campaign_ref(creative.get("campaign"))?;
    if market.campaign(campaign).is_none() {
        return Err(ApiError::bad_request(format!(
            "campaign urn:li:sponsoredCampaign:{campaign} does not exist in this account"
        )));
    }
    let status = creative
        .get("intendedStatus")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Field 'creative.intendedStatus' is required"))?
        .to_string();
    let post = creative
        .get("inlineContent")
        .and_then(|c| c.get("post"))
        .cloned()
        .ok_or_else(|| ApiError::bad_request("Field 'creative.inlineContent.post' is required"))?;
    let urn = create_post(market, post, true)?;
    let name = creative.get("name").and_then(Value::as_str).map(String::from);
    let id = market.create_creative(campaign, &urn, &status, name).map_err(refused)?;
    let creative_urn = format!("urn:li:sponsoredCreative:{id}");
    Ok(Response::json(200, &json!({ "value": { "creative": creative_urn } })).with_header("x-restli-id", &creative_urn))
}

const POST_FIELDS: &[&str] = &[
    "author",
    "commentary",
    "visibility",
    "distribution",
    "content",
    "contentLandingPage",
    "contentCallToActionLabel",
    "lifecycleState",
    "isReshareDisabledByAuthor",
    "adContext",
];

/// Validates and stores a post; `inline` posts (createInline) may omit what the creative implies.
fn create_post(market: &mut Market, body: Value, inline: bool) -> Result<String, ApiError> {
    let s = market.scenario.clone();
    let mut obj = body.as_object().cloned().ok_or_else(|| ApiError::bad_request("The post must be a JSON object"))?;
    for k in obj.keys() {
        if !POST_FIELDS.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!("Unrecognized field '{k}' in the post")));
        }
    }
    let org = format!("urn:li:organization:{}", s.account.organization);
    let author = obj.get("author").and_then(Value::as_str).unwrap_or_default();
    if author != org {
        return Err(ApiError::new(
            403,
            "ACCESS_DENIED",
            format!("Field 'author' must be the organization this token can post for ({org}), not '{author}'"),
        ));
    }
    let commentary = obj
        .get("commentary")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Field 'commentary' (the intro text) is required"))?
        .to_string();
    if commentary.chars().count() > 3000 {
        return Err(ApiError::bad_request("Field 'commentary' exceeds 3000 characters"));
    }
    // Little text, as LinkedIn reads it: an unescaped reserved character cuts the text, silently.
    let commentary = little_text::as_published(&commentary);
    obj.insert("commentary".into(), json!(little_text::escape(&commentary)));
    if !inline {
        for k in ["visibility", "distribution", "lifecycleState"] {
            if !obj.contains_key(k) {
                return Err(ApiError::bad_request(format!("Field '{k}' is required")));
            }
        }
    }
    if let Some(v) = obj.get("visibility").and_then(Value::as_str)
        && !["PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"].contains(&v)
    {
        return Err(ApiError::bad_request(format!("Invalid enum value '{v}' for 'visibility'")));
    }
    if let Some(v) = obj.get("lifecycleState").and_then(Value::as_str)
        && !["PUBLISHED", "DRAFT"].contains(&v)
    {
        return Err(ApiError::bad_request(format!("Invalid enum value '{v}' for 'lifecycleState'")));
    }
    let cta = obj.get("contentCallToActionLabel").and_then(Value::as_str).map(String::from);
    if let Some(c) = &cta
        && !CTA_LABELS.contains(&c.as_str())
    {
        return Err(ApiError::bad_request(format!("Invalid enum value '{c}' for 'contentCallToActionLabel'")));
    }
    if let Some(ctx) = obj.get("adContext") {
        let acct = format!("urn:li:sponsoredAccount:{}", s.account.id);
        if let Some(a) = ctx.get("dscAdAccount").and_then(Value::as_str)
            && a != acct
        {
            return Err(ApiError::new(403, "ACCESS_DENIED", format!("adContext.dscAdAccount '{a}' is not {acct}")));
        }
    }
    let article = obj.get("content").and_then(|c| c.get("article"));
    let media = obj.get("content").and_then(|c| c.get("media"));
    let text = |v: Option<&Value>, k: &str| v.and_then(|a| a.get(k)).and_then(Value::as_str).map(String::from);
    let landing =
        obj.get("contentLandingPage").and_then(Value::as_str).map(String::from).or_else(|| text(article, "source"));
    let copy = AdCopy {
        intro_text: Some(commentary).filter(|c| !c.trim().is_empty()),
        headline: text(article, "title").or_else(|| text(media, "title")),
        description: text(article, "description"),
        call_to_action: cta,
        landing_page: landing,
    };
    check_ad_copy_limits(&copy)?;
    if inline {
        obj.entry("visibility").or_insert(json!("PUBLIC"));
        obj.entry("lifecycleState").or_insert(json!("PUBLISHED"));
        obj.entry("distribution").or_insert(
            json!({ "feedDistribution": "NONE", "targetEntities": [], "thirdPartyDistributionChannels": [] }),
        );
    }
    Ok(market.create_post(Value::Object(obj), copy))
}

fn check_ad_copy_limits(copy: &AdCopy) -> Result<(), ApiError> {
    let len = |s: &Option<String>| s.as_deref().map(|s| s.chars().count()).unwrap_or(0);
    for (what, n, max) in [
        ("introductory text (commentary)", len(&copy.intro_text), INTRO_MAX_CHARS),
        ("headline", len(&copy.headline), HEADLINE_MAX_CHARS),
        ("description", len(&copy.description), DESCRIPTION_MAX_CHARS),
    ] {
        if n > max {
            return Err(ApiError::bad_request(format!("The ad's {what} has {n} characters; the limit is {max}")));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Paging

/// Cursor paging: `pageSize` (≤ `max`), `pageToken` from the previous page's `metadata.nextPageToken`.
fn page(items: Vec<Value>, q: &Query, max: usize, default: usize) -> ApiResult {
    let size = match q.get("pageSize") {
        None => default,
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("Invalid pageSize: a number from 1 to {max}")))?,
    };
    let offset = match q.get("pageToken") {
        None => 0,
        Some(v) => v
            .as_str()
            .and_then(|t| t.strip_prefix("sbx-"))
            .and_then(|n| usize::from_str_radix(n, 16).ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                ApiError::bad_request("Invalid pageToken: pass metadata.nextPageToken from the previous page")
            })?,
    };
    let total = items.len();
    let elements: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = offset + elements.len();
    let mut metadata = json!({});
    if next < total {
        metadata["nextPageToken"] = json!(format!("sbx-{next:x}"));
    }
    Ok(Response::json(
        200,
        &json!({ "elements": elements, "metadata": metadata, "paging": { "count": size, "start": offset, "links": [] } }),
    ))
}
