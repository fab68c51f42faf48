//! `linkedin-ads copy approve <batch> <variation>` (and `AUTO_PUBLISH`): one reviewed variation
//! becomes a new Sponsored Content creative in the batch's source campaign.
//!
//! The new post borrows what the copy generator does not write from the best winner of that campaign:
//! its author (the company page), its image or article, and its landing page. Only the text changes.
//! The write is a `createInline` call (post and creative in one request), checked before it is made:
//! the copy is validated again (a reviewer may have edited the JSON), the campaign must still be able
//! to take a creative, and a variation is published once (the audit log, and the creative's unique
//! name in the campaign, which also makes a repeat after a lost answer safe). Every attempt, dry runs and failures
//! included, is an audit line in `logs/optimizer_actions/` with `action: publish`, so `undo --run`
//! pauses the creative again.

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use linkedin_core::RunClock;
use linkedin_core::audit::{self, AuditLine, EntityState, Outcome, Published};
use linkedin_core::decisions::{Action, Entity};
use linkedin_core::layout::{self, RunId};
use linkedin_core::linkedin::campaigns::CampaignStatus;
use linkedin_core::linkedin::creatives::{CreativeStatus, InlineCreative, InlineVisual};
use linkedin_core::linkedin::posts::AdCopy;
use linkedin_core::linkedin::{ApiError, LinkedInClient};
use linkedin_core::raw::parse_ndjson;
use linkedin_core::store::ObjectStore;
use linkedin_core::write_ahead::{self, Journal};
use linkedin_core::{CampaignId, CreativeId};
use serde::Serialize;

use crate::run::{Batch, PENDING_PREFIX};
use crate::validate;
use crate::variation::Angle;

/// A batch older than this is refused: its winners, and so its brief, have moved on.
pub const MAX_BATCH_AGE_DAYS: i64 = 28;
/// `createInline` attempts when the answers leave open whether the creative was made.
pub const CREATE_ATTEMPTS: u32 = 3;

/// Whether a failed create may still have made the creative: LinkedIn failed after receiving it.
fn may_have_created(e: &ApiError) -> bool {
    matches!(e, ApiError::Rejected { status: 500..=504, .. } | ApiError::Network { .. })
}

/// The new creative's name: unique per batch and variation, so it doubles as an idempotency key.
pub fn creative_name(batch: &RunId, rank: usize, angle: Angle) -> String {
    format!("copy {batch} #{rank} {}", angle.as_str())
}

/// LinkedIn's cap on creatives per campaign.
pub const MAX_CREATIVES_PER_CAMPAIGN: usize = 100;

/// Which variation of a batch: its rank (1 = best predicted CTR, as the Markdown numbers them) or its
/// angle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Rank(usize),
    Angle(Angle),
}

impl std::str::FromStr for Pick {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(n) = s.parse::<usize>() {
            return Ok(Pick::Rank(n));
        }
        let wanted = s.to_ascii_lowercase().replace('-', "_");
        Angle::ALL.into_iter().find(|a| a.as_str() == wanted).map(Pick::Angle).ok_or_else(|| {
            let angles: Vec<&str> = Angle::ALL.iter().map(|a| a.as_str()).collect();
            format!(
                "'{s}' is not a variation: give its number (1-5, as in the batch's .md) or its angle ({})",
                angles.join(", ")
            )
        })
    }
}

/// What one approval did.
#[derive(Debug, Clone, Serialize)]
pub struct ApproveReport {
    pub run_id: RunId,
    pub batch_key: String,
    pub variation: usize,
    pub angle: Angle,
    pub campaign: CampaignId,
    pub dry_run: bool,
    pub outcome: Outcome,
    /// The new creative (not in a dry run).
    pub creative: Option<CreativeId>,
    /// The `createInline` body, as sent (or as it would have been).
    pub request: serde_json::Value,
    pub audit_key: Option<String>,
    pub failures: Vec<String>,
}

