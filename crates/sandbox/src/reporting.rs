//! `GET /rest/adAnalytics`: the analytics and statistics finders over the market's delivery.
//!
//! LinkedIn's rules, enforced: `timeGranularity`, `dateRange` and at least one facet are required; at
//! most 20 `fields`, each a known metric; `start` paging is refused; no paging at all; a result beyond
//! 15,000 elements is silently truncated; costs are decimal strings; days without activity have no row;
//! `approximateMemberReach` is null for ranges over 92 days. Without `fields`, only impressions and
//! clicks come back.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};

use linkedin_core::linkedin::analytics::DEFAULT_METRICS;

use crate::http::{ApiError, Response};
use crate::market::{Cell, Market};
use crate::money::Micros;
use crate::restli::{Query, RValue};

pub const MAX_FIELDS: usize = 20;
pub const ROW_CAP: usize = 15_000;
pub const REACH_MAX_DAYS: i64 = 92;

/// Metrics the market models: exactly those the collector requests
/// ([`linkedin_core::linkedin::analytics::DEFAULT_METRICS`]), except video views (no video ads here, 0).
fn modelled(name: &str) -> bool {
    DEFAULT_METRICS.contains(&name) && name != "videoViews"
}

/// Metrics LinkedIn knows that the market does not model: they are accepted and report 0.
const ZERO_METRICS: &[&str] = &[
    "actionClicks",
    "adUnitClicks",
    "cardClicks",
    "cardImpressions",
    "commentLikes",
    "comments",
    "companyPageClicks",
    "conversionValueInLocalCurrency",
    "documentCompletions",
    "documentFirstQuartileCompletions",
    "documentMidpointCompletions",
    "documentThirdQuartileCompletions",
    "downloadClicks",
    "follows",
    "fullScreenPlays",
    "jobApplications",
    "jobApplyClicks",
    "leadGenerationMailContactInfoShares",
    "leadGenerationMailInterestedClicks",
    "likes",
    "oneClickLeadFormOpens",
    "opens",
    "otherEngagements",
    "postClickJobApplications",
    "postClickJobApplyClicks",
    "postClickRegistrations",
    "postViewJobApplications",
    "postViewJobApplyClicks",
    "postViewRegistrations",
    "reactions",
    "registrations",
    "sends",
    "shares",
    "talentLeads",
    "textUrlClicks",
    "validWorkEmailLeads",
    "videoCompletions",
    "videoFirstQuartileCompletions",
    "videoMidpointCompletions",
    "videoStarts",
    "videoThirdQuartileCompletions",
    "averageDwellTime",
    "audiencePenetration",
];

const PARAMS: &[&str] = &[
    "q",
    "pivot",
    "pivots",
    "timeGranularity",
    "dateRange",
    "accounts",
    "campaignGroups",
    "campaigns",
    "creatives",
    "shares",
    "companies",
    "fields",
    "count",
    "start",
];

const SIMULATED_PIVOTS: &[&str] = &["CREATIVE", "CAMPAIGN", "CAMPAIGN_GROUP", "ACCOUNT"];
const OTHER_PIVOTS: &[&str] = &[
    "COMPANY",
    "SHARE",
    "CONVERSION",
    "SERVING_LOCATION",
    "CARD_INDEX",
    "MEMBER_COMPANY_SIZE",
    "MEMBER_INDUSTRY",
    "MEMBER_SENIORITY",
    "MEMBER_JOB_TITLE",
    "MEMBER_JOB_FUNCTION",
    "MEMBER_COUNTRY_V2",
    "MEMBER_REGION_V2",
    "MEMBER_COMPANY",
    "PLACEMENT_NAME",
    "IMPRESSION_DEVICE_TYPE",
    "EVENT_STAGE",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pivot {
    Creative,
    Campaign,
    CampaignGroup,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granularity {
    Daily,
    Monthly,
    Yearly,
    All,
}

/// The campaign group every sandbox campaign belongs to.
pub fn campaign_group_urn(account: u64) -> String {
    format!("urn:li:sponsoredCampaignGroup:{account}")
}

/// `pivot=CREATIVE` or `pivot=(value:CREATIVE)`: both forms are in production use.
fn symbol<'a>(param: &str, v: &'a RValue) -> Result<&'a str, ApiError> {
    match v {
        RValue::Str(s) => Ok(s),
        RValue::Record(_) => v.field("value").and_then(RValue::as_str).ok_or_else(|| {
            ApiError::bad_request(format!("Invalid value for param '{param}': expected SYMBOL or (value:SYMBOL)"))
        }),
        RValue::List(_) => {
            Err(ApiError::bad_request(format!("Invalid value for param '{param}': a list is not allowed here")))
        }
    }
}

