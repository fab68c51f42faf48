//! One optimizer run: gather the evidence, decide, act (unless dry-run), log, report.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use linkedin_core::bid_features::{BidContext, TRAILING_DAYS, Trailing};
use linkedin_core::decisions::lag::LagSource;
use linkedin_core::decisions::{
    self, Action, BidPredictions, CampaignEvidence, CreativeEvidence, DayEvidence, Decision, Entity, Evidence, Goal,
    HISTORY_DAYS, LagCurve, LagSums, PauseReview,
};
use linkedin_core::layout::{self, RunId};
use linkedin_core::linkedin::LinkedInClient;
use linkedin_core::linkedin::campaigns::{Campaign, CampaignStatus};
use linkedin_core::linkedin::creatives::{Creative, CreativeStatus};
use linkedin_core::metrics::{MetricSet, MetricsSink};
use linkedin_core::model::{self, Heuristic, ModelKind, Predictor};
use linkedin_core::money::Money;
use linkedin_core::notify::Notifier;
use linkedin_core::performance::{CampaignDay, DateWindow, PerformanceSource, Totals};
use linkedin_core::stats::Beta;
use linkedin_core::store::ObjectStore;
use linkedin_core::write_ahead::{self, Journal};
use linkedin_core::{CampaignId, CreativeId, RunClock};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::audit::{self, AuditLine, EntityState, Outcome};
use crate::config::Settings;
use crate::report;

pub struct Optimizer {
    pub store: Arc<dyn ObjectStore>,
    pub client: Arc<LinkedInClient>,
    pub performance: Arc<dyn PerformanceSource>,
    pub notifier: Arc<dyn Notifier>,
    pub metrics: Arc<dyn MetricsSink>,
    pub settings: Settings,
    /// Empty: every ACTIVE campaign of the account.
    pub campaign_ids: Vec<CampaignId>,
    /// The bid optimizer's SageMaker endpoint (`BID_OPTIMIZER_ENDPOINT`); `None`: the native model in
    /// the store, read at each run so a newly trained one is picked up, else the pacing heuristic.
    pub bid_endpoint: Option<Arc<dyn Predictor>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub paused: usize,
    pub resumed: usize,
    pub bid_changes: usize,
    pub budget_changes: usize,
    pub winners: usize,
    pub skipped: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptimizeReport {
    pub job: &'static str,
    pub run_id: RunId,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    /// `GUARDRAILS_UNSAFE_OVERRIDE=true`: each guardrail past its safe bound (`VAR=value (safe a-b)`).
    pub unsafe_guardrails: Vec<String>,
    pub window: Option<DateWindow>,
    pub stale: Option<String>,
    /// What set the bids: a model (native or endpoint) or the pacing heuristic.
    pub bid_model: String,
    /// Where the conversion lag curve came from: the account's restatements or the prior.
    pub conversion_lag: String,
    /// Where new creatives' CTR priors came from: the Creative Scorer, or the account's prior.
    pub creative_prior: String,
    /// Runs that died before writing their audit logs, rebuilt from the write-ahead log by this one.
    pub recovered: Vec<String>,
    pub counts: Counts,
    pub spend_usd: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: f64,
    pub audit_key: Option<String>,
    pub report_key: Option<String>,
    pub delivered_to: Option<String>,
    pub failures: Vec<String>,
    #[serde(skip)]
    pub lines: Vec<AuditLine>,
}

impl OptimizeReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn summary(&self) -> String {
        let c = &self.counts;
        format!(
            "optimizer {}{}: {} paused, {} resumed, {} bid changes, {} budget changes, {} winners, {} skipped, {} failed",
            self.as_of,
            if self.dry_run { " (dry run)" } else { "" },
            c.paused,
            c.resumed,
            c.bid_changes,
            c.budget_changes,
            c.winners,
            c.skipped,
            c.failed
        )
    }
}

/// What the freshness check reads of a collector run report (`logs/collector_runs/`).
#[derive(serde::Deserialize)]
struct CollectorRun {
    pulled_at: DateTime<Utc>,
    #[serde(default)]
    aborted: Option<String>,
    /// Reports written before this field existed have none: they count for no campaign.
    #[serde(default)]
    collected_campaigns: Vec<CampaignId>,
}

