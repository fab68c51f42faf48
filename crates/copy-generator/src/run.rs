//! One copy-generator run: study the winners, generate, validate, score, save the batch for review.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use linkedin_core::RunClock;
use linkedin_core::layout::{self, RunId};
use linkedin_core::metrics::{MetricSet, MetricsSink};
use linkedin_core::model::{self, ModelKind, Predictor};
use linkedin_core::performance::{DateWindow, PerformanceSource};
use linkedin_core::store::ObjectStore;
use serde::{Deserialize, Serialize};

use crate::approve::{ApproveReport, Publisher};
use crate::brief;
use crate::generator::Generator;
use crate::score::{self, Scored};
use crate::validate;
use crate::variation::Brief;

/// Where batches wait for review.
pub const PENDING_PREFIX: &str = "copy/pending";
/// Days of performance the winners are chosen on (the job runs weekly; a week is too few impressions
/// for most creatives).
pub const WINDOW_DAYS: u32 = 28;
/// Impressions a creative needs to count as a winner.
pub const MIN_IMPRESSIONS: u64 = 1_000;

pub fn batch_key(day: NaiveDate, batch: &RunId) -> String {
    format!("{}{batch}.json", layout::partition(PENDING_PREFIX, day))
}

pub struct CopyGenerator {
    pub store: Arc<dyn ObjectStore>,
    pub performance: Arc<dyn PerformanceSource>,
    pub generator: Arc<dyn Generator>,
    /// `CREATIVE_SCORER_ENDPOINT`; `None`: the native model in the store, else the heuristic.
    pub scorer_endpoint: Option<Arc<dyn Predictor>>,
    pub metrics: Arc<dyn MetricsSink>,
    /// `AUTO_PUBLISH=true`: publishes each batch's best-ranked variation. `None`: a human approves.
    pub auto_publish: Option<Publisher>,
}

/// The saved batch: what a reviewer reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub batch: RunId,
    pub as_of: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub window: DateWindow,
    pub generator: String,
    pub scorer: String,
    pub api_calls: u32,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    pub repaired: bool,
    /// The campaign an approved variation is published to: the best winner's.
    pub source_campaign: u64,
    pub brief: Brief,
    /// Best predicted CTR first.
    pub variations: Vec<Scored>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub job: &'static str,
    pub batch: RunId,
    pub as_of: NaiveDate,
    pub winners: usize,
    pub generator: String,
    pub variations: usize,
    pub batch_key: Option<String>,
    pub markdown_key: Option<String>,
    pub cost_usd: Option<f64>,
    /// Why no batch was written when that is not a failure (no winner yet).
    pub skipped: Option<String>,
    /// Unreadable inputs that were skipped.
    pub problems: Vec<String>,
    /// What `AUTO_PUBLISH` did.
    pub published: Option<ApproveReport>,
    /// Why `AUTO_PUBLISH` published nothing (a check refused it; nothing was sent).
    pub publish_refused: Option<String>,
    pub failures: Vec<String>,
}

impl CopyReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn summary(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("copy-generator {}: no batch: {why}", self.as_of);
        }
        match &self.batch_key {
            Some(k) => {
                format!(
                    "copy-generator {}: {} variations from {} winners by {}, saved to {k}{}",
                    self.as_of,
                    self.variations,
                    self.winners,
                    self.generator,
                    match (&self.published, &self.publish_refused) {
                        (Some(p), _) => format!("; AUTO_PUBLISH: {}", p.summary()),
                        (None, Some(why)) => format!("; AUTO_PUBLISH refused: {why}"),
                        (None, None) => String::new(),
                    }
                ) + &if self.failures.is_empty() {
                    String::new()
                } else {
                    format!("; FAILED: {}", self.failures.join("; "))
                }
            }
            None => format!("copy-generator {}: no batch ({})", self.as_of, self.failures.join("; ")),
        }
    }
}

impl CopyGenerator {
    pub async fn run(&self, clock: RunClock) -> CopyReport {
        let batch = RunId::new(clock.now);
        let mut report = CopyReport {
            job: "copy-generator",
            batch: batch.clone(),
            as_of: clock.as_of,
            winners: 0,
            generator: self.generator.describe(),
            variations: 0,
            batch_key: None,
            markdown_key: None,
            cost_usd: None,
            skipped: None,
            problems: Vec::new(),
            published: None,
            publish_refused: None,
            failures: Vec::new(),
        };
        if let Err(e) = self.generate(clock, &batch, &mut report).await {
            report.failures.push(e);
        }
        let token_save_failures = match &self.auto_publish {
            Some(p) => p.client.auth_events().await.save_failures,
            None => 0,
        };
        let mut m = MetricSet::new(clock.now, "copy-generator");
        m.count("Runs", 1.0)
            .count("Variations", report.variations as f64)
            .count("Failures", report.failures.len() as f64)
            .count("TokenSaveFailures", token_save_failures as f64)
            .value("CostUSD", report.cost_usd.unwrap_or(0.0), linkedin_core::metrics::Unit::None);
        self.metrics.emit(&m);
        report
    }

