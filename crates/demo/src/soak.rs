//! The soak: many simulated days under heavy faults, with the optimizer killed mid-write on some
//! days, then checked against the sandbox's own record of every change it applied:
//!
//! * every change LinkedIn holds is in the audit log as applied, on its day, with the value it set
//!   (a killed run's writes through the next run's reconciliation);
//! * no guardrail was broken: pauses per campaign per day, the last active creative, the cooldown
//!   per entity and field, the bid and budget step caps;
//! * the collected data equals the ground truth creative-day by creative-day (the demo's
//!   reconciliation).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use linkedin_core::audit::{ACTIONS_PREFIX, AuditLine, Outcome};
use linkedin_core::decisions::{Entity, Params};
use linkedin_core::raw::parse_ndjson;
use linkedin_core::store::{ObjectStore, StoreError};
use rust_decimal::Decimal;
use sandbox::market::Market;
use sandbox::scenario::FaultParams;
use serde::Serialize;
use serde_json::Value;

/// How the soak stresses the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Soak {
    /// Replaces the scenario's faults.
    pub faults: FaultParams,
    /// The share of days on which the optimizer is killed, at a random API request of its run.
    pub kill_share: f64,
}

impl Default for Soak {
    /// 30 % of API calls faulted: throttling of both short-lived kinds (the per-resource limit and
    /// adAnalytics' data volume), 5xx, dropped connections, slow answers, and the access token revoked
    /// every 30 simulated hours; the optimizer killed on 10 % of days.
    fn default() -> Self {
        Self {
            faults: FaultParams {
                throttle: 0.10,
                data_volume: 0.05,
                server_error: 0.08,
                drop: 0.04,
                slow: 0.03,
                slow_ms: 2,
                max_consecutive: 2,
                token_revoke_hours: Some(30),
                ..FaultParams::default()
            },
            kill_share: 0.10,
        }
    }
}

/// What the soak found. Every list is empty when the pipeline held.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SoakFindings {
    pub days: u32,
    /// Optimizer runs killed, and the API request of the run each was killed at (writes included).
    pub kills: Vec<(NaiveDate, u32)>,
    /// Runs rebuilt from the write-ahead log by a later run.
    pub recovered_runs: usize,
    /// State changes LinkedIn (the sandbox) applied.
    pub changes: usize,
    /// Changes with no applied audit line of that entity, day and value.
    pub unlogged: Vec<String>,
    pub violations: Vec<String>,
    /// Creative-days missing or different from the ground truth.
    pub creative_days_wrong: usize,
}

impl SoakFindings {
    pub fn held(&self) -> bool {
        self.unlogged.is_empty() && self.violations.is_empty() && self.creative_days_wrong == 0
    }
}

/// The id in `urn:li:sponsoredCreative:7` or `urn:li:sponsoredCampaign:7`.
fn urn_id(urn: &str) -> Option<u64> {
    urn.rsplit(':').next()?.parse().ok()
}

fn amount(v: &Value) -> Option<Decimal> {
    v.get("amount")?.as_str()?.parse().ok()
}

/// Every applied audit line in the store.
async fn applied_lines(store: &dyn ObjectStore) -> Result<(Vec<AuditLine>, usize), StoreError> {
    let mut out = Vec::new();
    let mut recovered = std::collections::BTreeSet::new();
    for meta in store.list(&format!("{ACTIONS_PREFIX}/")).await? {
        let Some(bytes) = store.get(&meta.key).await? else { continue };
        let (lines, _) = parse_ndjson::<AuditLine>(&bytes);
        for l in lines {
            if l.recovered_by.is_some() {
                recovered.insert(l.run_id.clone());
            }
            if l.outcome == Outcome::Applied {
                out.push(l);
            }
        }
    }
    Ok((out, recovered.len()))
}