/// Why the data is too old to act on, or `None` when every campaign about to be judged was collected
/// successfully within `freshness_hours`: a collector run counts for a campaign only when it was not
/// aborted and lists the campaign among those it read and saved completely. An aborted run, or one
/// that collected 0 rows because every call failed, is no evidence at all.
async fn staleness(
    store: &dyn ObjectStore,
    clock: RunClock,
    freshness_hours: u32,
    campaigns: &[CampaignId],
) -> Option<String> {
    let mut runs = Vec::new();
    let mut unreadable = 0;
    for day in [clock.as_of - TimeDelta::days(1), clock.as_of] {
        let Ok(keys) = store.list(&layout::partition(layout::COLLECTOR_RUNS, day)).await else { continue };
        for k in keys.iter().filter(|k| k.key.ends_with(".json")) {
            match store.get(&k.key).await.ok().flatten().and_then(|b| serde_json::from_slice::<CollectorRun>(&b).ok()) {
                Some(r) if r.aborted.is_none() => runs.push(r),
                Some(_) => {}
                None => unreadable += 1,
            }
        }
    }
    let limit = TimeDelta::hours(freshness_hours as i64);
    let fresh = |t: DateTime<Utc>| clock.now - t <= limit;
    let newest_for =
        |c: &CampaignId| runs.iter().filter(|r| r.collected_campaigns.contains(c)).map(|r| r.pulled_at).max();
    let note = if unreadable > 0 { format!(" ({unreadable} run report(s) unreadable)") } else { String::new() };
    if runs.is_empty() {
        return Some(format!(
            "no successful collector run since yesterday (logs/collector_runs/){note}: is the collector running, or failing?"
        ));
    }
    let mut missing = Vec::new();
    let mut old = Vec::new();
    for c in campaigns {
        match newest_for(c) {
            None => missing.push(c.to_string()),
            Some(t) if !fresh(t) => old.push(format!("{c} (last at {t})")),
            Some(_) => {}
        }
    }
    if campaigns.is_empty() && !runs.iter().any(|r| fresh(r.pulled_at)) {
        let newest = runs.iter().map(|r| r.pulled_at).max().expect("not empty");
        return Some(format!(
            "the newest successful pull is from {newest}, older than FRESHNESS_HOURS={freshness_hours}"
        ));
    }
    match (missing.is_empty(), old.is_empty()) {
        (true, true) => None,
        _ => {
            let mut why = Vec::new();
            if !missing.is_empty() {
                why.push(format!("no successful collection since yesterday of campaign(s) {}", missing.join(", ")));
            }
            if !old.is_empty() {
                why.push(format!(
                    "the newest successful collection of campaign(s) {} is older than FRESHNESS_HOURS={freshness_hours}",
                    old.join(", ")
                ));
            }
            Some(format!("{}{note}", why.join("; ")))
        }
    }
}

fn usd(m: &Option<Money>) -> Option<Decimal> {
    m.as_ref().map(|m| m.amount)
}

/// Trailing stats of a campaign for the bid model: the window's campaign days.
fn trailing(days: &[&CampaignDay]) -> Trailing {
    let mut t = Trailing::default();
    for d in days.iter().rev().take(TRAILING_DAYS as usize) {
        t.days += 1;
        t.totals.add(&d.totals);
        t.budget_sum += d.daily_budget.and_then(|b| b.to_f64()).unwrap_or(0.0);
    }
    t
}

/// What became of one guarded write.
enum Written {
    Applied {
        note: Option<String>,
    },
    /// Not written: the entity changed at LinkedIn since it was read.
    Changed(String),
    Failed(String),
}

/// The field an action changes, as it reads in a state: `status PAUSED`, `bid 4.10`.
fn describe(action: &Action, s: &EntityState) -> String {
    let v = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_else(|| "none".into());
    match action {
        Action::SetBid { .. } => format!("bid {}", v(s.bid)),
        Action::SetDailyBudget { .. } => format!("daily budget {}", v(s.daily_budget)),
        _ => format!("status {}", s.status.as_deref().unwrap_or("none")),
    }
}

/// How far back a run looks for runs that died before writing their audit logs.
const RECOVER_DAYS: i64 = 7;

impl Optimizer {
    /// `linkedin-ads undo --run <run>` under this optimizer's settings: `DRY_RUN` (from the
    /// environment or `--dry-run`) holds every write back, as it does for a run.
    pub async fn undo(&self, run: &RunId, clock: RunClock) -> Result<crate::undo::UndoReport, String> {
        crate::undo::undo(self.store.clone(), &self.client, run, clock, self.settings.dry_run).await
    }

