//! The audit log: `logs/optimizer_actions/dt=YYYY-MM-DD/<run-id>.jsonl`, one line per decision taken
//! or skipped, with the state before and after, the evidence, the policy and its parameters, and
//! whether it was a dry run. The cooldown guardrail and `linkedin-ads undo` read it back.
//!
//! The optimizer writes it, and so does `copy approve` (a published variation is a write to LinkedIn
//! like any other), which is why it lives here and not in the optimizer.

use std::collections::BTreeMap;

use crate::decisions::{Action, CreativeStats, Entity, Params};
use crate::ids::CreativeId;
use crate::layout::{self, RunId};
use crate::linkedin::campaigns::Campaign;
use crate::linkedin::creatives::Creative;
use crate::linkedin::posts::AdCopy;
use crate::raw::parse_ndjson;
use crate::store::{ObjectStore, StoreError};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub const ACTIONS_PREFIX: &str = "logs/optimizer_actions";

pub fn actions_key(day: NaiveDate, run: &RunId) -> String {
    format!("{}{run}.jsonl", layout::partition(ACTIONS_PREFIX, day))
}

/// What happened to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written to LinkedIn.
    Applied,
    /// Would have been written; `DRY_RUN` held it back.
    DryRun,
    /// A guardrail, the dead band or stale data held it back.
    Skipped,
    /// Nothing to write (keep, winner flag).
    NoChange,
    /// The write failed; the error is in the line.
    Failed,
}

