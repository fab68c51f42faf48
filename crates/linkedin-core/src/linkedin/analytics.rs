//! Ad analytics: daily metrics per creative (`q=analytics&pivot=CREATIVE&timeGranularity=DAILY`).
//!
//! LinkedIn's rules, and how this module keeps them:
//! * at most 20 `fields` per request, and rows can only be keyed with `dateRange,pivotValues`: the
//!   metrics are split into chunks of 18 plus those two, and the chunks are merged on (creative, day);
//! * at most 50 URNs in a facet list, per connector practice: requests hold at most 50 campaigns;
//! * no paging and a silent 15,000-row cap: requests are planned so that days × creatives stays under
//!   [`ROW_BUDGET`], and a response that still reaches the cap is split in two and asked again;
//! * `approximateMemberReach` is null beyond 92 days: no window is longer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use super::ApiError;
use super::client::{Call, LinkedInClient};
use crate::ids::{CampaignId, CreativeId};
use crate::money::parse_decimal;
use crate::restli::{Query, Value, date_range};

/// LinkedIn's cap on `fields` per request.
pub const MAX_FIELDS: usize = 20;
/// The fields that key a row; always requested.
pub const KEY_FIELDS: [&str; 2] = ["dateRange", "pivotValues"];
/// URNs per facet list.
pub const MAX_FACET_URNS: usize = 50;
/// Rows at which LinkedIn silently truncates.
pub const ROW_CAP: usize = 15_000;
/// Rows a planned request aims to stay under (a margin for creatives created since they were listed).
pub const ROW_BUDGET: usize = 10_000;
/// Longest window (member reach is null beyond 92 days).
pub const MAX_WINDOW_DAYS: i64 = 92;

/// The metrics pulled by default: 12, so one request per window.
pub const DEFAULT_METRICS: &[&str] = &[
    "impressions",
    "clicks",
    "landingPageClicks",
    "costInUsd",
    "costInLocalCurrency",
    "externalWebsiteConversions",
    "externalWebsitePostClickConversions",
    "externalWebsitePostViewConversions",
    "oneClickLeads",
    "totalEngagements",
    "videoViews",
    "approximateMemberReach",
];

/// `fields` values: the metrics (de-duplicated) in chunks, each led by the key fields.
pub fn field_chunks(metrics: &[&str]) -> Vec<String> {
    let mut seen = Vec::new();
    for m in metrics {
        if !KEY_FIELDS.contains(m) && !seen.contains(m) {
            seen.push(*m);
        }
    }
    let per_chunk = MAX_FIELDS - KEY_FIELDS.len();
    if seen.is_empty() {
        return vec![KEY_FIELDS.join(",")];
    }
    seen.chunks(per_chunk).map(|c| KEY_FIELDS.iter().chain(c).copied().collect::<Vec<_>>().join(",")).collect()
}

/// A campaign and how many creatives it has (its rows per day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignLoad {
    pub campaign: CampaignId,
    pub creatives: usize,
}

/// One planned analytics request: some campaigns over an inclusive date window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsRequest {
    pub campaigns: Vec<CampaignId>,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl AnalyticsRequest {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Splits into two halves: by date when the window is longer than a day, else by campaign.
    fn halves(&self) -> Option<(Self, Self)> {
        if self.days() > 1 {
            let mid = self.start + chrono::TimeDelta::days(self.days() / 2 - 1);
            Some((
                Self { campaigns: self.campaigns.clone(), start: self.start, end: mid },
                Self { campaigns: self.campaigns.clone(), start: mid.succ_opt()?, end: self.end },
            ))
        } else if self.campaigns.len() > 1 {
            let (a, b) = self.campaigns.split_at(self.campaigns.len() / 2);
            Some((Self { campaigns: a.to_vec(), ..self.clone() }, Self { campaigns: b.to_vec(), ..self.clone() }))
        } else {
            None
        }
    }
}