fn pivot(param: &str, v: &RValue) -> Result<Pivot, ApiError> {
    match symbol(param, v)? {
        "CREATIVE" => Ok(Pivot::Creative),
        "CAMPAIGN" => Ok(Pivot::Campaign),
        "CAMPAIGN_GROUP" => Ok(Pivot::CampaignGroup),
        "ACCOUNT" => Ok(Pivot::Account),
        p if OTHER_PIVOTS.contains(&p) => Err(ApiError::new(
            400,
            "SANDBOX_UNSUPPORTED",
            format!("pivot {p} is valid on LinkedIn but the sandbox simulates only {}", SIMULATED_PIVOTS.join(", ")),
        )),
        p => Err(ApiError::bad_request(format!("Invalid enum value '{p}' for param '{param}'"))),
    }
}

fn date_of(v: Option<&RValue>, what: &str) -> Result<NaiveDate, ApiError> {
    let bad = || ApiError::bad_request(format!("Invalid dateRange: {what} must be (year:Y,month:M,day:D)"));
    let v = v.ok_or_else(bad)?;
    let num = |k: &str| -> Result<i64, ApiError> {
        v.field(k).and_then(RValue::as_str).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let (y, m, d) = (num("year")?, num("month")?, num("day")?);
    if let RValue::Record(fields) = v
        && fields.len() != 3
    {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid dateRange: {what} {y}-{m}-{d} is not a date")))
}

fn ymd(d: NaiveDate) -> Value {
    json!({ "year": d.year(), "month": d.month(), "day": d.day() })
}

/// A facet's URN list, checked against the URN type it must hold; returns the ids.
pub(crate) fn facet(q: &Query, name: &str, prefix: &str) -> Result<Option<BTreeSet<u64>>, ApiError> {
    let Some(v) = q.get(name) else { return Ok(None) };
    let items = v
        .as_list()
        .ok_or_else(|| ApiError::bad_request(format!("Invalid value for param '{name}': expected List(urn,...)")))?;
    let mut out = BTreeSet::new();
    for item in items {
        let s = item.as_str().unwrap_or_default();
        let id = s.strip_prefix(prefix).and_then(|n| n.parse::<u64>().ok()).ok_or_else(|| {
            ApiError::new(400, "INVALID_URN_TYPE", format!("Invalid URN '{s}' in '{name}': expected {prefix}<id>"))
        })?;
        out.insert(id);
    }
    Ok(Some(out))
}

/// Answers an adAnalytics finder.
pub fn ad_analytics(market: &Market, q: &Query) -> Result<Response, ApiError> {
    for name in q.names() {
        if !PARAMS.contains(&name) {
            return Err(ApiError::bad_request(format!("Unrecognized query parameter '{name}' for adAnalytics")));
        }
    }
    if q.get("start").is_some() {
        return Err(ApiError::bad_request("Setting a paging start value is not permitted"));
    }
    let pivots: Vec<Pivot> = match q.get("q").and_then(RValue::as_str) {
        Some("analytics") => {
            if q.get("pivots").is_some() {
                return Err(ApiError::bad_request(
                    "The analytics finder takes 'pivot'; 'pivots' belongs to q=statistics",
                ));
            }
            let v = q
                .get("pivot")
                .ok_or_else(|| ApiError::bad_request("Missing required param 'pivot' for q=analytics"))?;
            vec![pivot("pivot", v)?]
        }
        Some("statistics") => {
            if q.get("pivot").is_some() {
                return Err(ApiError::bad_request(
                    "The statistics finder takes 'pivots'; 'pivot' belongs to q=analytics",
                ));
            }
            let items = q
                .get("pivots")
                .and_then(RValue::as_list)
                .ok_or_else(|| ApiError::bad_request("Missing required param 'pivots' (List(...)) for q=statistics"))?;
            if items.is_empty() || items.len() > 3 {
                return Err(ApiError::bad_request(format!("'pivots' takes 1 to 3 pivots, not {}", items.len())));
            }
            items.iter().map(|v| pivot("pivots", v)).collect::<Result<_, _>>()?
        }
        Some("attributedRevenueMetrics") => {
            return Err(ApiError::new(
                400,
                "SANDBOX_UNSUPPORTED",
                "q=attributedRevenueMetrics is not simulated by the sandbox",
            ));
        }
        Some(other) => return Err(ApiError::bad_request(format!("Unknown finder q={other} on adAnalytics"))),
        None => return Err(ApiError::bad_request("Missing required param 'q' (analytics or statistics)")),
    };
    let granularity = match q.get("timeGranularity") {
        None => return Err(ApiError::bad_request("Missing required param 'timeGranularity'")),
        Some(v) => match symbol("timeGranularity", v)? {
            "DAILY" => Granularity::Daily,
            "MONTHLY" => Granularity::Monthly,
            "YEARLY" => Granularity::Yearly,
            "ALL" => Granularity::All,
            g => return Err(ApiError::bad_request(format!("Invalid enum value '{g}' for param 'timeGranularity'"))),
        },
    };
    let range = q.get("dateRange").ok_or_else(|| ApiError::bad_request("Missing required param 'dateRange'"))?;
    let start = date_of(range.field("start"), "start")?;
    let end = match range.field("end") {
        Some(e) => date_of(Some(e), "end")?,
        None => market.today(),
    };
    if end < start {
        return Err(ApiError::bad_request(format!("Invalid dateRange: end {end} is before start {start}")));
    }

    let account = market.scenario.account.id;
    let accounts = facet(q, "accounts", "urn:li:sponsoredAccount:")?;
    let groups = facet(q, "campaignGroups", "urn:li:sponsoredCampaignGroup:")?;
    let campaigns = facet(q, "campaigns", "urn:li:sponsoredCampaign:")?;
    let creatives = facet(q, "creatives", "urn:li:sponsoredCreative:")?;
    for unsupported in ["shares", "companies"] {
        if q.get(unsupported).is_some() {
            return Err(ApiError::new(
                400,
                "SANDBOX_UNSUPPORTED",
                format!("the '{unsupported}' facet is not simulated by the sandbox"),
            ));
        }
    }
    if accounts.is_none() && groups.is_none() && campaigns.is_none() && creatives.is_none() {
        return Err(ApiError::bad_request(
            "At least one facet is required: accounts, campaignGroups, campaigns, creatives, shares or companies",
        ));
    }

    let fields: Option<Vec<&str>> = q.raw("fields").map(|f| f.split(',').filter(|s| !s.is_empty()).collect());
    if let Some(f) = &fields {
        if f.len() > MAX_FIELDS {
            return Err(ApiError::bad_request(format!(
                "Requested {} fields, more than the maximum of {MAX_FIELDS} per request",
                f.len()
            )));
        }
        for name in f {
            let known = *name == "dateRange"
                || *name == "pivotValues"
                || DEFAULT_METRICS.contains(name)
                || ZERO_METRICS.contains(name);
            if !known {
                return Err(ApiError::bad_request(format!("Invalid field '{name}' in 'fields'")));
            }
        }
    }
    let fields = fields.unwrap_or_else(|| vec!["impressions", "clicks"]);

    // Aggregate the cells into (bucket, pivot values).
    let today = market.today();
    let last = end.min(today);
    let mut buckets: BTreeMap<(NaiveDate, NaiveDate, Vec<String>), Agg> = BTreeMap::new();
    for (&(creative_id, day), cell) in market.cells().range((0, start)..) {
        if day < start || day > last {
            continue;
        }
        let Some(creative) = market.creative(creative_id) else { continue };
        let keep = accounts.as_ref().is_none_or(|a| a.contains(&account))
            && groups.as_ref().is_none_or(|g| g.contains(&account))
            && campaigns.as_ref().is_none_or(|c| c.contains(&creative.campaign))
            && creatives.as_ref().is_none_or(|c| c.contains(&creative_id));
        if !keep {
            continue;
        }
        let (b_start, b_end) = match granularity {
            Granularity::Daily => (day, day),
            Granularity::Monthly => {
                let first = day.with_day(1).expect("day 1 exists");
                let next = first.checked_add_months(chrono::Months::new(1)).expect("in range");
                (first.max(start), next.pred_opt().expect("in range").min(end))
            }
            Granularity::Yearly => {
                let first = NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("Jan 1 exists");
                let last_day = NaiveDate::from_ymd_opt(day.year(), 12, 31).expect("Dec 31 exists");
                (first.max(start), last_day.min(end))
            }
            Granularity::All => (start, end),
        };
        let values: Vec<String> = pivots
            .iter()
            .map(|p| match p {
                Pivot::Creative => format!("urn:li:sponsoredCreative:{creative_id}"),
                Pivot::Campaign => format!("urn:li:sponsoredCampaign:{}", creative.campaign),
                Pivot::CampaignGroup => campaign_group_urn(account),
                Pivot::Account => format!("urn:li:sponsoredAccount:{account}"),
            })
            .collect();
        let leads = market.campaign(creative.campaign).is_some_and(|c| c.objective == "LEAD_GENERATION");
        buckets.entry((b_start, b_end, values)).or_default().add(cell, day, today, leads);
    }

    let mut elements = Vec::new();
    for ((b_start, b_end, values), agg) in buckets {
        if agg.impressions == 0 && agg.cost.0 == 0 && agg.conversions == 0 && agg.leads == 0 {
            continue;
        }
        if elements.len() == ROW_CAP {
            // LinkedIn truncates without a word.
            break;
        }
        let days = (b_end - b_start).num_days() + 1;
        let mut el = Map::new();
        for f in &fields {
            let v = match *f {
                "dateRange" => json!({ "start": ymd(b_start), "end": ymd(b_end) }),
                "pivotValues" => json!(values),
                other => agg.metric(other, days, market.scenario.market.frequency),
            };
            el.insert(f.to_string(), v);
        }
        elements.push(Value::Object(el));
    }
    Ok(Response::json(200, &json!({ "paging": { "start": 0, "count": 10, "links": [] }, "elements": elements })))
}

#[derive(Debug, Default)]
struct Agg {
    impressions: u64,
    clicks: u64,
    landing_page_clicks: u64,
    engagements: u64,
    cost: Micros,
    conversions: u64,
    leads: u64,
}

impl Agg {
    fn add(&mut self, cell: &Cell, day: NaiveDate, today: NaiveDate, leads: bool) {
        self.impressions += cell.impressions;
        self.clicks += cell.clicks;
        self.landing_page_clicks += cell.landing_page_clicks;
        self.engagements += cell.engagements;
        self.cost = Micros(self.cost.0 + cell.cost.0);
        let reported = cell.conversions_reported(day, today);
        if leads {
            self.leads += reported;
        } else {
            self.conversions += reported;
        }
    }

    fn metric(&self, name: &str, days: i64, frequency: f64) -> Value {
        match name {
            "impressions" => json!(self.impressions),
            "clicks" => json!(self.clicks),
            "landingPageClicks" => json!(self.landing_page_clicks),
            "totalEngagements" => json!(self.engagements),
            "costInUsd" | "costInLocalCurrency" => json!(self.cost.api_string()),
            "externalWebsiteConversions" | "externalWebsitePostClickConversions" => json!(self.conversions),
            "externalWebsitePostViewConversions" => json!(0),
            m if !modelled(m) => json!(0),
            "oneClickLeads" => json!(self.leads),
            "approximateMemberReach" if days > REACH_MAX_DAYS => Value::Null,
            "approximateMemberReach" => {
                // Members see an ad `frequency` times a day; over longer buckets the same members return.
                let reach = self.impressions as f64 / (frequency * (days as f64).sqrt());
                json!((reach.round() as u64).min(self.impressions))
            }
            _ => json!(0),
        }
    }
}