    pub async fn run(&self, clock: RunClock) -> OptimizeReport {
        self.client.begin_run();
        let run_id = RunId::new(clock.now);
        let dry_run = self.settings.dry_run;
        let mut report = OptimizeReport {
            job: "optimizer",
            run_id: run_id.clone(),
            as_of: clock.as_of,
            dry_run,
            unsafe_guardrails: self.settings.unsafe_guardrails(),
            window: None,
            stale: None,
            bid_model: String::new(),
            conversion_lag: String::new(),
            creative_prior: String::new(),
            recovered: Vec::new(),
            counts: Counts::default(),
            spend_usd: Decimal::ZERO,
            impressions: 0,
            clicks: 0,
            conversions: 0.0,
            audit_key: None,
            report_key: None,
            delivered_to: None,
            failures: Vec::new(),
            lines: Vec::new(),
        };
        // Runs that died before writing their audit logs first: their writes count in today's
        // cooldowns and caps, which `gather` reads from the audit log.
        let recovery = write_ahead::recover(
            self.store.as_ref(),
            &self.client,
            &run_id,
            clock.now,
            clock.now - TimeDelta::days(RECOVER_DAYS),
        )
        .await;
        report.recovered = recovery.summaries();
        report.failures.extend(recovery.failures.iter().cloned());
        report.failures.extend(recovery.hold.iter().map(|h| format!("{h}; no change is written this run")));
        let hold = (!recovery.hold.is_empty()).then(|| recovery.hold.join("; "));
        let decisions = match self.gather(clock, &mut report).await {
            Ok((mut evidence, campaigns, creatives)) => {
                self.predict_bids(&mut evidence, &mut report).await;
                let decisions = decisions::decide(&evidence, &self.settings.params);
                self.act(clock, &decisions, &campaigns, &creatives, hold.as_deref(), &mut report).await;
                decisions
            }
            Err(e) => {
                report.failures.push(e);
                Vec::new()
            }
        };

        let auth = self.client.auth_events().await;
        if let Some(e) = &auth.write_back_error {
            report.failures.push(format!("the refreshed LinkedIn token could not be saved: {e}"));
        }
        match audit::write(self.store.as_ref(), clock.as_of, &run_id, &report.lines).await {
            Ok(key) => report.audit_key = Some(key),
            Err(e) => report.failures.push(format!("writing the audit log: {e}")),
        }
        let text = report::text(&report, &decisions, &self.settings, &self.store.describe());
        let key = format!("{}{run_id}.txt", layout::partition("reports/optimizer", clock.as_of));
        match self.store.put(&key, text.body.clone().into_bytes(), "text/plain; charset=utf-8").await {
            Ok(()) => report.report_key = Some(key.clone()),
            Err(e) => report.failures.push(format!("saving the report: {e}")),
        }
        let message = linkedin_core::notify::Report {
            subject: text.subject,
            body: text.body,
            full_report_location: Some(format!("{}/{key}", self.store.describe())),
        };
        match self.notifier.send(&message).await {
            Ok(to) => report.delivered_to = Some(to),
            Err(e) => report.failures.push(format!("sending the report: {e}")),
        }
        let c = &report.counts;
        let mut m = MetricSet::new(clock.now, "optimizer");
        m.count("Runs", 1.0)
            .count("Paused", c.paused as f64)
            .count("Resumed", c.resumed as f64)
            .count("BidChanges", c.bid_changes as f64)
            .count("BudgetChanges", c.budget_changes as f64)
            .count("Winners", c.winners as f64)
            .count("Skipped", c.skipped as f64)
            .count("Failures", (c.failed + report.failures.len()) as f64)
            .count("StaleData", if report.stale.is_some() { 1.0 } else { 0.0 })
            .count("UnsafeGuardrails", report.unsafe_guardrails.len() as f64)
            .count("TokenSaveFailures", auth.save_failures as f64)
            .property("DryRun", dry_run);
        self.metrics.emit(&m);
        report
    }