/// Plans requests covering every campaign over `start..=end` so that none should reach the cap:
/// campaigns are grouped (at most 50, greedily, by creative count), and each group's range is cut
/// into windows of at most `row_budget / creatives` days (and at most 92).
pub fn plan(campaigns: &[CampaignLoad], start: NaiveDate, end: NaiveDate, row_budget: usize) -> Vec<AnalyticsRequest> {
    if campaigns.is_empty() || end < start {
        return Vec::new();
    }
    let days = ((end - start).num_days() + 1) as usize;
    let budget = row_budget.max(1);
    let creatives_per_group = (budget / days).max(1);

    let mut groups: Vec<(Vec<CampaignId>, usize)> = Vec::new();
    for c in campaigns {
        let load = c.creatives.max(1);
        match groups.last_mut() {
            Some((ids, sum)) if ids.len() < MAX_FACET_URNS && *sum + load <= creatives_per_group => {
                ids.push(c.campaign);
                *sum += load;
            }
            _ => groups.push((vec![c.campaign], load)),
        }
    }

    let mut out = Vec::new();
    for (ids, load) in groups {
        let window = ((budget / load).max(1) as i64).min(MAX_WINDOW_DAYS);
        let mut s = start;
        while s <= end {
            let e = (s + chrono::TimeDelta::days(window - 1)).min(end);
            out.push(AnalyticsRequest { campaigns: ids.clone(), start: s, end: e });
            match e.succ_opt() {
                Some(n) => s = n,
                None => break,
            }
        }
    }
    out
}

/// The query string for one request and one `fields` chunk.
pub fn analytics_query(req: &AnalyticsRequest, fields: &str) -> String {
    Query::new()
        .raw("q", "analytics")
        .raw("pivot", "CREATIVE")
        .raw("timeGranularity", "DAILY")
        .param("dateRange", date_range(req.start, req.end))
        .param("campaigns", Value::List(req.campaigns.iter().map(|c| Value::str(c.urn())).collect()))
        // A plain comma list: LinkedIn reads it unencoded.
        .raw("fields", fields)
        .build()
}

/// One creative's metrics for one day, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeDay {
    pub creative: CreativeId,
    pub date: NaiveDate,
    pub impressions: u64,
    pub clicks: u64,
    pub landing_page_clicks: u64,
    pub cost_usd: Decimal,
    pub cost_local: Decimal,
    pub external_website_conversions: f64,
    pub post_click_conversions: f64,
    pub post_view_conversions: f64,
    pub one_click_leads: f64,
    pub total_engagements: u64,
    pub video_views: u64,
    pub approximate_member_reach: Option<u64>,
    /// Metrics requested beyond the typed ones, verbatim.
    pub other: BTreeMap<String, Json>,
}

/// Rows from a pull, plus the elements that were skipped and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalyticsPull {
    pub rows: Vec<CreativeDay>,
    pub problems: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Element {
    #[serde(rename = "dateRange", default)]
    date_range: Option<ElementRange>,
    #[serde(rename = "pivotValues", default)]
    pivot_values: Vec<String>,
    #[serde(flatten)]
    metrics: Map<String, Json>,
}

#[derive(Debug, Deserialize)]
struct ElementRange {
    start: Ymd,
}

#[derive(Debug, Deserialize)]
struct Ymd {
    year: i32,
    month: u32,
    day: u32,
}

#[derive(Debug, Deserialize)]
struct AnalyticsPage {
    #[serde(default)]
    elements: Vec<Element>,
}

/// Metrics of one (creative, day) while chunks are merged.
type Merged = BTreeMap<(CreativeId, NaiveDate), Map<String, Json>>;

impl LinkedInClient {
    /// Pulls one planned request: every `fields` chunk, merged on (creative, day). When a chunk
    /// reaches the row cap, the request is halved and each half pulled again.
    pub async fn creative_daily(&self, req: &AnalyticsRequest, metrics: &[&str]) -> Result<AnalyticsPull, ApiError> {
        let mut merged = Merged::new();
        let mut problems = Vec::new();
        self.pull_into(req, metrics, &mut merged, &mut problems).await?;
        Ok(typed(merged, problems))
    }

