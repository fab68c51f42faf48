//! The collection run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use futures_util::{StreamExt, stream};
use linkedin_core::layout::{self, RunId};
use linkedin_core::linkedin::LinkedInClient;
use linkedin_core::linkedin::analytics::{
    self, AnalyticsRequest, CampaignLoad, CreativeDay, DEFAULT_METRICS, ROW_BUDGET,
};
use linkedin_core::linkedin::campaigns::{Campaign, CampaignStatus};
use linkedin_core::linkedin::creatives::Creative;
use linkedin_core::linkedin::posts::AdCopy;
use linkedin_core::metrics::MetricsSink;
use linkedin_core::raw::{AnalyticsRecord, CampaignSnapshot, CreativeSnapshot, to_ndjson};
use linkedin_core::store::ObjectStore;
use linkedin_core::{CampaignId, CreativeId, PostUrn, RunClock};

use crate::config::CollectorConfig;
use crate::report::{CollectReport, Failure};

const NDJSON: &str = "application/x-ndjson";

/// The collector with its backends. Built once per Lambda container (or CLI run).
pub struct Collector {
    pub client: LinkedInClient,
    pub store: Arc<dyn ObjectStore>,
    pub metrics: Arc<dyn MetricsSink>,
    /// Empty: every ACTIVE and PAUSED campaign.
    pub campaign_ids: Vec<CampaignId>,
    pub lookback_days: u32,
    /// adAnalytics metrics requested (chunked to LinkedIn's 20-field limit).
    pub analytics_metrics: Vec<&'static str>,
}

impl Collector {
    /// Wires the backends the configuration names (S3 or a folder; Secrets Manager, a file or a token).
    pub async fn from_config(cfg: &CollectorConfig) -> Self {
        Self {
            client: linkedin_aws::linkedin_client(&cfg.linkedin, linkedin_core::linkedin::auth::system_clock()).await,
            store: linkedin_aws::object_store(&cfg.storage).await,
            metrics: linkedin_aws::metrics_sink(&cfg.storage),
            campaign_ids: cfg.campaign_ids.clone(),
            lookback_days: cfg.lookback_days,
            analytics_metrics: DEFAULT_METRICS.to_vec(),
        }
    }

    /// Runs one collection. Never panics on bad input: everything that went wrong is in the report,
    /// and [`CollectReport::succeeded`] says whether the run was complete.
    pub async fn run(&self, clock: RunClock) -> CollectReport {
        self.client.begin_run();
        let run = RunId::new(clock.now);
        let start = clock.as_of - TimeDelta::days(self.lookback_days as i64);
        let mut report = CollectReport::new(run.clone(), clock.as_of, clock.now, (start, clock.as_of));
        tracing::info!(run_id = %run, as_of = %clock.as_of, window_start = %start, store = %self.store.describe(), "collector run starting");

        let campaigns = self.campaigns(&mut report).await;
        let creatives = self.creatives(&campaigns, &mut report).await;
        let copies = self.copies(&creatives, &mut report).await;
        let (days, analytics_failed) = self.analytics(&campaigns, &creatives, start, clock.as_of, &mut report).await;

        // Save what was collected, even after an abort: it is all valid data.
        let account = self.client.account();
        let campaign_rows: Vec<CampaignSnapshot> =
            campaigns.iter().map(|c| CampaignSnapshot::from_campaign(c, account, clock.now, &run)).collect();
        let creative_rows: Vec<CreativeSnapshot> = creatives
            .values()
            .flatten()
            .map(|c| {
                let copy = match c.post() {
                    Some(urn) => copies.get(urn).cloned().unwrap_or_else(|| Err("the post was not read".into())),
                    None => Err("not Sponsored Content (no post reference)".into()),
                };
                CreativeSnapshot::from_creative(c, account, copy, clock.now, &run)
            })
            .collect();
        let mut by_day: BTreeMap<NaiveDate, Vec<AnalyticsRecord>> = BTreeMap::new();
        for (campaign, day) in &days {
            by_day
                .entry(day.date)
                .or_default()
                .push(AnalyticsRecord::from_day(day, account, *campaign, clock.now, &run));
        }

        let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
        for (day, rows) in &by_day {
            writes.push((layout::raw_analytics_key(*day, &run), to_ndjson(rows)));
        }
        if !campaign_rows.is_empty() {
            writes.push((layout::raw_campaigns_key(clock.as_of, &run), to_ndjson(&campaign_rows)));
        }
        if !creative_rows.is_empty() {
            writes.push((layout::raw_creatives_key(clock.as_of, &run), to_ndjson(&creative_rows)));
        }
        let mut store_failed = false;
        for (key, body) in writes {
            match self.store.put(&key, body, NDJSON).await {
                Ok(()) => report.objects_written.push(key),
                Err(e) => {
                    store_failed = true;
                    report.failures.push(Failure { scope: format!("store {key}"), error: e.to_string() })
                }
            }
        }
        if report.aborted.is_none() && !store_failed {
            report.collected_campaigns = campaigns
                .iter()
                .map(|c| c.id)
                .filter(|id| creatives.contains_key(id) && !analytics_failed.contains(id))
                .collect();
        }

        report.campaigns = campaigns.len();
        report.creatives = creative_rows.len();
        report.posts = copies.values().filter(|c| c.is_ok()).count();
        report.analytics_rows = days.len();
        for (_, d) in &days {
            report.count(d);
        }
        report.api = self.client.stats();
        let auth = self.client.auth_events().await;
        report.token_refreshes = auth.refreshes;
        report.refresh_token_days_left = auth.refresh_token_days_left;
        report.token_save_failures = auth.save_failures;
        if let Some(e) = auth.write_back_error {
            // A run failure: the secret may now hold a refresh token LinkedIn rotated away.
            report.failures.push(Failure { scope: "saving the refreshed LinkedIn token".into(), error: e });
        }

        let log_key = layout::collector_run_key(clock.as_of, &run);
        let body = serde_json::to_vec_pretty(&report).expect("report serialises");
        if let Err(e) = self.store.put(&log_key, body, "application/json").await {
            report.failures.push(Failure { scope: format!("store {log_key}"), error: e.to_string() });
        }
        self.metrics.emit(&report.metrics());
        if report.succeeded() {
            tracing::info!("{}", report.summary());
        } else {
            tracing::error!(failures = ?report.failures, "{}", report.summary());
        }
        report
    }

