//! The write-ahead log: every write to LinkedIn is recorded before it is sent and settled after.
//!
//! ```text
//! logs/write_ahead/dt=<as_of>/<run-id>/<seq>.intent.json   the audit line the write will have if applied
//! logs/write_ahead/dt=<as_of>/<run-id>/<seq>.outcome.json  what happened (applied, failed), and who said so
//! ```
//!
//! Both are written once ([`ObjectStore::put_new`]). A run's audit log (`logs/optimizer_actions/`) is
//! written when it ends; a run that dies before (a Lambda timeout, a crash, a kill) leaves intents and
//! no audit log. The next run that writes to LinkedIn (the optimizer, `undo`, `copy approve`) first
//! [`recover`]s such runs: it reads each unsettled entity at LinkedIn, decides whether the write
//! landed, settles it, and writes the dead run's audit log from its intents. The cooldowns, the
//! per-day pause cap and `undo --run` then see every write that was made, logged or not.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditLine, EntityState, Outcome};
use crate::decisions::{Action, Entity};
use crate::ids::CreativeId;
use crate::layout::{self, RunId};
use crate::linkedin::{ApiError, LinkedInClient};
use crate::store::{ObjectStore, StoreError};

pub const WRITE_AHEAD_PREFIX: &str = "logs/write_ahead";

/// A run with intents and no audit log that started less than this long ago may still be running
/// (a Lambda lives at most 15 minutes; the margin covers clock skew and a slow last write): it is
/// not reconciled, and the run that finds it writes nothing.
pub const RUN_TIMEOUT: TimeDelta = TimeDelta::minutes(20);

/// One intended write, recorded before it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub seq: u32,
    /// The audit line as it will read if the write is applied: `after` is the intended state.
    pub line: AuditLine,
    /// A publish: the new creative's unique name, by which a reconciling run finds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative_name: Option<String>,
}

/// What became of an intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settled {
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A publish: the creative LinkedIn made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative: Option<CreativeId>,
    /// Settled by a later run from LinkedIn's state, not by the run that wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_by: Option<RunId>,
}

fn run_prefix(as_of: NaiveDate, run: &RunId) -> String {
    format!("{}{run}/", layout::partition(WRITE_AHEAD_PREFIX, as_of))
}

pub fn intent_key(as_of: NaiveDate, run: &RunId, seq: u32) -> String {
    format!("{}{seq:04}.intent.json", run_prefix(as_of, run))
}

pub fn outcome_key(as_of: NaiveDate, run: &RunId, seq: u32) -> String {
    format!("{}{seq:04}.outcome.json", run_prefix(as_of, run))
}

/// One run's write-ahead log.
pub struct Journal<'a> {
    store: &'a dyn ObjectStore,
    as_of: NaiveDate,
    run: RunId,
    next: std::sync::atomic::AtomicU32,
}

impl<'a> Journal<'a> {
    pub fn new(store: &'a dyn ObjectStore, as_of: NaiveDate, run: &RunId) -> Self {
        Self { store, as_of, run: run.clone(), next: std::sync::atomic::AtomicU32::new(1) }
    }

    /// Records the intent durably. The write may be sent only after this returns `Ok`.
    pub async fn intend(&self, line: &AuditLine, creative_name: Option<&str>) -> Result<u32, StoreError> {
        let seq = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let intent = Intent { seq, line: line.clone(), creative_name: creative_name.map(str::to_string) };
        let body = serde_json::to_vec(&intent).expect("an intent serialises");
        self.store.put_new(&intent_key(self.as_of, &self.run, seq), body, "application/json").await?;
        Ok(seq)
    }

    /// Records what happened to intent `seq`.
    pub async fn settle(
        &self,
        seq: u32,
        at: DateTime<Utc>,
        outcome: Outcome,
        error: Option<&str>,
        creative: Option<CreativeId>,
    ) -> Result<(), StoreError> {
        let settled = Settled { seq, at, outcome, error: error.map(str::to_string), creative, reconciled_by: None };
        let body = serde_json::to_vec(&settled).expect("an outcome serialises");
        self.store.put_new(&outcome_key(self.as_of, &self.run, seq), body, "application/json").await
    }
}

/// The state at LinkedIn of the part of `entity` a write changes.
pub async fn state_at_linkedin(client: &LinkedInClient, entity: Entity) -> Result<EntityState, ApiError> {
    match entity {
        Entity::Creative { id, .. } => client.get_creative(id).await.map(|c| EntityState::of_creative(&c)),
        Entity::Campaign { id } => client.get_campaign(id).await.map(|c| EntityState::of_campaign(&c)),
    }
}

