//! `linkedin-ads undo --run <run-id>`: restores the "before" state of every change a run applied
//! (an optimizer run, an undo, or a `copy approve`, whose new creative is paused).
//!
//! Only entities still in the state the run left them in are restored: if someone (or a later run)
//! changed a bid since, putting the old one back would overwrite their decision, so that entity is
//! skipped and named. The undo writes its own audit log (`undo_of` = the run), so it can itself be
//! undone, and honours dry-run.

use std::sync::Arc;

use chrono::NaiveDate;
use linkedin_core::RunClock;
use linkedin_core::decisions::{Action, Entity};
use linkedin_core::layout::RunId;
use linkedin_core::linkedin::LinkedInClient;
use linkedin_core::linkedin::creatives::CreativeStatus;
use linkedin_core::money::Money;
use linkedin_core::store::ObjectStore;
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

async fn current(client: &LinkedInClient, entity: Entity) -> Result<EntityState, String> {
    match entity {
        Entity::Creative { id, .. } => client.get_creative(id).await.map(|c| EntityState::of_creative(&c)),
        Entity::Campaign { id } => client.get_campaign(id).await.map(|c| EntityState::of_campaign(&c)),
    }
    .map_err(|e| e.to_string())
}

/// The part of the state `action` changed, compared on what it touched only.
fn still_as_left(action: &Action, now: &EntityState, after: &EntityState) -> bool {
    match action {
        Action::Pause | Action::Resume | Action::Publish => now.status == after.status,
        Action::SetBid { .. } => now.bid.map(|b| b.normalize()) == after.bid.map(|b| b.normalize()),
        Action::SetDailyBudget { .. } => {
            now.daily_budget.map(|b| b.normalize()) == after.daily_budget.map(|b| b.normalize())
        }
        Action::Keep | Action::FlagWinner => false,
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

pub async fn undo(
    store: Arc<dyn ObjectStore>,
    client: &LinkedInClient,
    run: &RunId,
    clock: RunClock,
    dry_run: bool,
) -> Result<UndoReport, String> {
    let lines = audit::read_run(store.as_ref(), run).await?;
    let id = RunId::new(clock.now);
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
        let now = match current(client, entity).await {
            Ok(s) => s,
            Err(e) => {
                report.failures.push(format!("reading {:?}: {e}", line.entity));
                continue;
            }
        };
        if !still_as_left(&line.action, &now, &line.after) {
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
        let b = &restore;
        let currency = b.currency.clone().unwrap_or_else(|| "USD".into());
        let (action, outcome, error) = {
            let action = match line.action {
                Action::Pause => Action::Resume,
                Action::Resume => Action::Pause,
                Action::SetBid { from, to } => Action::SetBid { from: to, to: from },
                Action::SetDailyBudget { from, to } => Action::SetDailyBudget { from: to, to: from },
                Action::Publish => Action::Pause,
                other => other,
            };
            if dry_run {
                (action, Outcome::DryRun, None)
            } else {
                let result = match (entity, line.action) {
                    (Entity::Creative { id, .. }, Action::Pause | Action::Resume | Action::Publish) => {
                        let status = CreativeStatus::from(b.status.clone().unwrap_or_else(|| "ACTIVE".into()));
                        client.set_creative_status(id, &status).await
                    }
                    (Entity::Campaign { id }, Action::SetBid { from, .. }) => {
                        client.set_campaign_bid(id, &Money::new(b.bid.unwrap_or(from), currency)).await
                    }
                    (Entity::Campaign { id }, Action::SetDailyBudget { from, .. }) => {
                        client
                            .set_campaign_daily_budget(id, &Money::new(b.daily_budget.unwrap_or(from), currency))
                            .await
                    }
                    _ => continue,
                };
                match result {
                    Ok(_) => (action, Outcome::Applied, None),
                    Err(e) => (action, Outcome::Failed, Some(e.to_string())),
                }
            }
        };
        match outcome {
            Outcome::Applied | Outcome::DryRun => report.restored += 1,
            _ => report.failures.push(format!("{entity:?}: {}", error.clone().unwrap_or_default())),
        }
        log.push(AuditLine {
            run_id: id.clone(),
            as_of: clock.as_of,
            at: clock.now,
            dry_run,
            entity,
            action,
            outcome,
            reason: format!("undo of run {run}"),
            skipped_because: None,
            stats: None,
            before: now,
            after: restore,
            error,
            params: None,
            undo_of: Some(run.clone()),
            published: None,
        });
    }
    match audit::write(store.as_ref(), clock.as_of, &id, &log).await {
        Ok(k) => report.audit_key = Some(k),
        Err(e) => report.failures.push(format!("writing the undo's audit log: {e}")),
    }
    Ok(report)
}