    fn pull_into<'a>(
        &'a self,
        req: &'a AnalyticsRequest,
        metrics: &'a [&'a str],
        merged: &'a mut Merged,
        problems: &'a mut Vec<String>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>> {
        Box::pin(async move {
            let path = "/rest/adAnalytics".to_string();
            let mut part = Merged::new();
            for fields in field_chunks(metrics) {
                let call = Call::finder(path.clone(), analytics_query(req, &fields));
                let page: AnalyticsPage = self.json(call).await?;
                if page.elements.len() >= ROW_CAP {
                    tracing::warn!(rows = page.elements.len(), start = %req.start, end = %req.end, campaigns = req.campaigns.len(),
                        "adAnalytics reached the 15,000-row cap: splitting the request");
                    let Some((a, b)) = req.halves() else {
                        return Err(ApiError::Truncated {
                            endpoint: "FINDER /rest/adAnalytics".into(),
                            rows: page.elements.len(),
                        });
                    };
                    self.pull_into(&a, metrics, merged, problems).await?;
                    return self.pull_into(&b, metrics, merged, problems).await;
                }
                key_elements(page, &fields, &mut part, problems);
            }
            for (k, m) in part {
                merged.entry(k).or_default().extend(m);
            }
            Ok(())
        })
    }
}

/// One `adAnalytics` answer read as [`LinkedInClient::creative_daily`] reads it, for an answer to a
/// request of one `fields` chunk (the client merges the chunks' elements before typing them): the
/// elements keyed by (creative, day), the unusable ones named, each row typed. Whatever the body, an
/// error or rows, never a panic (`demo::fuzz` holds it to that).
pub fn read_page(body: &[u8]) -> Result<AnalyticsPull, serde_json::Error> {
    let page: AnalyticsPage = serde_json::from_slice(body)?;
    let mut merged = Merged::new();
    let mut problems = Vec::new();
    key_elements(page, "one chunk", &mut merged, &mut problems);
    Ok(typed(merged, problems))
}

/// Adds a page's elements to `part` by (creative, day); an element without a usable key is named in
/// `problems` and skipped.
fn key_elements(page: AnalyticsPage, fields: &str, part: &mut Merged, problems: &mut Vec<String>) {
    for (i, el) in page.elements.into_iter().enumerate() {
        match key_of(&el) {
            Ok(key) => part.entry(key).or_default().extend(el.metrics),
            Err(e) => problems.push(format!("adAnalytics element {i} ({fields}): {e}; skipped")),
        }
    }
}

/// The merged metrics as typed rows; a row whose metrics do not type is named and skipped.
fn typed(merged: Merged, mut problems: Vec<String>) -> AnalyticsPull {
    let mut rows = Vec::with_capacity(merged.len());
    for ((creative, date), m) in merged {
        match CreativeDay::from_metrics(creative, date, m) {
            Ok(r) => rows.push(r),
            Err(e) => problems.push(format!("creative {creative} on {date}: {e}; row skipped")),
        }
    }
    AnalyticsPull { rows, problems }
}

fn key_of(el: &Element) -> Result<(CreativeId, NaiveDate), String> {
    let urn = el.pivot_values.first().ok_or("no pivotValues")?;
    let creative = CreativeId::parse(urn).map_err(|e| e.to_string())?;
    let r = el.date_range.as_ref().ok_or("no dateRange")?;
    let date = NaiveDate::from_ymd_opt(r.start.year, r.start.month, r.start.day)
        .ok_or_else(|| format!("dateRange.start {}-{}-{} is not a date", r.start.year, r.start.month, r.start.day))?;
    Ok((creative, date))
}

impl CreativeDay {
    /// Types a merged metrics map. Absent metrics are zero (LinkedIn omits zeros), except reach.
    fn from_metrics(creative: CreativeId, date: NaiveDate, mut m: Map<String, Json>) -> Result<Self, String> {
        let mut count = |k: &str| take_count(&mut m, k);
        let impressions = count("impressions")?;
        let clicks = count("clicks")?;
        let landing_page_clicks = count("landingPageClicks")?;
        let total_engagements = count("totalEngagements")?;
        let video_views = count("videoViews")?;
        let approximate_member_reach = match m.get("approximateMemberReach") {
            None | Some(Json::Null) => {
                m.remove("approximateMemberReach");
                None
            }
            Some(_) => Some(take_count(&mut m, "approximateMemberReach")?),
        };
        let cost_usd = take_decimal(&mut m, "costInUsd")?;
        let cost_local = take_decimal(&mut m, "costInLocalCurrency")?;
        let mut amount = |k: &str| take_amount(&mut m, k);
        let external_website_conversions = amount("externalWebsiteConversions")?;
        let post_click_conversions = amount("externalWebsitePostClickConversions")?;
        let post_view_conversions = amount("externalWebsitePostViewConversions")?;
        let one_click_leads = amount("oneClickLeads")?;
        Ok(Self {
            creative,
            date,
            impressions,
            clicks,
            landing_page_clicks,
            cost_usd,
            cost_local,
            external_website_conversions,
            post_click_conversions,
            post_view_conversions,
            one_click_leads,
            total_engagements,
            video_views,
            approximate_member_reach,
            other: m.into_iter().collect(),
        })
    }