    /// The campaigns to collect: the configured ids, or a search for ACTIVE and PAUSED ones.
    async fn campaigns(&self, report: &mut CollectReport) -> Vec<Campaign> {
        if self.campaign_ids.is_empty() {
            return match self.client.search_campaigns(&[CampaignStatus::Active, CampaignStatus::Paused]).await {
                Ok(c) => {
                    tracing::info!(campaigns = c.len(), "found the account's ACTIVE and PAUSED campaigns");
                    c
                }
                Err(e) => {
                    report.record_api_failure("campaign search", e);
                    Vec::new()
                }
            };
        }
        let results: Vec<_> = stream::iter(self.campaign_ids.iter().copied())
            .map(|id| async move { (id, self.client.get_campaign(id).await) })
            .buffered(self.client.concurrency())
            .collect()
            .await;
        let mut out = Vec::new();
        for (id, r) in results {
            match r {
                Ok(c) => out.push(c),
                Err(e) => report.record_api_failure(&format!("campaign {id}"), e),
            }
        }
        tracing::info!(campaigns = out.len(), requested = self.campaign_ids.len(), "read the configured campaigns");
        out
    }

    /// Every creative of each campaign. A campaign whose creatives cannot be listed is dropped from the
    /// rest of the run (its earlier data stays), and reported.
    async fn creatives(
        &self,
        campaigns: &[Campaign],
        report: &mut CollectReport,
    ) -> BTreeMap<CampaignId, Vec<Creative>> {
        let results: Vec<_> = stream::iter(campaigns.iter().map(|c| c.id))
            .map(|id| async move { (id, self.client.find_creatives(&[id]).await) })
            .buffered(self.client.concurrency())
            .collect()
            .await;
        let mut out = BTreeMap::new();
        for (id, r) in results {
            match r {
                Ok(list) => {
                    out.insert(id, list);
                }
                Err(e) => report.record_api_failure(&format!("campaign {id}"), e),
            }
        }
        tracing::info!(creatives = out.values().map(Vec::len).sum::<usize>(), "listed creatives");
        out
    }