/// The part of an entity's state a decision changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_budget: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl EntityState {
    pub fn of_creative(c: &Creative) -> Self {
        Self { status: Some(c.intended_status.as_str().to_string()), ..Self::default() }
    }

    pub fn of_campaign(c: &Campaign) -> Self {
        Self {
            status: Some(c.status.as_str().to_string()),
            bid: c.unit_cost.as_ref().map(|m| m.amount),
            daily_budget: c.daily_budget.as_ref().map(|m| m.amount),
            currency: c.unit_cost.as_ref().or(c.daily_budget.as_ref()).map(|m| m.currency_code.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub run_id: RunId,
    pub as_of: NaiveDate,
    pub at: DateTime<Utc>,
    pub dry_run: bool,
    pub entity: Entity,
    pub action: Action,
    pub outcome: Outcome,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_because: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<CreativeStats>,
    pub before: EntityState,
    pub after: EntityState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The policy and every parameter the decision was made with (`undo` lines: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Params>,
    /// The run an undo line reverses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<RunId>,
    /// A [`Action::Publish`] line: what was published and the creative LinkedIn made of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
    /// The run that rebuilt this line from the write-ahead log, because the run that made the write
    /// stopped before writing its audit log ([`crate::write_ahead::recover`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_by: Option<RunId>,
}

/// What `copy approve` (or `AUTO_PUBLISH`) published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    /// The batch's key, `copy/pending/dt=…/<batch>.json`.
    pub batch_key: String,
    pub batch: RunId,
    /// The variation's rank in the batch, from 1 (best predicted CTR).
    pub variation: usize,
    pub angle: String,
    pub predicted_ctr: Option<f64>,
    /// The winner whose post lent the new one its author, media and landing page.
    pub template_creative: CreativeId,
    /// The copy as sent.
    pub copy: AdCopy,
    /// The new creative, once LinkedIn created it.
    pub creative: Option<CreativeId>,
}

pub async fn write(
    store: &dyn ObjectStore,
    day: NaiveDate,
    run: &RunId,
    lines: &[AuditLine],
) -> Result<String, StoreError> {
    let key = actions_key(day, run);
    let body: String = lines.iter().map(|l| serde_json::to_string(l).expect("serialises") + "\n").collect();
    // Written once: a run's log is never replaced (on S3 a conditional write, which the bucket
    // policy also demands for this prefix).
    store.put_new(&key, body.into_bytes(), "application/x-ndjson").await?;
    Ok(key)
}

/// The latest applied change of each entity (by the optimizer or an undo) over the `days` days up to
/// `as_of`: the cooldown reads its day, revive its action. Unreadable lines are skipped with a
/// warning: the worst case is one cooldown not honoured, which the per-run caps still bound.
pub async fn latest_changes(
    store: &dyn ObjectStore,
    as_of: NaiveDate,
    days: u32,
) -> Result<BTreeMap<Entity, AuditLine>, StoreError> {
    let mut out: BTreeMap<Entity, AuditLine> = BTreeMap::new();
    let from = as_of - TimeDelta::days(days as i64);
    // Every partition from `from` on, not just up to `as_of`: a run for a past day (`--as-of`) must
    // see the changes logged after that day too, or it would act on entities changed since.
    for meta in store.list(&format!("{ACTIONS_PREFIX}/")).await? {
        if layout::partition_date(&meta.key).is_none_or(|d| d < from) {
            continue;
        }
        let Some(bytes) = store.get(&meta.key).await? else { continue };
        let (lines, errors) = parse_ndjson::<AuditLine>(&bytes);
        for e in errors {
            tracing::warn!(key = %meta.key, line = e.line, "unreadable audit line skipped: {}", e.message);
        }
        keep_latest(&mut out, lines);
    }
    Ok(out)
}

/// Folds audit lines into the latest applied change of each entity (by day, then time). A publish adds
/// a creative and changes no state a cooldown guards, so it is left out.
pub fn keep_latest(out: &mut BTreeMap<Entity, AuditLine>, lines: Vec<AuditLine>) {
    for l in lines.into_iter().filter(|l| l.outcome == Outcome::Applied && l.action != Action::Publish) {
        match out.get(&l.entity) {
            Some(seen) if (seen.as_of, seen.at) >= (l.as_of, l.at) => {}
            _ => {
                out.insert(l.entity, l);
            }
        }
    }
}

/// How long after a logged change LinkedIn's `lastModifiedAt` may still be that change's own echo.
pub const OWN_CHANGE_GRACE: TimeDelta = TimeDelta::hours(1);

impl AuditLine {
    /// Whether an entity last modified at `last_modified_at_ms` (LinkedIn's epoch milliseconds) was
    /// changed by someone else after this line's change (past [`OWN_CHANGE_GRACE`]). Saturates at the
    /// end of time: `at` is read from the store, and `at + 1 h` used to panic for a time at chrono's end.
    pub fn changed_since_by_others(&self, last_modified_at_ms: i64) -> bool {
        let own_until = self.at.checked_add_signed(OWN_CHANGE_GRACE).unwrap_or(DateTime::<Utc>::MAX_UTC);
        last_modified_at_ms > own_until.timestamp_millis()
    }
}

/// The lines of one run, found from its id. The log sits under its run's as-of day, which a run for
/// a past day (`--as-of`, the Lambda's `detail.as_of`) sets far from the id's wall-clock day: the id's
/// day and the days either side are tried first, then every partition is searched for the run's file.
pub async fn read_run(store: &dyn ObjectStore, run: &RunId) -> Result<Vec<AuditLine>, String> {
    let day = NaiveDate::parse_from_str(run.0.get(..8).unwrap_or(""), "%Y%m%d").map_err(|_| {
        format!(
            "'{run}' is not a run id: expected e.g. 20261123T080000Z-3f9a1c (see the report or logs/optimizer_actions/)"
        )
    })?;
    let mut keys: Vec<String> =
        [day, day - TimeDelta::days(1), day + TimeDelta::days(1)].iter().map(|d| actions_key(*d, run)).collect();
    let file = format!("/{run}.jsonl");
    for attempt in 0..2 {
        for key in &keys {
            if let Some(bytes) = store.get(key).await.map_err(|e| e.to_string())? {
                let (lines, errors) = parse_ndjson::<AuditLine>(&bytes);
                if let Some(e) = errors.first() {
                    return Err(format!(
                        "{key} line {}: {}; fix or remove the line, then undo again",
                        e.line, e.message
                    ));
                }
                return Ok(lines);
            }
        }
        if attempt == 0 {
            let listed = store.list(&format!("{ACTIONS_PREFIX}/")).await.map_err(|e| e.to_string())?;
            keys = listed.into_iter().map(|m| m.key).filter(|k| k.ends_with(&file)).collect();
        }
    }
    Err(format!("no audit log for run {run} under {ACTIONS_PREFIX}/ (looked in every dt= partition)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CampaignId, CreativeId};
    use crate::store::LocalStore;
    use chrono::Timelike;

    fn pause(run: &RunId, as_of: &str, at: &str, creative: u64) -> AuditLine {
        AuditLine {
            run_id: run.clone(),
            as_of: as_of.parse().unwrap(),
            at: at.parse().unwrap(),
            dry_run: false,
            entity: Entity::Creative { id: CreativeId(creative), campaign: CampaignId(1) },
            action: Action::Pause,
            outcome: Outcome::Applied,
            reason: "test".into(),
            skipped_because: None,
            stats: None,
            before: EntityState { status: Some("ACTIVE".into()), ..EntityState::default() },
            after: EntityState { status: Some("PAUSED".into()), ..EntityState::default() },
            error: None,
            params: None,
            undo_of: None,
            published: None,
            recovered_by: None,
        }
    }

    #[test]
    fn a_logged_time_at_the_end_of_time_is_no_panic() {
        // `pause.at + 1 h` panicked the optimizer's pause review for a line dated chrono's last second.
        let run = RunId("20261001T080000Z-000001".into());
        let mut line = pause(&run, "2026-10-01", "2026-10-01T08:00:00Z", 7);
        let json = serde_json::to_string(&line).unwrap().replace("2026-10-01T08:00:00Z", "+262142-12-31T23:59:59Z");
        let (lines, errors) = parse_ndjson::<AuditLine>(json.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(lines[0].at, DateTime::<Utc>::MAX_UTC.with_nanosecond(0).unwrap());
        let now_ms = 1_800_000_000_000;
        assert!(!lines[0].changed_since_by_others(now_ms));
        line.at = DateTime::<Utc>::MAX_UTC;
        assert!(!line.changed_since_by_others(now_ms) && line.changed_since_by_others(i64::MAX));
        line.at = "2026-10-01T08:00:00Z".parse().unwrap();
        let ms = line.at.timestamp_millis();
        assert!(!line.changed_since_by_others(ms + 3_600_000));
        assert!(line.changed_since_by_others(ms + 3_600_001));
    }

    /// Runs for past days (`--as-of`) with the wall clock months later: their logs are found, and a
    /// past-day run sees what was logged after its day.
    #[tokio::test]
    async fn logs_are_found_however_far_as_of_is_from_the_wall_clock() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let now: DateTime<Utc> = "2026-12-03T14:00:00Z".parse().unwrap();
        let run = RunId::new(now);
        write(&store, "2026-10-01".parse().unwrap(), &run, &[pause(&run, "2026-10-01", "2026-12-03T14:00:00Z", 7)])
            .await
            .unwrap();
        let lines = read_run(&store, &run).await.unwrap();
        assert_eq!(lines.len(), 1, "found under dt=2026-10-01 for a run id of 2026-12-03");
        let missing = RunId("20261203T140000Z-000000".into());
        assert!(read_run(&store, &missing).await.unwrap_err().contains("looked in every dt= partition"));
        // A run for 2026-09-29 with a 3-day horizon sees the pause logged for 2026-10-01 (later).
        let latest = latest_changes(&store, "2026-09-29".parse().unwrap(), 3).await.unwrap();
        assert!(latest.contains_key(&Entity::Creative { id: CreativeId(7), campaign: CampaignId(1) }), "{latest:?}");
        // And one whose horizon starts after it does not.
        assert!(latest_changes(&store, "2026-10-10".parse().unwrap(), 3).await.unwrap().is_empty());
    }
}
