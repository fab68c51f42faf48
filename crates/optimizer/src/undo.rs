//! `linkedin-ads undo --run <run-id>`: restores the "before" state of every change a run applied
//! (an optimizer run, an undo, or a `copy approve`, whose new creative is paused).
//!
//! Only entities still in the state the run left them in are restored: if someone (or a later run)
//! changed a bid since, putting the old one back would overwrite their decision, so that entity is
//! skipped and named. The undo writes its own audit log (`undo_of` = the run), so it can itself be
//! undone, and honours dry-run.

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use linkedin_core::RunClock;
use linkedin_core::decisions::{Action, Entity};
use linkedin_core::layout::RunId;
use linkedin_core::linkedin::LinkedInClient;
use linkedin_core::linkedin::creatives::CreativeStatus;
use linkedin_core::money::Money;
use linkedin_core::store::ObjectStore;
use linkedin_core::write_ahead::{self, Journal};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::audit::{self, AuditLine, EntityState, Outcome};

#[derive(Debug, Clone, Serialize)]
pub struct UndoReport {
    pub run_id: RunId,
    pub undo_of: RunId,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub restored: usize,
    pub skipped: Vec<String>,
    pub failures: Vec<String>,
    pub audit_key: Option<String>,
}

impl UndoReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }
}

/// What undoing `line` changes: its entity, except for a publish, whose undo pauses the new creative
/// (LinkedIn cannot delete a creative that has served; paused, it stops spending).
fn target(line: &AuditLine) -> Result<Entity, String> {
    if line.action != Action::Publish {
        return Ok(line.entity);
    }
    match line.published.as_ref().and_then(|p| p.creative) {
        Some(id) => Ok(Entity::Creative { id, campaign: line.entity.campaign() }),
        None => {
            Err(format!("{:?}: the publish line records no creative id; pause it in Campaign Manager", line.entity))
        }
    }
}

/// The largest relative move an undo makes: the guardrails' safe ceiling for one bid or budget step
/// (`MAX_BID_STEP_PERCENT` / `MAX_BUDGET_STEP_PERCENT` ≤ 50 without the override). An applied change
/// was one step, so its undo is one step back; a line asking for more was not written by a run.
pub const UNDO_MAX_STEP: f64 = 0.5;

/// Why restoring `restore` over `now` is not what undoing one guarded change can be: money more than
/// [`UNDO_MAX_STEP`] away, not positive, or in another currency. `None`: plausible.
fn implausible(action: &Action, now: &EntityState, restore: &EntityState) -> Option<String> {
    let (field, from, current) = match *action {
        Action::SetBid { from, .. } => ("bid", restore.bid.unwrap_or(from), now.bid),
        Action::SetDailyBudget { from, .. } => ("daily budget", restore.daily_budget.unwrap_or(from), now.daily_budget),
        _ => return None,
    };
    if let (Some(a), Some(b)) = (&restore.currency, &now.currency)
        && a != b
    {
        return Some(format!("the line's {field} is in {a}, the campaign's in {b}"));
    }
    if from <= Decimal::ZERO {
        return Some(format!("the line asks for a {field} of {from}"));
    }
    let current = current?;
    let step = ((from - current).abs() / current.max(Decimal::new(1, 2))).to_f64().unwrap_or(f64::INFINITY);
    (step > UNDO_MAX_STEP + 1e-9).then(|| {
        format!(
            "the line asks for a {field} of {from}, {:.0}% from today's {current}: more than one guarded step ({:.0}%) away",
            step * 100.0,
            UNDO_MAX_STEP * 100.0
        )
    })
}