    /// The copy of every distinct post behind the creatives. A deleted post (404) is a warning; any
    /// other error is a failure (e.g. the token lacks r_organization_social).
    async fn copies(
        &self,
        creatives: &BTreeMap<CampaignId, Vec<Creative>>,
        report: &mut CollectReport,
    ) -> HashMap<PostUrn, Result<AdCopy, String>> {
        let mut urns: Vec<PostUrn> = creatives.values().flatten().filter_map(|c| c.post().cloned()).collect();
        urns.sort();
        urns.dedup();
        let results: Vec<_> = stream::iter(urns)
            .map(|urn| async move {
                let r = self.client.get_post(&urn).await;
                (urn, r)
            })
            .buffer_unordered(self.client.concurrency())
            .collect()
            .await;
        let mut out = HashMap::new();
        for (urn, r) in results {
            let copy = match r {
                Ok(post) => Ok(AdCopy::from(post)),
                Err(e) if e.status() == Some(404) => {
                    report.warnings.push(format!("post {urn} no longer exists; its creative is saved without copy"));
                    Err(e.to_string())
                }
                Err(e) => {
                    let msg = e.to_string();
                    report.record_api_failure(&format!("post {urn}"), e);
                    Err(msg)
                }
            };
            out.insert(urn, copy);
        }
        tracing::info!(posts = out.len(), "read creative copy");
        out
    }

    /// Daily metrics per creative, paired with the creative's campaign, and the campaigns whose
    /// analytics could not be pulled (whole or in part).
    async fn analytics(
        &self,
        campaigns: &[Campaign],
        creatives: &BTreeMap<CampaignId, Vec<Creative>>,
        start: NaiveDate,
        end: NaiveDate,
        report: &mut CollectReport,
    ) -> (Vec<(CampaignId, CreativeDay)>, BTreeSet<CampaignId>) {
        let mut failed = BTreeSet::new();
        let campaign_of: HashMap<CreativeId, CampaignId> =
            creatives.values().flatten().map(|c| (c.id, c.campaign)).collect();
        let loads: Vec<CampaignLoad> = campaigns
            .iter()
            .filter_map(|c| creatives.get(&c.id).map(|l| (c.id, l.len())))
            .filter(|(_, n)| *n > 0)
            .map(|(campaign, creatives)| CampaignLoad { campaign, creatives })
            .collect();
        let plan = analytics::plan(&loads, start, end, ROW_BUDGET);
        tracing::info!(requests = plan.len(), campaigns = loads.len(), %start, %end, "pulling creative analytics");

        let mut days = Vec::new();
        for req in plan {
            let pulled = match self.client.creative_daily(&req, &self.analytics_metrics).await {
                Ok(p) => vec![p],
                // A failure of a multi-campaign request is retried one campaign at a time, so one bad
                // campaign does not cost the others their data.
                Err(e) if !e.is_fatal_for_run() && req.campaigns.len() > 1 => {
                    tracing::warn!(error = %e, campaigns = req.campaigns.len(), "analytics request failed; retrying campaign by campaign");
                    let mut ok = Vec::new();
                    for id in &req.campaigns {
                        let single = AnalyticsRequest { campaigns: vec![*id], ..req.clone() };
                        match self.client.creative_daily(&single, &self.analytics_metrics).await {
                            Ok(p) => ok.push(p),
                            Err(e) => {
                                failed.insert(*id);
                                report.record_api_failure(&format!("campaign {id} analytics"), e)
                            }
                        }
                    }
                    ok
                }
                Err(e) => {
                    let scope = format!(
                        "analytics for campaigns {:?} {}..={}",
                        req.campaigns.iter().map(|c| c.0).collect::<Vec<_>>(),
                        req.start,
                        req.end
                    );
                    failed.extend(req.campaigns.iter().copied());
                    report.record_api_failure(&scope, e);
                    Vec::new()
                }
            };
            for pull in pulled {
                for p in pull.problems {
                    report.failures.push(Failure { scope: "analytics row".into(), error: p });
                }
                for day in pull.rows {
                    let campaign = match campaign_of.get(&day.creative) {
                        Some(c) => *c,
                        // A creative created after the listing: ask LinkedIn which campaign it is in.
                        None => match self.client.get_creative(day.creative).await {
                            Ok(c) => c.campaign,
                            Err(e) => {
                                report.record_api_failure(
                                    &format!("creative {} (in analytics, not in the listing)", day.creative),
                                    e,
                                );
                                continue;
                            }
                        },
                    };
                    days.push((campaign, day));
                }
            }
        }
        tracing::info!(rows = days.len(), "pulled creative analytics");
        (days, failed)
    }
}