    /// Scores every campaign's candidate bids in one batch (one endpoint call, not one per bid) and
    /// attaches them to the evidence; on any failure the bids follow the pacing heuristic.
    async fn predict_bids(&self, evidence: &mut Evidence, report: &mut OptimizeReport) {
        let (model, problem) =
            model::resolve(ModelKind::BidOptimizer, self.store.as_ref(), self.bid_endpoint.as_ref()).await;
        if let Some(e) = problem {
            report.failures.push(format!("{e}; bids follow the pacing heuristic today"));
        }
        report.bid_model = model.describe();
        let mut rows = Vec::new();
        let mut spans = Vec::new();
        for (i, c) in evidence.campaigns.iter().enumerate() {
            let Some(ctx) = &c.bid_context else { continue };
            let candidates = decisions::bid_candidates(c, &self.settings.params);
            rows.extend(candidates.iter().map(|b| ctx.with_bid(*b).features().values()));
            spans.push((i, candidates));
        }
        if rows.is_empty() {
            return;
        }
        let predictions = match model.predict(&rows).await {
            Ok(Some(p)) if p.len() == rows.len() && p.iter().all(|v| v.is_finite()) => p,
            Ok(None) => return,
            Ok(Some(p)) => {
                report.failures.push(format!(
                    "{}: {} predictions (or a non-finite one) for {} rows; bids follow the pacing heuristic today",
                    model.describe(),
                    p.len(),
                    rows.len()
                ));
                report.bid_model = Heuristic { kind: ModelKind::BidOptimizer }.describe();
                return;
            }
            Err(e) => {
                report.failures.push(format!("{e}; bids follow the pacing heuristic today"));
                report.bid_model = Heuristic { kind: ModelKind::BidOptimizer }.describe();
                return;
            }
        };
        let mut next = predictions.into_iter();
        let name = model.describe();
        for (i, candidates) in spans {
            let points = candidates.into_iter().zip(next.by_ref()).collect();
            evidence.campaigns[i].bid_predictions = Some(BidPredictions { model: name.clone(), points });
        }
    }

    /// The evidence, with the live campaigns and creatives it came from (the "before" states).
    async fn gather(
        &self,
        clock: RunClock,
        report: &mut OptimizeReport,
    ) -> Result<(Evidence, BTreeMap<CampaignId, Campaign>, BTreeMap<CreativeId, Creative>), String> {
        let yesterday = clock.as_of - TimeDelta::days(1);
        let window = DateWindow::last(yesterday, self.settings.window_days);
        report.window = Some(window);

        let performance =
            self.performance.load(window).await.map_err(|e| {
                format!("reading performance ({}): {e}; nothing was changed", self.performance.describe())
            })?;
        // The conversions policy learns each campaign's bid response from a longer history.
        let history_window = DateWindow::last(yesterday, HISTORY_DAYS.max(self.settings.window_days));
        let campaign_history = self.performance.campaign_days(history_window).await.map_err(|e| {
            format!("reading campaign history ({}): {e}; nothing was changed", self.performance.describe())
        })?;
        let campaigns: Vec<Campaign> = if self.campaign_ids.is_empty() {
            self.client
                .search_campaigns(&[CampaignStatus::Active])
                .await
                .map_err(|e| format!("listing campaigns: {e}"))?
        } else {
            let mut out = Vec::new();
            for id in &self.campaign_ids {
                out.push(self.client.get_campaign(*id).await.map_err(|e| format!("reading campaign {id}: {e}"))?);
            }
            out
        };
        let ids: Vec<CampaignId> = campaigns.iter().map(|c| c.id).collect();
        let stale = staleness(self.store.as_ref(), clock, self.settings.freshness_hours, &ids).await;
        report.stale = stale.clone();
        let creatives = if ids.is_empty() {
            Vec::new()
        } else {
            self.client.find_creatives(&ids).await.map_err(|e| format!("listing creatives: {e}"))?
        };
        let reviewed =
            self.settings.restatement_days.max(1)..self.settings.restatement_days.max(1) + self.settings.window_days;
        let horizon = self.settings.params.guardrails.cooldown_days.max(reviewed.end);
        let latest = audit::latest_changes(self.store.as_ref(), clock.as_of, horizon)
            .await
            .map_err(|e| format!("reading the audit log: {e}"))?;
        let history: BTreeMap<Entity, NaiveDate> = latest.iter().map(|(e, l)| (*e, l.as_of)).collect();
        let reviews = self.pause_reviews(clock.as_of, reviewed, &latest, &creatives, report).await;

        let perf: BTreeMap<CreativeId, Totals> =
            performance.creatives.iter().map(|c| (c.creative_id, c.totals)).collect();
        for c in &performance.creatives {
            report.spend_usd = report.spend_usd.saturating_add(c.totals.cost_usd);
            report.impressions = report.impressions.saturating_add(c.totals.impressions);
            report.clicks = report.clicks.saturating_add(c.totals.clicks);
            report.conversions += c.totals.conversions;
        }
        let mut days_by_campaign: BTreeMap<CampaignId, Vec<&CampaignDay>> = BTreeMap::new();
        for d in &performance.campaign_days {
            days_by_campaign.entry(d.campaign_id).or_default().push(d);
        }
        let mut history_by_campaign: BTreeMap<CampaignId, Vec<DayEvidence>> = BTreeMap::new();
        for d in &campaign_history {
            history_by_campaign.entry(d.campaign_id).or_default().push(DayEvidence {
                date: d.date,
                impressions: d.totals.impressions,
                clicks: d.totals.clicks,
                cost: d.totals.cost(),
                conversions: d.totals.conversions,
                bid: d.unit_cost.and_then(|b| b.to_f64()),
                daily_budget: d.daily_budget.and_then(|b| b.to_f64()),
            });
        }
        let lag = self.conversion_lag(yesterday, report).await;
        let predicted = self.predicted_ctrs(&creatives, report).await;
        let mut evidence = Evidence { as_of: clock.as_of, stale, campaigns: Vec::new(), lag };
        for campaign in &campaigns {
            let mine: Vec<CreativeEvidence> = creatives
                .iter()
                .filter(|c| c.campaign == campaign.id)
                .filter(|c| matches!(c.intended_status, CreativeStatus::Active | CreativeStatus::Paused))
                .map(|c| CreativeEvidence {
                    id: c.id,
                    active: c.intended_status == CreativeStatus::Active,
                    serving: c.intended_status == CreativeStatus::Active
                        && c.is_serving != Some(false)
                        && c.review.as_ref().is_none_or(|r| r.status.as_deref().is_none_or(|s| s == "APPROVED")),
                    totals: perf.get(&c.id).copied().unwrap_or_default(),
                    last_changed: history.get(&Entity::Creative { id: c.id, campaign: campaign.id }).copied(),
                    pause_review: reviews.get(&c.id).cloned(),
                    predicted_ctr: predicted.get(&c.id).copied(),
                })
                .collect();
            let days = days_by_campaign.get(&campaign.id).map(Vec::as_slice).unwrap_or(&[]);
            let mut totals = Totals::default();
            for d in days {
                totals.add(&d.totals);
            }
            let bid = usd(&campaign.unit_cost);
            let is_cpm = campaign.cost_type.as_deref() == Some("CPM");
            let bid_context = bid.and_then(|b| b.to_f64()).map(|b| BidContext {
                date: clock.as_of,
                bid: b,
                daily_budget: usd(&campaign.daily_budget).and_then(|d| d.to_f64()),
                is_cpm,
                active_creatives: mine.iter().filter(|c| c.active).count() as u32,
                trailing: trailing(days),
            });
            evidence.campaigns.push(CampaignEvidence {
                id: campaign.id,
                active: campaign.status == CampaignStatus::Active,
                is_cpm,
                bid,
                daily_budget: usd(&campaign.daily_budget),
                totals,
                window_days: days.len() as u32,
                last_changed: history.get(&Entity::Campaign { id: campaign.id }).copied(),
                creatives: mine,
                bid_context,
                bid_predictions: None,
                goal: Goal::of_objective(campaign.objective_type.as_deref()),
                target_cpa: self.settings.target_cpa_by_campaign.get(&campaign.id).copied(),
                history: history_by_campaign.remove(&campaign.id).unwrap_or_default(),
            });
        }
        let campaigns = campaigns.into_iter().map(|c| (c.id, c)).collect();
        let creatives = creatives.into_iter().map(|c| (c.id, c)).collect();
        Ok((evidence, campaigns, creatives))
    }