impl ApproveReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn summary(&self) -> String {
        match (self.outcome, self.creative) {
            (Outcome::Applied, Some(c)) => format!(
                "published variation {} ({}) of {} as creative {} in campaign {}",
                self.variation,
                self.angle.as_str(),
                self.batch_key,
                c.0,
                self.campaign.0
            ),
            (Outcome::DryRun, _) => format!(
                "dry run: variation {} ({}) of {} would be published in campaign {}",
                self.variation,
                self.angle.as_str(),
                self.batch_key,
                self.campaign.0
            ),
            _ => format!(
                "publishing variation {} of {} failed: {}",
                self.variation,
                self.batch_key,
                self.failures.join("; ")
            ),
        }
    }
}

/// Publishes approved variations.
pub struct Publisher {
    pub store: Arc<dyn ObjectStore>,
    pub client: Arc<LinkedInClient>,
    /// `DRY_RUN`: check and log everything, create nothing.
    pub dry_run: bool,
}

/// The batch saved under `copy/pending/` whose id (or key) is `batch`.
pub async fn load_batch(store: &dyn ObjectStore, batch: &str) -> Result<(String, Batch), String> {
    let batch = batch.trim();
    let key = if batch.starts_with(PENDING_PREFIX) && batch.ends_with(".json") {
        batch.to_string()
    } else {
        // The key's day is the run's as-of day, which a backfill sets apart from the id's time:
        // search the (weekly, so short) list.
        let keys =
            store.list(&format!("{PENDING_PREFIX}/")).await.map_err(|e| format!("listing {PENDING_PREFIX}/: {e}"))?;
        let suffix = format!("/{batch}.json");
        match keys.iter().find(|m| m.key.ends_with(&suffix)) {
            Some(m) => m.key.clone(),
            None => {
                let mut recent: Vec<&str> = keys
                    .iter()
                    .filter(|m| m.key.ends_with(".json"))
                    .filter_map(|m| m.key.rsplit('/').next()?.strip_suffix(".json"))
                    .collect();
                recent.sort_unstable();
                recent.reverse();
                recent.truncate(5);
                return Err(format!(
                    "no batch '{batch}' under {PENDING_PREFIX}/ in {}; recent batches: {}",
                    store.describe(),
                    if recent.is_empty() { "none (run generate-copy first)".into() } else { recent.join(", ") }
                ));
            }
        }
    };
    let bytes = store
        .get(&key)
        .await
        .map_err(|e| format!("reading {key}: {e}"))?
        .ok_or_else(|| format!("{key} does not exist in {}", store.describe()))?;
    let b = parse_batch(&key, &bytes)?;
    Ok((key, b))
}

/// A batch file (reviewers may have edited it by hand); the error names `key` and the fix.
pub fn parse_batch(key: &str, bytes: &[u8]) -> Result<Batch, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("{key} is not a readable batch ({e}); fix the JSON by hand or generate a new batch"))
}

/// The variation's rank (from 1) in the batch.
pub fn rank_of(batch: &Batch, pick: Pick) -> Result<usize, String> {
    let n = batch.variations.len();
    match pick {
        Pick::Rank(r) if (1..=n).contains(&r) => Ok(r),
        Pick::Rank(r) => Err(format!("variation {r} does not exist: the batch has variations 1 to {n}")),
        Pick::Angle(a) => batch
            .variations
            .iter()
            .position(|v| v.variation.angle == a)
            .map(|i| i + 1)
            .ok_or_else(|| format!("the batch has no {} variation", a.as_str())),
    }
}