/// Whether `a` and `b` agree on what `action` changes (status, bid or daily budget), and only that:
/// a bid change does not care whether the status moved.
pub fn same_on(action: &Action, a: &EntityState, b: &EntityState) -> bool {
    match action {
        Action::Pause | Action::Resume | Action::Publish => a.status == b.status,
        Action::SetBid { .. } => a.bid.map(|x| x.normalize()) == b.bid.map(|x| x.normalize()),
        Action::SetDailyBudget { .. } => a.daily_budget.map(|x| x.normalize()) == b.daily_budget.map(|x| x.normalize()),
        Action::Keep | Action::FlagWinner => false,
    }
}

/// What [`recover`] found and did.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Each dead run whose audit log was rebuilt here: its id, its audit key, its lines.
    pub recovered: Vec<(RunId, String, Vec<AuditLine>)>,
    /// Why the caller must not write today: a run that may still be running, or a write whose fate
    /// LinkedIn could not be asked about (the guardrails could not count it).
    pub hold: Vec<String>,
    /// Problems that do not hold writes back (an unreadable record), for the report.
    pub failures: Vec<String>,
}

impl Recovery {
    /// One line per recovered run, for reports.
    pub fn summaries(&self) -> Vec<String> {
        self.recovered
            .iter()
            .map(|(run, key, lines)| {
                let applied = lines.iter().filter(|l| l.outcome == Outcome::Applied).count();
                format!(
                    "run {run} stopped before writing its audit log; rebuilt from its write-ahead log into {key}: {} write(s), {applied} applied at LinkedIn, {} not",
                    lines.len(),
                    lines.len() - applied
                )
            })
            .collect()
    }
}

/// When a run id says its run started (`20261123T080000Z-3f9a1c`).
pub fn started(run: &RunId) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(run.0.get(..16)?, "%Y%m%dT%H%M%SZ").ok().map(|t| t.and_utc())
}

/// Reconciles every run started since `since` (by its id's clock, whatever its `as_of`) that recorded intents and never wrote its audit log (see the
/// module docs). `by` is the reconciling run, `now` its clock. Only the store is written, never
/// LinkedIn, so it runs in dry-run too: it records what happened, it changes nothing.
pub async fn recover(
    store: &dyn ObjectStore,
    client: &LinkedInClient,
    by: &RunId,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Recovery {
    let mut out = Recovery::default();
    let keys = match store.list(&format!("{WRITE_AHEAD_PREFIX}/")).await {
        Ok(k) => k,
        Err(e) => {
            out.hold.push(format!("listing the write-ahead log ({WRITE_AHEAD_PREFIX}/): {e}"));
            return out;
        }
    };
    // (as_of, run) → its record keys, from `logs/write_ahead/dt=<day>/<run>/<file>`.
    let mut runs: std::collections::BTreeMap<(NaiveDate, RunId), Vec<String>> = Default::default();
    for meta in keys {
        let Some(day) = layout::partition_date(&meta.key) else { continue };
        let mut parts = meta.key.rsplitn(3, '/');
        let (Some(_file), Some(run)) = (parts.next(), parts.next()) else { continue };
        let run = RunId(run.to_string());
        // An id that names no time is looked at: better one GET too many than a write not counted.
        if started(&run).is_some_and(|t| t < since) {
            continue;
        }
        runs.entry((day, run)).or_default().push(meta.key);
    }
    for ((as_of, run), keys) in runs {
        if &run == by {
            continue;
        }
        match store.get(&audit::actions_key(as_of, &run)).await {
            Ok(Some(_)) => continue, // finished: its audit log is the record
            Ok(None) => {}
            Err(e) => {
                out.hold.push(format!("reading the audit log of run {run}: {e}"));
                continue;
            }
        }
        match recover_run(store, client, by, now, as_of, &run, &keys).await {
            Ok(Some((key, lines))) => out.recovered.push((run, key, lines)),
            Ok(None) => {}
            Err(Problem::Hold(e)) => out.hold.push(e),
            Err(Problem::Report(e)) => out.failures.push(e),
        }
    }
    out
}

enum Problem {
    Hold(String),
    Report(String),
}

async fn read_json<T: serde::de::DeserializeOwned>(store: &dyn ObjectStore, key: &str) -> Result<Option<T>, String> {
    match store.get(key).await {
        Ok(None) => Ok(None),
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).map(Some).map_err(|e| format!("{key}: {e}")),
        Err(e) => Err(format!("reading {key}: {e}")),
    }
}