    /// The Creative Scorer's CTR for each active creative's copy (the latest collected), when a
    /// trained model is in the store (`models/creative_scorer/model.json`): the centre of the
    /// creative's CTR prior. No model: none, and every creative starts from the account's prior. A
    /// broken model or unreadable copy is reported and changes nothing else.
    async fn predicted_ctrs(&self, creatives: &[Creative], report: &mut OptimizeReport) -> BTreeMap<CreativeId, f64> {
        let model = match model::NativePredictor::load(self.store.as_ref(), ModelKind::CreativeScorer).await {
            Ok(Some(m)) => m,
            Ok(None) => {
                report.creative_prior =
                    "the account's CTR prior for every creative (no Creative Scorer model yet)".into();
                return BTreeMap::new();
            }
            Err(e) => {
                report.failures.push(format!("{e}; new creatives start from the account's CTR prior"));
                report.creative_prior = "the account's CTR prior (the Creative Scorer model is unreadable)".into();
                return BTreeMap::new();
            }
        };
        let wanted: std::collections::BTreeSet<CreativeId> =
            creatives.iter().filter(|c| c.intended_status == CreativeStatus::Active).map(|c| c.id).collect();
        let mut problems = Vec::new();
        let copies =
            match data_processor::training::creative_scorer::latest_copies(self.store.as_ref(), &wanted, &mut problems)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    report.failures.push(format!("reading the creatives' copy: {e}; no Creative Scorer priors today"));
                    return BTreeMap::new();
                }
            };
        report
            .failures
            .extend(problems.into_iter().map(|p| format!("{p}; that creative starts from the account's prior")));
        let ids: Vec<CreativeId> = copies.iter().filter(|(_, s)| s.copy_error.is_none()).map(|(id, _)| *id).collect();
        let rows: Vec<Vec<f64>> = ids
            .iter()
            .map(|id| linkedin_core::features::CopyFeatures::extract(&copies[id].copy).values().to_vec())
            .collect();
        let out: BTreeMap<CreativeId, f64> = match model.predict(&rows).await {
            Ok(Some(p)) if p.len() == ids.len() => {
                ids.into_iter().zip(p).filter(|(_, v)| v.is_finite() && *v > 0.0).collect()
            }
            Ok(_) => BTreeMap::new(),
            Err(e) => {
                report.failures.push(format!("{e}; new creatives start from the account's CTR prior"));
                BTreeMap::new()
            }
        };
        report.creative_prior = format!(
            "each creative's CTR prior is centred on {} for its copy ({} of {} active creatives)",
            model.describe(),
            out.len(),
            wanted.len()
        );
        out
    }

    /// The account's conversion lag: the data processor's per-day restatement sums over the last
    /// [`HISTORY_DAYS`] final days, else the documented prior. An unreadable day is skipped and named.
    async fn conversion_lag(&self, yesterday: NaiveDate, report: &mut OptimizeReport) -> LagCurve {
        let mut sums = LagSums::default();
        // One listing, then only the days that exist (a new account has none: no GET per missing day).
        let from = yesterday - TimeDelta::days(HISTORY_DAYS as i64 + self.settings.restatement_days as i64);
        let keys = match self.store.list(&format!("{}/", layout::CONVERSION_LAG)).await {
            Ok(keys) => keys,
            Err(e) => {
                report.failures.push(format!("listing {}/: {e}; the lag prior is used", layout::CONVERSION_LAG));
                Vec::new()
            }
        };
        let in_range = |k: &str| layout::partition_date(k).is_some_and(|d| d >= from && d <= yesterday);
        for key in keys.into_iter().map(|k| k.key).filter(|k| k.ends_with("/lag.json") && in_range(k)) {
            match self.store.get(&key).await {
                Ok(Some(bytes)) => match serde_json::from_slice::<LagSums>(&bytes) {
                    Ok(day) => sums.add(&day),
                    Err(e) => report.failures.push(format!("{key}: {e}; that day's lag is left out")),
                },
                Ok(None) => {}
                Err(e) => report.failures.push(format!("reading {key}: {e}; that day's lag is left out")),
            }
        }
        let curve = sums.curve().unwrap_or_else(LagCurve::prior);
        let shares: Vec<String> = curve.cumulative().iter().map(|q| format!("{:.0}%", q * 100.0)).collect();
        report.conversion_lag = match curve.source {
            LagSource::Estimated { creative_days } => {
                format!("estimated from {creative_days} creative-days of restatements ({})", shares.join(", "))
            }
            LagSource::Prior => format!("the prior ({}): too few restated conversions yet", shares.join(", ")),
        };
        curve
    }

    /// The optimizer's own pauses whose decision window LinkedIn has finished restating (paused
    /// `reviewed` days ago, still paused, and not touched by anyone since), with the restated totals of
    /// that window for the creative and for its rivals then (the campaign's creatives that were active
    /// in the pause's run, from its audit log). A read failure skips those reviews and is reported.
    async fn pause_reviews(
        &self,
        as_of: NaiveDate,
        reviewed: std::ops::Range<u32>,
        latest: &BTreeMap<Entity, AuditLine>,
        creatives: &[Creative],
        report: &mut OptimizeReport,
    ) -> BTreeMap<CreativeId, PauseReview> {
        struct Due {
            id: CreativeId,
            rivals: Vec<CreativeId>,
            prior: Option<Beta>,
        }
        let mut due: BTreeMap<NaiveDate, Vec<Due>> = BTreeMap::new();
        let mut runs: BTreeMap<RunId, Vec<AuditLine>> = BTreeMap::new();
        for c in creatives.iter().filter(|c| c.intended_status == CreativeStatus::Paused) {
            let Some(pause) = latest.get(&Entity::Creative { id: c.id, campaign: c.campaign }) else { continue };
            let age = (as_of - pause.as_of).num_days();
            // Someone changed it after our pause (e.g. resumed and paused it by hand): theirs to decide.
            let touched = c.last_modified_at.is_some_and(|ms| pause.changed_since_by_others(ms));
            if pause.action != Action::Pause || age < 0 || !reviewed.contains(&(age as u32)) || touched {
                continue;
            }
            if !runs.contains_key(&pause.run_id) {
                match audit::read_run(self.store.as_ref(), &pause.run_id).await {
                    Ok(lines) => runs.insert(pause.run_id.clone(), lines),
                    Err(e) => {
                        report.failures.push(format!("reviewing the pause of creative {}: {e}", c.id));
                        continue;
                    }
                };
            }
            let rivals = runs[&pause.run_id]
                .iter()
                .filter(|l| l.before.status.as_deref() == Some(CreativeStatus::Active.as_str()))
                .filter_map(|l| match l.entity {
                    Entity::Creative { id, campaign } if campaign == c.campaign && id != c.id => Some(id),
                    _ => None,
                })
                .collect();
            // The pause's prior: its logged posterior less the creative's own numbers then.
            let prior = pause.stats.and_then(|s| {
                let post = s.posterior?;
                let clicks = s.clicks.min(s.impressions) as f64;
                Beta::new(post.alpha - clicks, post.beta - (s.impressions as f64 - clicks))
            });
            due.entry(pause.as_of).or_default().push(Due { id: c.id, rivals, prior });
        }
        let mut out = BTreeMap::new();
        for (paused_on, pauses) in due {
            let window = DateWindow::last(paused_on - TimeDelta::days(1), self.settings.window_days);
            let rows = match self.performance.creatives(window).await {
                Ok(rows) => rows.into_iter().map(|r| (r.creative_id, r.totals)).collect::<BTreeMap<_, _>>(),
                Err(e) => {
                    report.failures.push(format!(
                        "reading the restated numbers of the pauses of {paused_on} ({window}, {}): {e}; those pauses were not reviewed",
                        self.performance.describe()
                    ));
                    continue;
                }
            };
            let totals = |id: &CreativeId| rows.get(id).copied().unwrap_or_default();
            for Due { id, rivals, prior } in pauses {
                let rivals = rivals.iter().map(totals).collect();
                out.insert(id, PauseReview { paused_on, restated: totals(&id), rivals, prior });
            }
        }
        out
    }

    /// Applies the writes (unless dry-run, or `hold` says why not today), one by one: a failure is
    /// logged and the rest go on. Each write goes through [`Optimizer::guarded_write`].
    async fn act(
        &self,
        clock: RunClock,
        decisions: &[Decision],
        campaigns: &BTreeMap<CampaignId, Campaign>,
        creatives: &BTreeMap<CreativeId, Creative>,
        hold: Option<&str>,
        report: &mut OptimizeReport,
    ) {
        let journal = Journal::new(self.store.as_ref(), clock.as_of, &report.run_id);
        for d in decisions {
            let before = match d.entity {
                Entity::Creative { id, .. } => creatives.get(&id).map(EntityState::of_creative).unwrap_or_default(),
                Entity::Campaign { id } => campaigns.get(&id).map(EntityState::of_campaign).unwrap_or_default(),
            };
            let mut after = before.clone();
            match d.action {
                Action::Pause => after.status = Some(CreativeStatus::Paused.as_str().to_string()),
                Action::Resume => after.status = Some(CreativeStatus::Active.as_str().to_string()),
                Action::SetBid { to, .. } => after.bid = Some(to),
                Action::SetDailyBudget { to, .. } => after.daily_budget = Some(to),
                // `decide` never publishes: only `copy approve` and AUTO_PUBLISH do.
                Action::Keep | Action::FlagWinner | Action::Publish => {}
            }
            let mut line = AuditLine {
                run_id: report.run_id.clone(),
                as_of: clock.as_of,
                at: clock.now,
                dry_run: self.settings.dry_run,
                entity: d.entity,
                action: d.action,
                outcome: Outcome::Applied,
                reason: d.reason.clone(),
                skipped_because: d.skipped.clone(),
                stats: d.stats,
                before,
                after,
                error: None,
                params: Some(self.settings.params),
                undo_of: None,
                published: None,
                recovered_by: None,
            };
            line.outcome = if d.skipped.is_some() {
                Outcome::Skipped
            } else if !d.action.writes() {
                Outcome::NoChange
            } else if self.settings.dry_run {
                Outcome::DryRun
            } else if let Some(why) = hold {
                line.skipped_because = Some(format!("not written today: {why}"));
                Outcome::Skipped
            } else {
                match self.guarded_write(&journal, d, &line, clock.now).await {
                    Written::Applied { note } => {
                        if let Some(n) = note {
                            line.reason = format!("{}; {n}", line.reason);
                        }
                        Outcome::Applied
                    }
                    Written::Changed(why) => {
                        line.skipped_because = Some(why);
                        Outcome::Skipped
                    }
                    Written::Failed(e) => {
                        line.error = Some(e);
                        Outcome::Failed
                    }
                }
            };
            let c = &mut report.counts;
            match (line.outcome, d.action) {
                (Outcome::Skipped, _) => c.skipped += 1,
                (Outcome::Failed, _) => c.failed += 1,
                (Outcome::Applied | Outcome::DryRun, Action::Pause) => c.paused += 1,
                (Outcome::Applied | Outcome::DryRun, Action::Resume) => c.resumed += 1,
                (Outcome::Applied | Outcome::DryRun, Action::SetBid { .. }) => c.bid_changes += 1,
                (Outcome::Applied | Outcome::DryRun, Action::SetDailyBudget { .. }) => c.budget_changes += 1,
                (_, Action::FlagWinner) => c.winners += 1,
                _ => {}
            }
            if let Some(e) = &line.error {
                report.failures.push(format!("{:?} {:?}: {e}", d.action, d.entity));
            }
            if !matches!(line.outcome, Outcome::Applied | Outcome::DryRun) {
                line.after = line.before.clone();
            }
            report.lines.push(line);
        }
    }

    /// One write to LinkedIn, made safe: the entity is read again first and left alone if it changed
    /// since this run read it (a human in Campaign Manager, an undo: theirs stands); the intent is
    /// recorded in the write-ahead log before the write is sent, and its outcome after. A write whose
    /// answer was lost (a dropped connection, a 5xx after the change) is settled by reading the
    /// entity once more.
    async fn guarded_write(
        &self,
        journal: &Journal<'_>,
        d: &Decision,
        line: &AuditLine,
        now: DateTime<Utc>,
    ) -> Written {
        let current = match write_ahead::state_at_linkedin(&self.client, d.entity).await {
            Ok(s) => s,
            Err(e) => return Written::Failed(format!("re-reading it before the write: {e}; not written")),
        };
        if !write_ahead::same_on(&d.action, &current, &line.before) {
            return Written::Changed(format!(
                "changed at LinkedIn since this run read it ({} now, {} when read): left as it is, not overwritten",
                describe(&d.action, &current),
                describe(&d.action, &line.before)
            ));
        }
        let seq = match journal.intend(line, None).await {
            Ok(seq) => seq,
            Err(e) => return Written::Failed(format!("recording the intent in the write-ahead log: {e}; not written")),
        };
        let written = match self.write(d, &line.before).await {
            Ok(()) => Written::Applied { note: None },
            Err(e) => match write_ahead::state_at_linkedin(&self.client, d.entity).await {
                Ok(s) if write_ahead::same_on(&d.action, &s, &line.after) => {
                    Written::Applied { note: Some(format!("LinkedIn applied it though its answer was lost ({e})")) }
                }
                _ => Written::Failed(e),
            },
        };
        let (outcome, error) = match &written {
            Written::Applied { .. } => (Outcome::Applied, None),
            Written::Failed(e) => (Outcome::Failed, Some(e.as_str())),
            Written::Changed(_) => unreachable!("decided before the intent"),
        };
        if let Err(e) = journal.settle(seq, now, outcome, error, None).await {
            // The audit log written at the end records the outcome; the next run would otherwise
            // reconcile it from LinkedIn's state, which gives the same answer.
            tracing::warn!(seq, "recording a write's outcome in the write-ahead log failed: {e}");
        }
        written
    }

    async fn write(&self, d: &Decision, before: &EntityState) -> Result<(), String> {
        let currency = before.currency.clone().unwrap_or_else(|| "USD".to_string());
        let result = match (d.entity, d.action) {
            (Entity::Creative { id, .. }, Action::Pause) => {
                self.client.set_creative_status(id, &CreativeStatus::Paused).await
            }
            (Entity::Creative { id, .. }, Action::Resume) => {
                self.client.set_creative_status(id, &CreativeStatus::Active).await
            }
            (Entity::Campaign { id }, Action::SetBid { to, .. }) => {
                self.client.set_campaign_bid(id, &Money::new(to, currency)).await
            }
            (Entity::Campaign { id }, Action::SetDailyBudget { to, .. }) => {
                self.client.set_campaign_daily_budget(id, &Money::new(to, currency)).await
            }
            (entity, action) => return Err(format!("{action:?} does not apply to {entity:?}")),
        };
        result.map(|_| ()).map_err(|e| e.to_string())
    }
}