/// Checks the sandbox's change record (`system`, from the market `initial` was at the start) against
/// the audit log in `store` and the guardrails in `params`.
pub async fn check(
    store: &dyn ObjectStore,
    initial: &Market,
    system: &Market,
    params: &Params,
) -> Result<SoakFindings, StoreError> {
    let (lines, recovered_runs) = applied_lines(store).await?;
    let g = &params.guardrails;
    let mut f = SoakFindings { recovered_runs, ..SoakFindings::default() };
    let mut status: BTreeMap<u64, (u64, String)> =
        initial.creatives().map(|c| (c.id, (c.campaign, c.intended_status.clone()))).collect();
    let mut pauses: BTreeMap<(u64, NaiveDate), u32> = BTreeMap::new();
    let mut last: BTreeMap<(String, String), NaiveDate> = BTreeMap::new();
    for c in system.changes() {
        let day = c.at.date_naive();
        let Some(id) = urn_id(&c.entity) else { continue };
        let creative = c.entity.starts_with("urn:li:sponsoredCreative:");
        if creative
            && c.field == "created"
            && let Some(campaign) = system.creative(id).map(|k| k.campaign)
        {
            status.insert(id, (campaign, c.after.as_str().unwrap_or_default().to_string()));
        }
        if !matches!(c.field.as_str(), "intendedStatus" | "unitCost" | "dailyBudget") {
            continue; // creations (the copy generator's) and names change nothing a guardrail guards
        }
        f.changes += 1;
        let what = format!("{} {} {} → {} on {day}", c.entity, c.field, c.before, c.after);
        let logged = lines.iter().any(|l| {
            l.as_of == day
                && match (l.entity, c.field.as_str()) {
                    (Entity::Creative { id: e, .. }, "intendedStatus") => {
                        e.0 == id && l.after.status.as_deref() == c.after.as_str()
                    }
                    (Entity::Campaign { id: e }, "unitCost") => {
                        e.0 == id && l.after.bid.map(|b| b.normalize()) == amount(&c.after).map(|a| a.normalize())
                    }
                    (Entity::Campaign { id: e }, "dailyBudget") => {
                        e.0 == id
                            && l.after.daily_budget.map(|b| b.normalize()) == amount(&c.after).map(|a| a.normalize())
                    }
                    _ => false,
                }
        });
        if !logged {
            f.unlogged.push(what.clone());
        }
        let key = (c.entity.clone(), c.field.clone());
        if let Some(prev) = last.insert(key, day)
            && (day - prev).num_days() < g.cooldown_days as i64
        {
            f.violations.push(format!("{what}: changed again {} day(s) after {prev}", (day - prev).num_days()));
        }
        if creative {
            let Some((campaign, was)) = status.get(&id).cloned() else { continue };
            let now = c.after.as_str().unwrap_or_default().to_string();
            if was == "ACTIVE" && now == "PAUSED" {
                let n = pauses.entry((campaign, day)).or_default();
                *n += 1;
                if *n > g.max_pauses_per_campaign {
                    f.violations.push(format!("{what}: pause {n} of campaign {campaign} that day"));
                }
            }
            status.insert(id, (campaign, now));
            if !status.values().any(|(k, s)| *k == campaign && s == "ACTIVE") {
                f.violations.push(format!("{what}: campaign {campaign} has no active creative left"));
            }
        } else if let (Some(a), Some(b)) = (amount(&c.before), amount(&c.after)) {
            let step = if c.field == "unitCost" { g.max_bid_step } else { g.max_budget_step };
            // Bids and budgets are set in cents: half a cent of rounding is no violation.
            let allowed = a * Decimal::try_from(step).unwrap_or_default() + Decimal::new(5, 3);
            if (b - a).abs() > allowed {
                f.violations.push(format!("{what}: a step of more than {:.0}%", step * 100.0));
            }
        }
    }
    Ok(f)
}

/// Runs `run` (an optimizer run) with the sandbox set to hang on its `nth` API request (after
/// applying it, if it is a write), and kills it there, as the Lambda runtime kills a function at its
/// timeout: `None` when it was killed, the report when the run made fewer requests and ended.
pub async fn killed_at_request<F: std::future::Future>(
    sb: &sandbox::SandboxServer,
    nth: u32,
    run: F,
) -> Option<F::Output> {
    let from = sb.with(|s| {
        let mut p = s.faults.params.clone();
        p.hang_at_request = Some(nth);
        s.faults.set(p);
        s.log.len()
    });
    let hung = async {
        loop {
            if sb.with(|s| {
                s.log[from.min(s.log.len())..].iter().any(|r| r.fault.as_deref().is_some_and(|f| f.starts_with(HUNG)))
            }) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    let out = tokio::select! {
        out = run => Some(out),
        () = hung => None,
    };
    sb.with(|s| {
        let mut p = s.faults.params.clone();
        p.hang_at_request = None;
        s.faults.set(p);
    });
    out
}

/// The sandbox's log entry for a hung request.
const HUNG: &str = "hang at request";