async fn recover_run(
    store: &dyn ObjectStore,
    client: &LinkedInClient,
    by: &RunId,
    now: DateTime<Utc>,
    as_of: NaiveDate,
    run: &RunId,
    keys: &[String],
) -> Result<Option<(String, Vec<AuditLine>)>, Problem> {
    let mut intents = Vec::new();
    let mut settled = std::collections::BTreeMap::new();
    for key in keys {
        if key.ends_with(".intent.json") {
            // An intent that cannot be read is a write whose fate nobody can establish: hold.
            let i: Intent = read_json(store, key)
                .await
                .map_err(|e| Problem::Hold(format!("{e}; repair or remove it once the write is checked by hand")))?
                .ok_or_else(|| Problem::Report(format!("{key} vanished while being read")))?;
            intents.push(i);
        } else if key.ends_with(".outcome.json") {
            match read_json::<Settled>(store, key).await {
                Ok(Some(s)) => {
                    settled.insert(s.seq, s);
                }
                Ok(None) => {}
                Err(e) => return Err(Problem::Report(format!("{e}; the write is reconciled from LinkedIn instead"))),
            }
        }
    }
    intents.sort_by_key(|i| i.seq);
    let Some(started) = intents.iter().map(|i| i.line.at).min() else { return Ok(None) };
    if now - started < RUN_TIMEOUT {
        return Err(Problem::Hold(format!(
            "run {run} started at {started}, less than {} minutes ago, and has not written its audit log: it may still be running; no writes until it ends or times out",
            RUN_TIMEOUT.num_minutes()
        )));
    }
    let mut lines = Vec::new();
    for intent in intents {
        let s = match settled.remove(&intent.seq) {
            Some(s) => s,
            None => {
                let s = reconcile(client, by, now, &intent).await.map_err(Problem::Hold)?;
                let key = outcome_key(as_of, run, intent.seq);
                let body = serde_json::to_vec(&s).expect("an outcome serialises");
                match store.put_new(&key, body, "application/json").await {
                    Ok(()) | Err(StoreError::AlreadyExists { .. }) => {}
                    Err(e) => return Err(Problem::Hold(format!("recording the reconciled outcome {key}: {e}"))),
                }
                s
            }
        };
        let mut line = intent.line;
        line.outcome = s.outcome;
        line.error = s.error;
        line.recovered_by = Some(by.clone());
        if s.outcome != Outcome::Applied {
            line.after = line.before.clone();
        }
        if let Some(p) = line.published.as_mut() {
            p.creative = s.creative;
        }
        lines.push(line);
    }
    match audit::write(store, as_of, run, &lines).await {
        Ok(key) => Ok(Some((key, lines))),
        // The run finished after all (its log appeared meanwhile): its own log stands.
        Err(StoreError::AlreadyExists { .. }) => Ok(None),
        Err(e) => Err(Problem::Hold(format!("writing the recovered audit log of run {run}: {e}"))),
    }
}

/// Settles one intent from LinkedIn's state: applied when the entity shows the intended change (a
/// publish: when the campaign holds a creative of the intended name), not applied otherwise.
async fn reconcile(
    client: &LinkedInClient,
    by: &RunId,
    now: DateTime<Utc>,
    intent: &Intent,
) -> Result<Settled, String> {
    let line = &intent.line;
    let settled = |outcome, error: Option<String>, creative| Settled {
        seq: intent.seq,
        at: now,
        outcome,
        error,
        creative,
        reconciled_by: Some(by.clone()),
    };
    if line.action == Action::Publish {
        let name = intent.creative_name.as_deref().unwrap_or_default();
        let found = client
            .find_creatives(&[line.entity.campaign()])
            .await
            .map_err(|e| format!("reconciling run {}'s publish: listing the campaign's creatives: {e}", line.run_id))?;
        return Ok(match found.iter().find(|c| !name.is_empty() && c.name.as_deref() == Some(name)) {
            Some(c) => settled(Outcome::Applied, None, Some(c.id)),
            None => settled(
                Outcome::Failed,
                Some(format!("not applied: the run stopped and the campaign holds no creative named '{name}'")),
                None,
            ),
        });
    }
    let now_state = match state_at_linkedin(client, line.entity).await {
        Ok(s) => s,
        Err(e) if e.status() == Some(404) => {
            return Ok(settled(
                Outcome::Failed,
                Some(format!("not applied: {:?} no longer exists", line.entity)),
                None,
            ));
        }
        Err(e) => return Err(format!("reconciling run {}'s write to {:?}: {e}", line.run_id, line.entity)),
    };
    Ok(if same_on(&line.action, &now_state, &line.after) {
        settled(Outcome::Applied, None, None)
    } else if same_on(&line.action, &now_state, &line.before) {
        settled(
            Outcome::Failed,
            Some("not applied: the run stopped and LinkedIn shows the state before the write".into()),
            None,
        )
    } else {
        settled(
            Outcome::Failed,
            Some(format!(
                "unknown: the run stopped and LinkedIn shows neither the state before nor the intended one ({now_state:?}): changed since by someone else"
            )),
            None,
        )
    })
}
