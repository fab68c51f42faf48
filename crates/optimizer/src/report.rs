//! The daily report, written to be read as an email: the headline numbers, then what changed and why,
//! then what was held back.

use std::collections::BTreeMap;
use std::fmt::Write;

use linkedin_core::CampaignId;
use linkedin_core::decisions::{Action, Decision, Entity};
use rust_decimal::prelude::ToPrimitive;

use crate::audit::Outcome;
use crate::config::Settings;
use crate::run::OptimizeReport;

pub struct Text {
    pub subject: String,
    pub body: String,
}

fn entity(e: &Entity) -> String {
    match e {
        Entity::Creative { id, .. } => format!("creative {id}"),
        Entity::Campaign { id } => format!("campaign {id}"),
    }
}

fn action(a: &Action) -> String {
    match a {
        Action::Pause => "pause".into(),
        Action::Resume => "resume".into(),
        Action::Keep => "keep".into(),
        Action::FlagWinner => "winner".into(),
        Action::SetBid { from, to } => format!("bid ${from:.2} → ${to:.2}"),
        Action::SetDailyBudget { from, to } => format!("daily budget ${from:.2} → ${to:.2}"),
        Action::Publish => "new creative".into(),
    }
}

/// `store` is where the audit log lives (`s3://bucket` or a folder), so the email links to it in full.
pub fn text(report: &OptimizeReport, decisions: &[Decision], settings: &Settings, store: &str) -> Text {
    let dry = if report.dry_run { "[DRY RUN] " } else { "" };
    let c = &report.counts;
    let resumed = if c.resumed > 0 { format!(", {} resumed", c.resumed) } else { String::new() };
    let dry = if report.unsafe_guardrails.is_empty() { dry.to_string() } else { format!("{dry}[UNSAFE GUARDRAILS] ") };
    let subject = format!(
        "{dry}LinkedIn Ads {}: {} paused{resumed}, {} bid, {} budget changes, {} winners",
        report.as_of, c.paused, c.bid_changes, c.budget_changes, c.winners
    );
    let mut b = String::new();
    let _ = writeln!(b, "LinkedIn Ads optimizer, {} (run {})", report.as_of, report.run_id);
    if report.dry_run {
        let _ = writeln!(b, "DRY RUN: nothing below was written to LinkedIn.");
    }
    if !report.unsafe_guardrails.is_empty() {
        let _ = writeln!(
            b,
            "UNSAFE GUARDRAILS (GUARDRAILS_UNSAFE_OVERRIDE=true): {}.",
            report.unsafe_guardrails.join(", ")
        );
    }
    let policy = settings.params.policy.name();
    let _ = writeln!(b);
    if let Some(w) = report.window {
        let ctr = if report.impressions > 0 { report.clicks as f64 / report.impressions as f64 * 100.0 } else { 0.0 };
        let _ = writeln!(b, "Last {} days ({}):", w.days().count(), w);
        let _ = writeln!(
            b,
            "  spend ${:.2}, {} impressions, {} clicks (CTR {ctr:.2}%), {:.1} conversions",
            report.spend_usd, report.impressions, report.clicks, report.conversions
        );
        if report.conversions > 0.0 {
            let cpa = report.spend_usd.to_f64().unwrap_or(0.0) / report.conversions;
            let _ =
                writeln!(b, "  cost per conversion ${cpa:.2} (the last 7 days' conversions are still being restated)");
        }
    }
    let bids = match settings.params.policy {
        // The conversions policy sets bids from each campaign's own response; it uses no bid model.
        linkedin_core::decisions::Policy::Conversions => "learned from each campaign's bid response".to_string(),
        _ => report.bid_model.clone(),
    };
    let _ = writeln!(b, "Policy: {policy}. Bids: {bids}.");
    if !report.conversion_lag.is_empty() {
        let _ = writeln!(
            b,
            "Conversion lag (share of a day's conversions reported by its age): {}.",
            report.conversion_lag
        );
    }
    if !report.creative_prior.is_empty() {
        let _ = writeln!(b, "New creatives: {}.", report.creative_prior);
    }
    for r in &report.recovered {
        let _ = writeln!(b, "\nRECOVERED: {r}.");
    }
    if let Some(s) = &report.stale {
        let _ = writeln!(b, "\nNO CHANGES MADE: {s}");
    }
    for f in &report.failures {
        let _ = writeln!(b, "\nFAILED: {f}");
    }

    // `act` logs one line per decision, in order.
    let changed: Vec<(&Decision, Outcome)> = decisions
        .iter()
        .zip(report.lines.iter().map(|l| l.outcome))
        .filter(|(_, o)| matches!(o, Outcome::Applied | Outcome::DryRun | Outcome::Failed))
        .collect();
    let _ = writeln!(b, "\nChanges ({}):", changed.len());
    if changed.is_empty() {
        let _ = writeln!(b, "  none");
    }
    let mut by_campaign: BTreeMap<CampaignId, Vec<(&Decision, Outcome)>> = BTreeMap::new();
    for (d, o) in &changed {
        by_campaign.entry(d.entity.campaign()).or_default().push((d, *o));
    }
    for (campaign, ds) in by_campaign {
        let _ = writeln!(b, "  campaign {campaign}");
        for (d, outcome) in ds {
            let status = match outcome {
                Outcome::Failed => " (FAILED)",
                Outcome::DryRun => " (dry run)",
                _ => "",
            };
            let _ = writeln!(b, "    {} {}{status}: {}", action(&d.action), entity(&d.entity), d.reason);
        }
    }
    let winners: Vec<&Decision> = decisions.iter().filter(|d| d.action == Action::FlagWinner).collect();
    let _ = writeln!(b, "\nTop performers ({}):", winners.len());
    for d in &winners {
        let _ = writeln!(b, "  {}: {}", entity(&d.entity), d.reason);
    }
    // The guardrails' and the write-time checks' (changed at LinkedIn since read, writes held today).
    let held: Vec<&crate::audit::AuditLine> =
        report.lines.iter().filter(|l| l.outcome == Outcome::Skipped && l.action.writes()).collect();
    let _ = writeln!(b, "\nHeld back ({}):", held.len());
    for l in &held {
        let _ = writeln!(
            b,
            "  {} {}: {}",
            action(&l.action),
            entity(&l.entity),
            l.skipped_because.as_deref().unwrap_or("")
        );
    }
    match &report.audit_key {
        Some(key) => writeln!(b, "\nEvery decision, with its numbers: {store}/{key}"),
        None => writeln!(b, "\nEvery decision, with its numbers: (audit log not written)"),
    }
    .expect("writing to a String");
    let _ = writeln!(b, "Undo this run: linkedin-ads undo --run {}", report.run_id);
    Text { subject, body: b }
}