    async fn generate(&self, clock: RunClock, batch: &RunId, report: &mut CopyReport) -> Result<(), String> {
        let window = DateWindow::last(clock.as_of - TimeDelta::days(1), WINDOW_DAYS);
        let study = brief::study(self.performance.as_ref(), self.store.as_ref(), window, MIN_IMPRESSIONS).await?;
        report.problems.extend(study.problems);
        report.winners = study.brief.winners.len();
        let Some(source_campaign) = study.brief.winners.first().map(|w| w.campaign_id) else {
            // A new account: not an error, nothing to learn from yet.
            report.skipped = Some(format!("no creative had {MIN_IMPRESSIONS} impressions in {window} yet"));
            return Ok(());
        };
        let generated = self.generator.generate(&study.brief).await?;
        // Every generator's output is checked the same way, the offline one included.
        let problems = validate::validate(&generated.variations, &study.brief);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            return Err(format!("{} produced invalid copy: {}", self.generator.describe(), list.join("; ")));
        }
        let (scorer, problem) =
            model::resolve(ModelKind::CreativeScorer, self.store.as_ref(), self.scorer_endpoint.as_ref()).await;
        if let Some(e) = problem {
            report.failures.push(format!("{e}; the variations were scored with the heuristic"));
        }
        let (scored, scorer, problem) = score::score(generated.variations, scorer.as_ref(), &study.known).await;
        if let Some(p) = problem {
            report.failures.push(format!("{p}; the variations were scored with the heuristic"));
        }
        report.variations = scored.len();
        report.cost_usd = generated.cost_usd;
        let b = Batch {
            batch: batch.clone(),
            as_of: clock.as_of,
            generated_at: clock.now,
            window,
            generator: self.generator.describe(),
            scorer,
            api_calls: generated.calls,
            input_tokens: generated.usage.map(|u| u.0),
            output_tokens: generated.usage.map(|u| u.1),
            cost_usd: generated.cost_usd,
            repaired: generated.repaired,
            source_campaign,
            brief: study.brief,
            variations: scored,
        };
        let key = batch_key(clock.as_of, batch);
        let json = serde_json::to_vec_pretty(&b).expect("a batch serialises");
        self.store.put(&key, json, "application/json").await.map_err(|e| format!("saving {key}: {e}"))?;
        report.batch_key = Some(key.clone());
        let md = key.replace(".json", ".md");
        self.store
            .put(&md, markdown(&b).into_bytes(), "text/markdown; charset=utf-8")
            .await
            .map_err(|e| format!("saving {md}: {e}"))?;
        report.markdown_key = Some(md);
        if let Some(p) = &self.auto_publish {
            // A refusal (published before, campaign full, a template post without a landing page) is a
            // guardrail doing its work, like an optimizer skip: reported, not a failed run.
            match p.publish(&key, &b, 1, clock, "AUTO_PUBLISH (best predicted CTR)").await {
                Ok(published) => {
                    report.failures.extend(published.failures.iter().cloned());
                    report.published = Some(published);
                }
                Err(why) => {
                    tracing::warn!(batch = %key, "AUTO_PUBLISH did not publish: {why}");
                    report.publish_refused = Some(why);
                }
            }
        }
        Ok(())
    }
}

/// The batch as a reviewer reads it.
pub fn markdown(b: &Batch) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Ad copy for review: batch {} ({})\n", b.batch, b.as_of);
    let _ = writeln!(s, "Written by **{}**; scored by {}.", b.generator, b.scorer);
    if let Some(cost) = b.cost_usd {
        let _ = writeln!(s, "{} API call(s), ${cost:.4}.", b.api_calls);
    }
    let _ = writeln!(
        s,
        "\nTo publish variation N as a new creative in campaign {} (the best winner's, whose image and \
         landing page it reuses): `linkedin-ads copy approve {} N` (`--dry-run` first to see the request).\n",
        b.source_campaign, b.batch
    );
    let _ = writeln!(s, "## Why: the winners ({})\n", b.window);
    for w in &b.brief.winners {
        let _ = writeln!(s, "- {:.2}% CTR over {} impressions: \"{}\"", w.ctr * 100.0, w.impressions, w.headline);
    }
    for p in &b.brief.patterns {
        let _ = writeln!(s, "- pattern: {p}");
    }
    let _ = writeln!(s, "\n## Variations, best predicted first\n");
    for (i, v) in b.variations.iter().enumerate() {
        let ctr = v.predicted_ctr.map(|c| format!("{:.2}%", c * 100.0)).unwrap_or_else(|| "n/a".into());
        let x = &v.variation;
        let _ = writeln!(s, "### {}. {} (predicted CTR {ctr})\n", i + 1, x.angle.as_str());
        let _ = writeln!(s, "- **Intro text:** {}", x.intro_text);
        let _ = writeln!(s, "- **Headline:** {}", x.headline);
        let _ = writeln!(s, "- **Description:** {}", x.description);
        let _ = writeln!(s, "- **Call to action:** {}\n", x.call_to_action);
    }
    s
}