/// Puts `restore` back at LinkedIn: the field the undone `action` changed.
async fn restore_at_linkedin(
    client: &LinkedInClient,
    entity: Entity,
    restore: &EntityState,
    undone: Action,
) -> Result<(), String> {
    let currency = restore.currency.clone().unwrap_or_else(|| "USD".into());
    let result = match (entity, undone) {
        (Entity::Creative { id, .. }, Action::Pause | Action::Resume | Action::Publish) => {
            let status = CreativeStatus::from(restore.status.clone().unwrap_or_else(|| "ACTIVE".into()));
            client.set_creative_status(id, &status).await
        }
        (Entity::Campaign { id }, Action::SetBid { from, .. }) => {
            client.set_campaign_bid(id, &Money::new(restore.bid.unwrap_or(from), currency)).await
        }
        (Entity::Campaign { id }, Action::SetDailyBudget { from, .. }) => {
            client.set_campaign_daily_budget(id, &Money::new(restore.daily_budget.unwrap_or(from), currency)).await
        }
        (entity, action) => return Err(format!("{action:?} does not apply to {entity:?}")),
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

pub async fn undo(
    store: Arc<dyn ObjectStore>,
    client: &LinkedInClient,
    run: &RunId,
    clock: RunClock,
    dry_run: bool,
) -> Result<UndoReport, String> {
    client.begin_run();
    let id = RunId::new(clock.now);
    // A run that died before writing its audit log is rebuilt from its write-ahead log first, so
    // its writes can be undone too; one that may still be running holds the undo back.
    let since = (clock.now - TimeDelta::days(7)).min(write_ahead::started(run).unwrap_or(clock.now));
    let recovery = write_ahead::recover(store.as_ref(), client, &id, clock.now, since).await;
    if !recovery.hold.is_empty() {
        return Err(format!("{}; nothing was changed", recovery.hold.join("; ")));
    }
    let lines = audit::read_run(store.as_ref(), run).await?;
    let journal = Journal::new(store.as_ref(), clock.as_of, &id);
    let mut report = UndoReport {
        run_id: id.clone(),
        undo_of: run.clone(),
        as_of: clock.as_of,
        dry_run,
        restored: 0,
        skipped: Vec::new(),
        failures: Vec::new(),
        audit_key: None,
    };
    let mut log = Vec::new();
    for line in lines.iter().filter(|l| l.outcome == Outcome::Applied) {
        let entity = match target(line) {
            Ok(e) => e,
            Err(e) => {
                report.failures.push(e);
                continue;
            }
        };
        let now = match write_ahead::state_at_linkedin(client, entity).await {
            Ok(s) => s,
            Err(e) => {
                report.failures.push(format!("reading {:?}: {e}", line.entity));
                continue;
            }
        };
        if !write_ahead::same_on(&line.action, &now, &line.after) {
            report.skipped.push(format!(
                "{entity:?}: changed since the run ({now:?}, the run left {:?}); left as is",
                line.after
            ));
            continue;
        }
        // A publish's "before" is a creative that did not exist: undone, it is paused.
        let restore = match line.action {
            Action::Publish => {
                EntityState { status: Some(CreativeStatus::Paused.as_str().into()), ..Default::default() }
            }
            _ => line.before.clone(),
        };
        if let Some(why) = implausible(&line.action, &now, &restore) {
            report.failures.push(format!(
                "{entity:?}: {why}; not restored: check the audit line (it may have been edited) and set it in Campaign Manager if it is right"
            ));
            continue;
        }
        let action = match line.action {
            Action::Pause => Action::Resume,
            Action::Resume => Action::Pause,
            Action::SetBid { from, to } => Action::SetBid { from: to, to: from },
            Action::SetDailyBudget { from, to } => Action::SetDailyBudget { from: to, to: from },
            Action::Publish => Action::Pause,
            Action::Keep | Action::FlagWinner => continue, // never applied: nothing to restore
        };
        let mut draft = AuditLine {
            run_id: id.clone(),
            as_of: clock.as_of,
            at: clock.now,
            dry_run,
            entity,
            action,
            outcome: Outcome::DryRun,
            reason: format!("undo of run {run}"),
            skipped_because: None,
            stats: None,
            before: now,
            after: restore,
            error: None,
            params: None,
            undo_of: Some(run.clone()),
            published: None,
            recovered_by: None,
        };
        if !dry_run {
            // Recorded before it is sent, settled after: a crash in between is reconciled next run.
            let seq = match journal.intend(&draft, None).await {
                Ok(seq) => seq,
                Err(e) => {
                    report
                        .failures
                        .push(format!("{entity:?}: recording the intent in the write-ahead log: {e}; not restored"));
                    continue;
                }
            };
            match restore_at_linkedin(client, entity, &draft.after, line.action).await {
                Ok(()) => draft.outcome = Outcome::Applied,
                Err(e) => {
                    draft.outcome = Outcome::Failed;
                    draft.error = Some(e);
                }
            }
            if let Err(e) = journal.settle(seq, clock.now, draft.outcome, draft.error.as_deref(), None).await {
                tracing::warn!(seq, "recording an undo write's outcome in the write-ahead log failed: {e}");
            }
        }
        match draft.outcome {
            Outcome::Applied | Outcome::DryRun => report.restored += 1,
            _ => report.failures.push(format!("{entity:?}: {}", draft.error.clone().unwrap_or_default())),
        }
        if draft.outcome == Outcome::Failed {
            draft.after = draft.before.clone();
        }
        log.push(draft);
    }
    match audit::write(store.as_ref(), clock.as_of, &id, &log).await {
        Ok(k) => report.audit_key = Some(k),
        Err(e) => report.failures.push(format!("writing the undo's audit log: {e}")),
    }
    Ok(report)
}