/// An earlier applied publish of the same variation, found in the audit logs since the batch's day.
async fn published_before(
    store: &dyn ObjectStore,
    batch: &RunId,
    rank: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<AuditLine>, String> {
    let mut day = from;
    while day <= to {
        let prefix = layout::partition(audit::ACTIONS_PREFIX, day);
        for meta in store.list(&prefix).await.map_err(|e| format!("listing {prefix}: {e}"))? {
            let Some(bytes) = store.get(&meta.key).await.map_err(|e| format!("reading {}: {e}", meta.key))? else {
                continue;
            };
            let (lines, _) = parse_ndjson::<AuditLine>(&bytes);
            if let Some(l) = lines.into_iter().find(|l| {
                l.action == Action::Publish
                    && l.outcome == Outcome::Applied
                    && l.published.as_ref().is_some_and(|p| &p.batch == batch && p.variation == rank)
            }) {
                return Ok(Some(l));
            }
        }
        day += TimeDelta::days(1);
    }
    Ok(None)
}

impl Publisher {
    /// `copy approve`: loads the batch and publishes the chosen variation.
    pub async fn approve(&self, batch: &str, pick: Pick, clock: RunClock) -> Result<ApproveReport, String> {
        let (key, b) = load_batch(self.store.as_ref(), batch).await?;
        let rank = rank_of(&b, pick)?;
        self.publish(&key, &b, rank, clock, "approved with copy approve").await
    }

    /// Publishes variation `rank` (from 1) of `batch`. `Err`: a check refused it and nothing was
    /// written anywhere; `Ok` with failures: the attempt was made and logged.
    pub async fn publish(
        &self,
        batch_key: &str,
        batch: &Batch,
        rank: usize,
        clock: RunClock,
        why: &str,
    ) -> Result<ApproveReport, String> {
        self.client.begin_run();
        let scored = batch.variations.get(rank.wrapping_sub(1)).ok_or_else(|| format!("no variation {rank}"))?;
        let v = &scored.variation;
        let age = (clock.as_of - batch.as_of).num_days();
        if age > MAX_BATCH_AGE_DAYS {
            return Err(format!(
                "{batch_key} is {age} days old (more than {MAX_BATCH_AGE_DAYS}): its winners have moved on; generate a new batch"
            ));
        }
        // Reviewers may edit the JSON: the copy must still pass every check the generator's did.
        let problems: Vec<String> =
            validate::validate(&batch.variations.iter().map(|s| s.variation.clone()).collect::<Vec<_>>(), &batch.brief)
                .into_iter()
                .filter(|p| p.angle == v.angle)
                .map(|p| p.to_string())
                .collect();
        if !problems.is_empty() {
            return Err(format!("variation {rank} of {batch_key} fails validation: {}", problems.join("; ")));
        }
        let run_id = RunId::new(clock.now);
        // A publish that died before its audit line (a crash, a timeout) is settled from LinkedIn
        // first, so the check below sees it and the creative it made can be undone.
        let recovery = write_ahead::recover(
            self.store.as_ref(),
            &self.client,
            &run_id,
            clock.now,
            clock.now - TimeDelta::days(MAX_BATCH_AGE_DAYS),
        )
        .await;
        if !recovery.hold.is_empty() {
            return Err(format!("{}; nothing was published", recovery.hold.join("; ")));
        }
        if let Some(l) = published_before(self.store.as_ref(), &batch.batch, rank, batch.as_of, clock.as_of).await? {
            let creative = l.published.and_then(|p| p.creative).map(|c| c.0.to_string()).unwrap_or_else(|| "?".into());
            return Err(format!(
                "variation {rank} of {batch_key} was already published on {} as creative {creative} (run {}); it is not published twice",
                l.as_of, l.run_id
            ));
        }

        let campaign_id = CampaignId(batch.source_campaign);
        let (template, inline) = self.build(batch, rank, campaign_id).await?;
        let request = inline.to_json(self.client.account());
        let created = EntityState { status: Some(inline.intended_status.as_str().to_string()), ..Default::default() };
        let mut line = AuditLine {
            run_id: run_id.clone(),
            as_of: clock.as_of,
            at: clock.now,
            dry_run: self.dry_run,
            entity: Entity::Campaign { id: campaign_id },
            action: Action::Publish,
            outcome: Outcome::DryRun,
            reason: format!(
                "{why}: variation {rank} ({}) of batch {}, predicted CTR {}",
                v.angle.as_str(),
                batch.batch,
                scored.predicted_ctr.map(|c| format!("{:.2}%", c * 100.0)).unwrap_or_else(|| "n/a".into())
            ),
            skipped_because: None,
            stats: None,
            before: EntityState::default(),
            after: created,
            error: None,
            params: None,
            undo_of: None,
            published: Some(Published {
                batch_key: batch_key.to_string(),
                batch: batch.batch.clone(),
                variation: rank,
                angle: v.angle.as_str().to_string(),
                predicted_ctr: scored.predicted_ctr,
                template_creative: template,
                copy: AdCopy {
                    intro_text: Some(v.intro_text.clone()),
                    headline: Some(v.headline.clone()),
                    description: Some(v.description.clone()),
                    call_to_action: Some(v.call_to_action.clone()),
                    landing_page: match &inline.visual {
                        InlineVisual::Article { source, .. } => Some(source.clone()),
                        InlineVisual::Media { landing_page, .. } => landing_page.clone(),
                    },
                },
                creative: None,
            }),
            recovered_by: None,
        };
        let mut creative = None;
        if !self.dry_run {
            // Recorded before it is sent (with the name a reconciling run finds it by), settled after.
            let journal = Journal::new(self.store.as_ref(), clock.as_of, &run_id);
            line.outcome = Outcome::Applied;
            let seq = journal
                .intend(&line, Some(&inline.name))
                .await
                .map_err(|e| format!("recording the intent in the write-ahead log: {e}; nothing was published"))?;
            match self.create(&inline).await {
                Ok(id) => creative = Some(id),
                Err(e) => {
                    line.outcome = Outcome::Failed;
                    line.error = Some(e);
                    line.after = EntityState::default();
                }
            }
            if let Some(p) = line.published.as_mut() {
                p.creative = creative;
            }
            if let Err(e) = journal.settle(seq, clock.now, line.outcome, line.error.as_deref(), creative).await {
                tracing::warn!(seq, "recording the publish's outcome in the write-ahead log failed: {e}");
            }
        }
        let (outcome, error) = (line.outcome, line.error.clone());
        let mut report = ApproveReport {
            run_id: run_id.clone(),
            batch_key: batch_key.to_string(),
            variation: rank,
            angle: v.angle,
            campaign: campaign_id,
            dry_run: self.dry_run,
            outcome,
            creative,
            request,
            audit_key: None,
            failures: error.into_iter().collect(),
        };
        match audit::write(self.store.as_ref(), clock.as_of, &run_id, &[line]).await {
            Ok(k) => report.audit_key = Some(k),
            Err(e) => report.failures.push(format!(
                "writing the audit log: {e}{}",
                creative.map(|c| format!(" (creative {} WAS created)", c.0)).unwrap_or_default()
            )),
        }
        if let Some(e) = self.client.auth_events().await.write_back_error {
            report.failures.push(format!("the refreshed LinkedIn token could not be saved: {e}"));
        }
        Ok(report)
    }

    /// `createInline`, made safe to repeat: after an answer that leaves open whether LinkedIn made
    /// the creative (5xx, a dropped connection), the campaign is searched for the creative's unique
    /// name before asking again, so a lost answer never becomes a second ad.
    async fn create(&self, inline: &InlineCreative) -> Result<CreativeId, String> {
        let mut last = String::new();
        for attempt in 1..=CREATE_ATTEMPTS {
            match self.client.create_inline(inline).await {
                Ok(id) => return Ok(id),
                Err(e) if may_have_created(&e) => {
                    tracing::warn!(attempt, error = %e, "createInline failed; looking for the creative before trying again");
                    last = e.to_string();
                    let found = self
                        .client
                        .find_creatives(&[inline.campaign])
                        .await
                        .map_err(|e| format!("{last}; then listing the campaign's creatives to check: {e}; look in Campaign Manager for '{}' before approving again", inline.name))?;
                    if let Some(c) = found.iter().find(|c| c.name.as_deref() == Some(inline.name.as_str())) {
                        return Ok(c.id);
                    }
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(format!(
            "{last} ({CREATE_ATTEMPTS} attempts; before each repeat the campaign held no creative named '{}')",
            inline.name
        ))
    }

    /// The request: the variation's text on the template's post (the campaign's best winner).
    async fn build(
        &self,
        batch: &Batch,
        rank: usize,
        campaign_id: CampaignId,
    ) -> Result<(CreativeId, InlineCreative), String> {
        let v = &batch.variations[rank - 1].variation;
        let campaign = self
            .client
            .get_campaign(campaign_id)
            .await
            .map_err(|e| format!("reading campaign {}: {e}", campaign_id.0))?;
        if !matches!(campaign.status, CampaignStatus::Active | CampaignStatus::Paused) {
            return Err(format!(
                "campaign {} is {}: LinkedIn takes new creatives in ACTIVE or PAUSED campaigns only",
                campaign_id.0,
                campaign.status.as_str()
            ));
        }
        let existing = self
            .client
            .find_creatives(&[campaign_id])
            .await
            .map_err(|e| format!("listing campaign {}'s creatives: {e}", campaign_id.0))?;
        if existing.len() >= MAX_CREATIVES_PER_CAMPAIGN {
            return Err(format!(
                "campaign {} has {} creatives, LinkedIn's limit is {MAX_CREATIVES_PER_CAMPAIGN}: archive some first",
                campaign_id.0,
                existing.len()
            ));
        }
        let name = creative_name(&batch.batch, rank, v.angle);
        if let Some(c) = existing.iter().find(|c| c.name.as_deref() == Some(name.as_str())) {
            // Made by an earlier attempt whose answer or audit line was lost.
            return Err(format!(
                "campaign {} already has creative {} named '{name}': variation {rank} was published before; it is not published twice",
                campaign_id.0, c.id.0
            ));
        }
        let winner =
            batch.brief.winners.iter().find(|w| w.campaign_id == campaign_id.0).ok_or_else(|| {
                format!("the batch names campaign {} but none of its winners is in it", campaign_id.0)
            })?;
        let template = CreativeId(winner.creative_id);
        let creative = existing.iter().find(|c| c.id == template).ok_or_else(|| {
            format!("creative {} (the template) is no longer in campaign {}", template.0, campaign_id.0)
        })?;
        let post_urn = creative.post().ok_or_else(|| {
            format!("creative {} is not Sponsored Content (no post): it cannot lend its image and page", template.0)
        })?;
        let post = self.client.get_post(post_urn).await.map_err(|e| format!("reading post {}: {e}", post_urn.0))?;
        let author = post.author.clone().filter(|a| a.starts_with("urn:li:organization:")).ok_or_else(|| {
            format!("post {} has no organization author: an ad must speak for a company page", post_urn.0)
        })?;
        let content = post.content.clone().unwrap_or_default();
        let landing = post.content_landing_page.clone().or_else(|| winner.landing_page.clone());
        let visual = match (content.article, content.media) {
            (Some(a), _) => InlineVisual::Article {
                source: a
                    .source
                    .or(landing)
                    .ok_or_else(|| format!("post {}'s article has no source URL to link the new ad to", post_urn.0))?,
                thumbnail: a.thumbnail,
            },
            (None, Some(m)) => InlineVisual::Media {
                id: m.id.ok_or_else(|| format!("post {}'s media has no id", post_urn.0))?,
                landing_page: landing,
            },
            (None, None) => {
                return Err(format!(
                    "post {} has neither an article nor an image: nothing to put the new copy on",
                    post_urn.0
                ));
            }
        };
        let inline = InlineCreative {
            campaign: campaign_id,
            name,
            intended_status: CreativeStatus::Active,
            author,
            commentary: v.intro_text.clone(),
            headline: v.headline.clone(),
            description: Some(v.description.clone()).filter(|d| !d.trim().is_empty()),
            call_to_action: Some(v.call_to_action.clone()),
            visual,
        };
        Ok((template, inline))
    }
}