    /// Conversions as this system counts them: website conversions plus lead-gen form leads.
    /// One definition, used by the raw rows, the data processor and the Athena views.
    pub fn conversions(&self) -> f64 {
        self.external_website_conversions + self.one_click_leads
    }
}

fn take_count(m: &mut Map<String, Json>, k: &str) -> Result<u64, String> {
    match m.remove(k) {
        None | Some(Json::Null) => Ok(0),
        Some(Json::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 9e15).map(|f| f as u64))
            .ok_or_else(|| format!("{k} = {n} is not a non-negative whole number")),
        Some(Json::String(s)) => {
            s.trim().parse::<u64>().map_err(|_| format!("{k} = \"{s}\" is not a non-negative whole number"))
        }
        Some(v) => Err(format!("{k} = {v} is not a number")),
    }
}

fn take_amount(m: &mut Map<String, Json>, k: &str) -> Result<f64, String> {
    let v = match m.remove(k) {
        None | Some(Json::Null) => return Ok(0.0),
        Some(Json::Number(n)) => n.as_f64(),
        Some(Json::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match v {
        Some(f) if f.is_finite() && f >= 0.0 => Ok(f),
        Some(f) => Err(format!("{k} = {f} is negative or not finite")),
        None => Err(format!("{k} is not a number")),
    }
}

fn take_decimal(m: &mut Map<String, Json>, k: &str) -> Result<Decimal, String> {
    match m.remove(k) {
        None | Some(Json::Null) => Ok(Decimal::ZERO),
        Some(Json::String(s)) => parse_decimal(&s).map_err(|e| format!("{k}: {e}")),
        Some(Json::Number(n)) => parse_decimal(&n.to_string()).map_err(|e| format!("{k}: {e}")),
        Some(v) => Err(format!("{k} = {v} is not a decimal")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn loads(counts: &[usize]) -> Vec<CampaignLoad> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &n)| CampaignLoad { campaign: CampaignId(i as u64 + 1), creatives: n })
            .collect()
    }

    #[test]
    fn fields_are_chunked_to_twenty_and_always_keyed() {
        let metrics: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
        let refs: Vec<&str> = metrics.iter().map(String::as_str).collect();
        let chunks = field_chunks(&refs);
        assert_eq!(chunks.len(), 3);
        for c in &chunks {
            let parts: Vec<&str> = c.split(',').collect();
            assert!(parts.len() <= MAX_FIELDS, "{c}");
            assert_eq!(&parts[..2], &["dateRange", "pivotValues"]);
        }
        let all: Vec<&str> = chunks.iter().flat_map(|c| c.split(',').skip(2)).collect();
        assert_eq!(all, refs);
        assert_eq!(field_chunks(DEFAULT_METRICS).len(), 1);
        // Key fields given as metrics are not repeated.
        assert_eq!(field_chunks(&["pivotValues", "clicks", "clicks"]), vec!["dateRange,pivotValues,clicks"]);
    }

    #[test]
    fn the_query_is_restli_2_with_literal_structure() {
        let req = AnalyticsRequest {
            campaigns: vec![CampaignId(123456), CampaignId(789)],
            start: d("2024-01-01"),
            end: d("2024-01-31"),
        };
        assert_eq!(
            analytics_query(&req, "dateRange,pivotValues,impressions,clicks"),
            "q=analytics&pivot=CREATIVE&timeGranularity=DAILY\
             &dateRange=(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:31))\
             &campaigns=List(urn%3Ali%3AsponsoredCampaign%3A123456,urn%3Ali%3AsponsoredCampaign%3A789)\
             &fields=dateRange,pivotValues,impressions,clicks"
        );
    }

    #[test]
    fn a_small_account_is_one_request() {
        let p = plan(&loads(&[5, 3, 10]), d("2026-11-16"), d("2026-11-23"), ROW_BUDGET);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].campaigns.len(), 3);
        assert_eq!((p[0].start, p[0].end), (d("2026-11-16"), d("2026-11-23")));
    }

    #[test]
    fn groups_hold_at_most_fifty_campaigns() {
        let p = plan(&loads(&[1; 120]), d("2026-11-16"), d("2026-11-23"), ROW_BUDGET);
        assert_eq!(p.iter().map(|r| r.campaigns.len()).collect::<Vec<_>>(), vec![50, 50, 20]);
    }

    #[test]
    fn every_request_stays_under_the_budget_and_covers_every_day_once() {
        let cases: &[(&[usize], &str, &str)] = &[
            (&[100, 100, 100], "2025-01-01", "2025-12-31"),
            (&[3, 90, 1, 40, 100, 7], "2026-01-01", "2026-11-23"),
            (&[0, 0], "2026-11-23", "2026-11-23"),
        ];
        for (counts, s, e) in cases {
            let ls = loads(counts);
            let p = plan(&ls, d(s), d(e), ROW_BUDGET);
            for r in &p {
                let creatives: usize =
                    r.campaigns.iter().map(|c| ls.iter().find(|l| l.campaign == *c).unwrap().creatives.max(1)).sum();
                assert!(creatives * r.days() as usize <= ROW_BUDGET, "{r:?}");
                assert!(r.days() <= MAX_WINDOW_DAYS);
                assert!(r.campaigns.len() <= MAX_FACET_URNS);
            }
            for l in &ls {
                let mut days: Vec<NaiveDate> = p
                    .iter()
                    .filter(|r| r.campaigns.contains(&l.campaign))
                    .flat_map(|r| r.start.iter_days().take(r.days() as usize))
                    .collect();
                let n = days.len();
                days.dedup();
                assert_eq!(days.len(), n, "a day is pulled twice");
                assert_eq!(n as i64, (d(e) - d(s)).num_days() + 1);
            }
        }
    }

    #[test]
    fn halves_split_dates_first_then_campaigns() {
        let r = AnalyticsRequest {
            campaigns: vec![CampaignId(1), CampaignId(2)],
            start: d("2026-11-01"),
            end: d("2026-11-05"),
        };
        let (a, b) = r.halves().unwrap();
        assert_eq!(
            (a.start, a.end, b.start, b.end),
            (d("2026-11-01"), d("2026-11-02"), d("2026-11-03"), d("2026-11-05"))
        );
        let one_day = AnalyticsRequest { start: d("2026-11-01"), end: d("2026-11-01"), ..r.clone() };
        let (a, b) = one_day.halves().unwrap();
        assert_eq!((a.campaigns, b.campaigns), (vec![CampaignId(1)], vec![CampaignId(2)]));
        let single = AnalyticsRequest { campaigns: vec![CampaignId(1)], ..one_day };
        assert!(single.halves().is_none());
    }

    #[test]
    fn types_metrics_and_reports_bad_values() {
        let m: Map<String, Json> = serde_json::from_str(
            r#"{"impressions":19464,"clicks":106,"costInUsd":"99.99999999999996","costInLocalCurrency":"-2E-18",
               "externalWebsiteConversions":1.5,"approximateMemberReach":null,"likes":3}"#,
        )
        .unwrap();
        let r = CreativeDay::from_metrics(CreativeId(1), d("2023-08-25"), m).unwrap();
        assert_eq!((r.impressions, r.clicks, r.landing_page_clicks), (19464, 106, 0));
        assert_eq!(r.cost_usd.to_string(), "99.99999999999996");
        assert_eq!(r.cost_local.to_string(), "-0.000000000000000002");
        assert_eq!(r.conversions(), 1.5);
        assert_eq!(r.approximate_member_reach, None);
        assert_eq!(r.other["likes"], 3);

        let bad: Map<String, Json> = serde_json::from_str(r#"{"impressions":-5}"#).unwrap();
        let e = CreativeDay::from_metrics(CreativeId(1), d("2023-08-25"), bad).unwrap_err();
        assert_eq!(e, "impressions = -5 is not a non-negative whole number");
        let bad: Map<String, Json> = serde_json::from_str(r#"{"costInUsd":"lots"}"#).unwrap();
        assert!(CreativeDay::from_metrics(CreativeId(1), d("2023-08-25"), bad).unwrap_err().contains("costInUsd"));
    }
}
