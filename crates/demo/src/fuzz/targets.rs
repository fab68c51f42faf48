//! The fuzz targets: every parser of outside input, each followed by what its caller does with the
//! parsed values. A target returns whether the input was accepted, and asserts the properties the
//! pipeline relies on (a failed assertion is a failure like a panic).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use collector::CollectReport;
use copy_generator::claude::{self, Answer};
use copy_generator::validate;
use copy_generator::variation::Angle;
use copy_generator::{Pick, approve};
use data_processor::creative_daily::{self, COLUMNS, SCHEMA};
use data_processor::parquet_table::{self, Column};
use linkedin_core::audit::{self, AuditLine};
use linkedin_core::config::Env;
use linkedin_core::decisions::{Action, LagSums};
use linkedin_core::features::CopyFeatures;
use linkedin_core::layout::RunId;
use linkedin_core::linkedin::analytics;
use linkedin_core::linkedin::auth::{self, Credentials, RefreshResponse};
use linkedin_core::linkedin::campaigns::Campaign;
use linkedin_core::linkedin::creatives::{self, Creative};
use linkedin_core::linkedin::error::{ErrorBody, hint_for};
use linkedin_core::linkedin::posts::{AdCopy, Post};
use linkedin_core::linkedin::read_finder_page;
use linkedin_core::linkedin::retry::{self, RetryCause, RetryPolicy};
use linkedin_core::model::{ModelKind, TreeEnsemble, csv_input};
use linkedin_core::performance::{DateWindow, Totals};
use linkedin_core::raw::{AnalyticsRecord, CampaignSnapshot, CreativeSnapshot, LatestPulls, parse_ndjson, to_ndjson};
use linkedin_core::stats::Beta;
use linkedin_core::{AccountId, CampaignId, CreativeId, RUN_DATE_RANGE, parse_run_date};
use rust_decimal::prelude::ToPrimitive;

use super::{Shape, Target, seeds};

/// Every target, in the order of the table.
pub fn targets() -> Vec<Target> {
    let t = |name, calls, shape, seeds, run| Target { name, calls, shape, seeds, generate: None, run };
    vec![
        t(
            "linkedin.analytics",
            "analytics::read_page, AnalyticsRecord::from_day, CollectReport::count, to_ndjson → parse_ndjson",
            Shape::Json,
            || seeds::sandbox().analytics_pages.clone(),
            linkedin_analytics,
        ),
        t(
            "linkedin.campaigns",
            "read_finder_page::<Campaign> (search) or Campaign (get), CampaignSnapshot::from_campaign, EntityState::of_campaign, NDJSON round trip",
            Shape::Json,
            || seeds::page_and_element(&seeds::sandbox().campaigns_page),
            linkedin_campaigns,
        ),
        t(
            "linkedin.creatives",
            "read_finder_page::<Creative> (finder) or Creative (get), Creative::post, CreativeSnapshot::from_creative, NDJSON round trip",
            Shape::Json,
            || seeds::page_and_element(&seeds::sandbox().creatives_page),
            linkedin_creatives,
        ),
        t(
            "linkedin.post",
            "Post (serde), AdCopy::from, CopyFeatures::extract",
            Shape::Json,
            || seeds::sandbox().posts.clone(),
            linkedin_post,
        ),
        t(
            "linkedin.error",
            "ErrorBody::parse, is_daily_limit, is_data_volume, hint_for",
            Shape::Json,
            seeds::linkedin_errors,
            linkedin_error,
        ),
        t(
            "linkedin.create_inline",
            "creatives::created_creative (x-restli-id, body)",
            Shape::Ndjson,
            seeds::create_inline_replies,
            create_inline,
        ),
        t(
            "http.retry_after",
            "retry::parse_retry_after, RetryPolicy::delay (LinkedIn and Claude policies)",
            Shape::Text,
            || seeds::bytes(&["3", "120", "1.5", "0", "Wed, 21 Oct 2026 07:28:00 GMT"]),
            retry_after,
        ),
        t(
            "oauth.token_reply",
            "RefreshResponse::parse, auth::refreshed, Credentials::to_json → Credentials::parse",
            Shape::Json,
            seeds::token_replies,
            token_reply,
        ),
        t("oauth.error", "auth::oauth_error_text", Shape::Json, seeds::oauth_errors, oauth_error),
        t(
            "credentials",
            "Credentials::parse → to_json → parse, the token provider's expiry arithmetic",
            Shape::Json,
            seeds::credentials,
            credentials,
        ),
        t(
            "claude.answer",
            "claude::read_answer (parse, fence, validate::validate or the error envelope), Usage +=, cost_usd",
            Shape::Ndjson,
            seeds::claude_answers,
            claude_answer,
        ),
        t(
            "copy.api_key_secret",
            "copy_generator::api_key_from_secret",
            Shape::Json,
            || seeds::bytes(&["sk-ant-api03-abc", r#"{"api_key":"sk-ant-api03-abc","note":1}"#]),
            api_key_secret,
        ),
        t(
            "copy.batch",
            "approve::parse_batch, approve::rank_of, validate::validate, markdown",
            Shape::Json,
            seeds::batches,
            copy_batch,
        ),
        t(
            "raw.analytics",
            "parse_ndjson::<AnalyticsRecord>, LatestPulls, creative_daily::reject_reason, to_parquet → creative_daily::read",
            Shape::Ndjson,
            || seeds::ndjson(&seeds::sandbox().records, 3),
            raw_analytics,
        ),
        t(
            "raw.campaigns",
            "parse_ndjson::<CampaignSnapshot>, newer_than",
            Shape::Ndjson,
            || seeds::ndjson(&seeds::sandbox().campaign_snapshots, 1),
            raw_campaigns,
        ),
        t(
            "raw.creatives",
            "parse_ndjson::<CreativeSnapshot>, newer_than, CopyFeatures::extract",
            Shape::Ndjson,
            || seeds::ndjson(&seeds::sandbox().creative_snapshots, 2),
            raw_creatives,
        ),
        Target {
            name: "parquet.creative_daily",
            calls: "creative_daily::read, DailyRow::totals, Totals::add, the performance source's id parsing",
            shape: Shape::Binary,
            seeds: parquet_seeds,
            generate: Some(parquet_generate),
            run: parquet_partition,
        },
        t(
            "store.conversion_lag",
            "LagSums (serde), LagSums::add, LagSums::curve",
            Shape::Json,
            || {
                seeds::bytes(&[
                    r#"{"creative_days":12,"conversions_by_age":[3.0,5.5,6.0,6.5,7.0,7.0,7.0]}"#,
                    r#"{"creative_days":0,"conversions_by_age":[]}"#,
                ])
            },
            conversion_lag,
        ),
        t(
            "audit.lines",
            "parse_ndjson::<AuditLine>, audit::keep_latest, changed_since_by_others, the pause review's prior, write round trip",
            Shape::Ndjson,
            seeds::audit_lines,
            audit_lines,
        ),
        t(
            "model.json",
            "TreeEnsemble::from_json, check_features, predict, predict_rows",
            Shape::Json,
            seeds::models,
            model_json,
        ),
        t("model.csv", "csv_input::feature_rows (linkedin-ads predict)", Shape::Text, seeds::feature_csvs, model_csv),
        t(
            "lambda.event",
            "EventBridgeEvent (serde), lambda::run_clock, the jobs' date windows",
            Shape::Json,
            seeds::lambda_events,
            lambda_event,
        ),
        t(
            "cli.run_date",
            "parse_run_date (--as-of, --from, --to), the jobs' date windows",
            Shape::Text,
            || seeds::bytes(&["2026-11-20", " 1970-01-01 ", "9999-12-31"]),
            run_date,
        ),
        t(
            "cli.variation",
            "Pick::from_str (copy approve <batch> <variation>), approve::rank_of",
            Shape::Text,
            || seeds::bytes(&["1", "5", "urgency", "problem-solution"]),
            pick,
        ),
        t(
            "env.config",
            "Env, CollectorConfig, ProcessorConfig, PerformanceConfig, OptimizerConfig, CopyGeneratorConfig, ApproveConfig ::from_env",
            Shape::Env,
            seeds::env_files,
            env_config,
        ),
        t(
            "sagemaker.predictions",
            "sagemaker::parse_predictions",
            Shape::Json,
            || seeds::bytes(&[r#"{"predictions":[0.012,0.004]}"#, "[0.5,[0.3]]", "0.1\n0.2\n"]),
            sagemaker,
        ),
        t(
            "athena.rows",
            "ResultTable::creatives, ResultTable::campaign_days, Totals::add",
            Shape::Json,
            seeds::athena_tables,
            athena_rows,
        ),
    ]
}

const ACCOUNT: AccountId = AccountId(508720451);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 3).single().expect("a time")
}

fn run_id() -> RunId {
    RunId("20261123T060003Z-3f9a1c".into())
}

/// What the collector writes, read back as the data processor reads it: row for row, equal.
fn ndjson_round_trip<T>(rows: &[T])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let (back, errors) = parse_ndjson::<T>(&to_ndjson(rows));
    assert!(errors.is_empty(), "a row the collector wrote does not read back: {:?}", errors[0]);
    assert_eq!(back, rows, "rows changed on the way through NDJSON");
}

// ---------------------------------------------------------------------------------------------------
// LinkedIn
// ---------------------------------------------------------------------------------------------------

fn linkedin_analytics(body: &[u8]) -> bool {
    let Ok(pull) = analytics::read_page(body) else { return false };
    let day = now().date_naive();
    let mut report = CollectReport::new(run_id(), day, now(), (day, day));
    let records: Vec<AnalyticsRecord> = pull
        .rows
        .iter()
        .map(|d| {
            report.count(d);
            AnalyticsRecord::from_day(d, ACCOUNT, CampaignId(1), now(), &run_id())
        })
        .collect();
    let _ = (report.summary(), report.metrics());
    ndjson_round_trip(&records);
    true
}

/// A finder page's elements, or the one entity a GET answers.
fn page_or_one<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<Vec<T>> {
    match read_finder_page::<T>(body) {
        Ok((elements, _next)) => Some(elements),
        Err(_) => serde_json::from_slice::<T>(body).ok().map(|one| vec![one]),
    }
}

fn linkedin_campaigns(body: &[u8]) -> bool {
    let Some(campaigns) = page_or_one::<Campaign>(body) else { return false };
    let snapshots: Vec<CampaignSnapshot> = campaigns
        .iter()
        .map(|c| {
            let state = audit::EntityState::of_campaign(c);
            let _ = (state.bid.and_then(|b| b.to_f64()), c.unit_cost.as_ref().map(|m| m.to_string()));
            CampaignSnapshot::from_campaign(c, ACCOUNT, now(), &run_id())
        })
        .collect();
    ndjson_round_trip(&snapshots);
    true
}

fn linkedin_creatives(body: &[u8]) -> bool {
    let Some(creatives) = page_or_one::<Creative>(body) else { return false };
    let snapshots: Vec<CreativeSnapshot> = creatives
        .iter()
        .map(|c| {
            let copy = match c.post() {
                Some(_) => Ok(AdCopy::default()),
                None => Err("not Sponsored Content".to_string()),
            };
            CreativeSnapshot::from_creative(c, ACCOUNT, copy, now(), &run_id())
        })
        .collect();
    ndjson_round_trip(&snapshots);
    true
}

fn linkedin_post(body: &[u8]) -> bool {
    let Ok(post) = serde_json::from_slice::<Post>(body) else { return false };
    let copy = AdCopy::from(post);
    let features = CopyFeatures::extract(&copy).values();
    assert!(features.iter().all(|f| f.is_finite()), "a copy feature is not finite: {features:?}");
    true
}

fn linkedin_error(body: &[u8]) -> bool {
    let e = ErrorBody::parse(body);
    let _ = (e.is_daily_limit(), e.is_data_volume(), e.message().len());
    let _ = hint_for(e.status.unwrap_or(400), &ACCOUNT.to_string());
    e.status.is_some() || e.code.is_some()
}

/// The first line is `x-restli-id` (empty: absent), the rest the body.
fn create_inline(input: &[u8]) -> bool {
    let (header, body) = match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &b""[..]),
    };
    let header = std::str::from_utf8(header).ok().filter(|h| !h.is_empty());
    creatives::created_creative(header, body).is_ok()
}

fn retry_after(input: &[u8]) -> bool {
    let Some(wait) = std::str::from_utf8(input).ok().and_then(retry::parse_retry_after) else { return false };
    assert!(wait <= retry::MAX_RETRY_AFTER, "{wait:?}");
    let mut rng = fastrand::Rng::with_seed(1);
    for policy in [RetryPolicy::default(), claude::DEFAULT_RETRY] {
        for waited in [std::time::Duration::ZERO, policy.max_total_wait] {
            if let Some(d) = policy.delay(0, RetryCause::Throttled, Some(wait), waited, &mut rng) {
                assert!(waited + d <= policy.max_total_wait);
            }
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------------
// OAuth and secrets
// ---------------------------------------------------------------------------------------------------

fn stored_credentials() -> Credentials {
    Credentials::parse("li", std::str::from_utf8(&seeds::credentials()[0]).expect("UTF-8")).expect("the seed parses")
}

/// The token provider's arithmetic on the stored times, at `now`.
fn expiry_checks(c: &Credentials, now: DateTime<Utc>) {
    if let Some(exp) = c.expires_at {
        let _ = (exp - now < auth::REFRESH_MARGIN, exp <= now);
    }
    if let Some(t) = c.refresh_token_expires_at {
        let _ = ((t - now).num_days(), t - now < auth::REFRESH_TOKEN_WARNING);
    }
}

fn token_reply(body: &[u8]) -> bool {
    let Ok(reply) = RefreshResponse::parse(body) else { return false };
    let fresh = auth::refreshed(&stored_credentials(), reply, now());
    // What is saved after a refresh must be readable by the next run, or the token is lost.
    let saved = fresh.to_json();
    let back = Credentials::parse("li", &saved).expect("refreshed credentials, saved, parse again");
    assert_eq!(back.expires_at, fresh.expires_at);
    expiry_checks(&back, now());
    true
}

fn oauth_error(body: &[u8]) -> bool {
    let text = auth::oauth_error_text(body);
    !text.starts_with("unreadable")
}

fn credentials(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else { return false };
    let Ok(c) = Credentials::parse("li", text) else { return false };
    let back = Credentials::parse("li", &c.to_json()).expect("credentials that parse, written back, parse again");
    assert_eq!((back.expires_at, back.refresh_token_expires_at), (c.expires_at, c.refresh_token_expires_at));
    for now in [now(), DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        expiry_checks(&c, now);
    }
    true
}

fn api_key_secret(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else { return false };
    copy_generator::api_key_from_secret(text, "anthropic", "a test store").is_ok_and(|k| !k.expose().is_empty())
}

// ---------------------------------------------------------------------------------------------------
// Claude and the copy batches
// ---------------------------------------------------------------------------------------------------

/// The first line is the HTTP status, the rest the body.
fn claude_answer(input: &[u8]) -> bool {
    let (status, body) = match input.iter().position(|b| *b == b'\n') {
        Some(i) => {
            (std::str::from_utf8(&input[..i]).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(200), &input[i + 1..])
        }
        None => (200, input),
    };
    let brief = seeds::winners_brief();
    match claude::read_answer(status, body, &brief, claude::DEFAULT_MAX_TOKENS, "sk-ant-api03-abc") {
        Answer::Reply { variations, usage, model } => {
            // A repair adds the second call's usage to the first's.
            let mut total = usage;
            total += usage;
            total += usage;
            let _ = claude::cost_usd(model.as_deref().unwrap_or(claude::DEFAULT_MODEL), total);
            if let Ok(vs) = &variations {
                for v in vs {
                    let _ = copy_generator::score::features_of(v);
                }
            }
            variations.is_ok()
        }
        Answer::Error { message, .. } => {
            assert!(!message.contains("sk-ant-api03-abc"), "the key leaked into an error: {message}");
            true
        }
        Answer::Malformed(_) => false,
    }
}

fn copy_batch(bytes: &[u8]) -> bool {
    let Ok(batch) = approve::parse_batch("copy/pending/dt=2026-11-23/b.json", bytes) else { return false };
    for pick in [Pick::Rank(0), Pick::Rank(1), Pick::Rank(5), Pick::Rank(usize::MAX), Pick::Angle(Angle::Urgency)] {
        let _ = approve::rank_of(&batch, pick);
    }
    let _ = (now().date_naive() - batch.as_of).num_days();
    let variations: Vec<_> = batch.variations.iter().map(|s| s.variation.clone()).collect();
    let _ = validate::validate(&variations, &batch.brief);
    let _ = copy_generator::markdown(&batch);
    true
}

fn pick(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else { return false };
    let Ok(pick) = Pick::from_str(text) else { return false };
    let batch = approve::parse_batch("b", &seeds::batches()[0]).expect("the seed batch");
    let _ = approve::rank_of(&batch, pick);
    true
}

// ---------------------------------------------------------------------------------------------------
// What the pipeline stores and reads back
// ---------------------------------------------------------------------------------------------------

fn raw_analytics(bytes: &[u8]) -> bool {
    let (rows, errors) = parse_ndjson::<AnalyticsRecord>(bytes);
    let day = rows.first().map(|r| r.date).unwrap_or(now().date_naive());
    let mut latest = LatestPulls::default();
    for r in rows.iter().filter(|r| r.date == day) {
        let _ = (r.pulled_at.date_naive() - day).num_days();
        latest.offer(r.clone());
    }
    let accepted: Vec<&AnalyticsRecord> =
        latest.rows().filter(|r| creative_daily::reject_reason(r).is_none()).collect();
    // The partition the processor writes, every reader reads back, row for row.
    let file = creative_daily::to_parquet(&accepted).expect("accepted rows are written");
    let back = creative_daily::read(file).expect("the partition the processor wrote reads back");
    assert_eq!(back.len(), accepted.len());
    for (a, b) in accepted.iter().zip(&back) {
        assert_eq!((b.date, b.impressions as u64, b.clicks as u64), (a.date, a.impressions, a.clicks));
    }
    errors.is_empty() && !rows.is_empty()
}

fn raw_campaigns(bytes: &[u8]) -> bool {
    let (rows, errors) = parse_ndjson::<CampaignSnapshot>(bytes);
    for pair in rows.windows(2) {
        let _ = pair[1].newer_than(&pair[0]);
    }
    for r in &rows {
        let _ = (r.unit_cost.and_then(|d| d.to_f64()), r.daily_budget.and_then(|d| d.to_f64()));
    }
    errors.is_empty() && !rows.is_empty()
}

fn raw_creatives(bytes: &[u8]) -> bool {
    let (rows, errors) = parse_ndjson::<CreativeSnapshot>(bytes);
    for pair in rows.windows(2) {
        let _ = pair[1].newer_than(&pair[0]);
    }
    for r in &rows {
        let values = CopyFeatures::extract(&r.copy).values();
        assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
    }
    errors.is_empty() && !rows.is_empty()
}

fn parquet_seeds() -> Vec<Vec<u8>> {
    let records = &seeds::sandbox().records;
    let all: Vec<&AnalyticsRecord> = records.iter().collect();
    vec![
        creative_daily::to_parquet(&all).expect("the seed partition"),
        creative_daily::to_parquet(&all[..1]).expect("a one-row partition"),
    ]
}

/// A partition written with the project's writer, of hostile values: every column at its type's
/// edges, and now and then a schema that is not the table's (a column renamed, retyped or missing).
fn parquet_generate(rng: &mut fastrand::Rng) -> Vec<u8> {
    let n = rng.usize(0..6);
    let int64 = |rng: &mut fastrand::Rng| {
        [0, 1, -1, i64::MAX, i64::MIN, rng.i64(..), rng.i64(0..1_000_000), 9_000_000_000_000_000][rng.usize(..8)]
    };
    let int32 =
        |rng: &mut fastrand::Rng| [0, 20_415, i32::MAX, i32::MIN, -719_528, 2_932_896, rng.i32(..)][rng.usize(..7)];
    let double =
        |rng: &mut fastrand::Rng| [0.0, -0.0, 1.5, f64::NAN, f64::INFINITY, f64::MIN, f64::MAX, -1.0][rng.usize(..8)];
    let text = |rng: &mut fastrand::Rng| {
        ["508720451", "", "-1", "18446744073709551616", "urn:li:sponsoredCreative:7", "é\u{0}", "99999999999999999999"]
            [rng.usize(..7)]
        .to_string()
    };
    let mut columns = Vec::new();
    for name in COLUMNS {
        columns.push(match name {
            "date" => Column::Int32((0..n).map(|_| int32(rng)).collect()),
            "account_id" | "campaign_id" | "creative_id" | "run_id" => {
                Column::Text((0..n).map(|_| text(rng)).collect())
            }
            "conversions" => Column::Double((0..n).map(|_| double(rng)).collect()),
            _ => Column::Int64((0..n).map(|_| int64(rng)).collect()),
        });
    }
    let mut schema = SCHEMA.to_string();
    if rng.u32(..4) == 0 {
        let i = rng.usize(..COLUMNS.len());
        schema = schema.replacen(COLUMNS[i], "renamed", 1);
    }
    parquet_table::write(&schema, &columns).unwrap_or_default()
}

fn parquet_partition(bytes: &[u8]) -> bool {
    let Ok(rows) = creative_daily::read(bytes.to_vec()) else { return false };
    // The local performance source's fold: per creative and per campaign-day totals.
    let mut by_creative: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut by_campaign = Totals::default();
    for r in &rows {
        let ids =
            (AccountId::parse(&r.account_id), CampaignId::parse(&r.campaign_id), CreativeId::parse(&r.creative_id));
        let _ = (ids.0.is_ok(), ids.1.is_ok(), ids.2.is_ok());
        let t = r.totals();
        by_creative.entry(&r.creative_id).or_default().add(&t);
        by_campaign.add(&t);
        let _ = (t.ctr(), t.cpc(), t.cpa(), t.conversion_rate());
    }
    for pair in rows.windows(2) {
        let _ = pair[1].newer_than(&pair[0]);
    }
    true
}

fn conversion_lag(bytes: &[u8]) -> bool {
    let Ok(day) = serde_json::from_slice::<LagSums>(bytes) else { return false };
    let mut sums = LagSums::default();
    for _ in 0..3 {
        sums.add(&day);
    }
    if let Some(curve) = sums.curve() {
        let shares = curve.cumulative();
        assert!(shares.iter().all(|q| (0.0..=1.0).contains(q)), "{shares:?}");
    }
    true
}

fn audit_lines(bytes: &[u8]) -> bool {
    let (lines, errors) = parse_ndjson::<AuditLine>(bytes);
    // What the optimizer writes (`audit::write`), `undo` reads back.
    for l in &lines {
        let text = serde_json::to_string(l).expect("an audit line serialises");
        let (back, errs) = parse_ndjson::<AuditLine>(text.as_bytes());
        assert!(errs.is_empty() && back.len() == 1, "an audit line does not read back: {errs:?}");
    }
    let as_of = now().date_naive();
    for l in &lines {
        let _ = (as_of - l.as_of).num_days();
        for ms in [0, now().timestamp_millis(), i64::MAX, i64::MIN] {
            let _ = l.changed_since_by_others(ms);
        }
        // The pause review's prior: the logged posterior less the creative's own numbers then.
        if let Some(s) = l.stats
            && let Some(post) = s.posterior
        {
            let clicks = s.clicks.min(s.impressions) as f64;
            let _ = Beta::new(post.alpha - clicks, post.beta - (s.impressions as f64 - clicks));
        }
        if let Action::SetBid { from, to } | Action::SetDailyBudget { from, to } = l.action {
            let _ = (from.to_f64(), to.to_f64(), l.before.bid.unwrap_or(from).to_string());
        }
    }
    let mut latest = BTreeMap::new();
    audit::keep_latest(&mut latest, lines.clone());
    errors.is_empty() && !lines.is_empty()
}

fn model_json(bytes: &[u8]) -> bool {
    let Ok(model) = TreeEnsemble::from_json(bytes, "models/x/model.json") else { return false };
    let _ = model.check_features(&ModelKind::CreativeScorer.features(), "x");
    let n = model.features().len();
    let rows: Vec<Vec<f64>> = [0.0, -1.0, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f32::MAX as f64 * 2.0]
        .iter()
        .map(|x| vec![*x; n])
        .collect();
    for row in &rows {
        model.predict(row).expect("a row of the model's width");
    }
    let _ = model.predict(&[]);
    let _ = model.predict_rows(&rows);
    true
}

fn model_csv(input: &[u8]) -> bool {
    // `linkedin-ads predict` reads the file as text: invalid UTF-8 is refused before parsing.
    let Ok(text) = std::str::from_utf8(input) else { return false };
    let features: Vec<String> = ModelKind::CreativeScorer.features().iter().map(|s| s.to_string()).collect();
    csv_input::feature_rows(text, &features).is_ok()
}

// ---------------------------------------------------------------------------------------------------
// Events, dates, configuration
// ---------------------------------------------------------------------------------------------------

/// The arithmetic a run does on its day: the processor's window (up to `LOOKBACK_DAYS` 90 + 1), the
/// optimizer's history (up to 90 days before yesterday), the copy generator's 28, the batches' age.
fn run_windows(as_of: NaiveDate) {
    let (first, last) = RUN_DATE_RANGE;
    assert!(first.parse::<NaiveDate>().unwrap() <= as_of && as_of <= last.parse::<NaiveDate>().unwrap(), "{as_of}");
    let _ = as_of - TimeDelta::days(91);
    let yesterday = as_of - TimeDelta::days(1);
    let _ = DateWindow::last(yesterday, 90);
    let _ = DateWindow::last(as_of, 28);
    let _ = as_of + TimeDelta::days(1);
    let _ = RunId::new(as_of.and_hms_opt(23, 59, 59).expect("a time").and_utc());
}

fn lambda_event(bytes: &[u8]) -> bool {
    let Ok(event) = serde_json::from_slice(bytes) else { return false };
    let Ok(clock) = linkedin_aws::lambda::run_clock(&event) else { return false };
    run_windows(clock.as_of);
    true
}

fn run_date(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else { return false };
    let Ok(day) = parse_run_date(text) else { return false };
    run_windows(day);
    true
}

/// Variables whose values are secrets: no configuration error may echo them.
const SECRET_VARS: [&str; 2] = ["LINKEDIN_ACCESS_TOKEN", "ANTHROPIC_API_KEY"];

fn env_config(input: &[u8]) -> bool {
    let text = String::from_utf8_lossy(input);
    let pairs: Vec<(&str, &str)> = text.lines().map(|l| l.split_once('=').unwrap_or((l, ""))).collect();
    let env = Env::from_pairs(pairs.iter().copied());
    // The same environment with every set secret replaced by a sentinel no message can hold by chance.
    const SENTINEL: &str = "Zq9-secret-sentinel";
    let sentinel = Env::from_pairs(
        pairs.iter().map(|&(k, v)| (k, if SECRET_VARS.contains(&k) && !v.trim().is_empty() { SENTINEL } else { v })),
    );
    for e in [
        collector::CollectorConfig::from_env(&sentinel).err(),
        optimizer::OptimizerConfig::from_env(&sentinel).err(),
        copy_generator::CopyGeneratorConfig::from_env(&sentinel).err(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!e.to_string().contains(SENTINEL), "a secret's value is in the error: {e}");
    }
    let collector = collector::CollectorConfig::from_env(&env);
    let processor = data_processor::ProcessorConfig::from_env(&env);
    let performance = data_processor::PerformanceConfig::from_env(&env);
    let optimizer = optimizer::OptimizerConfig::from_env(&env);
    let copy = copy_generator::CopyGeneratorConfig::from_env(&env);
    let approve = copy_generator::ApproveConfig::from_env(&env);
    if let Ok(o) = &optimizer {
        let _ = o.settings.unsafe_guardrails();
    }
    for e in [collector.as_ref().err(), processor.as_ref().err(), optimizer.as_ref().err(), copy.as_ref().err()]
        .into_iter()
        .flatten()
    {
        assert!(!e.0.is_empty(), "an error without a problem");
    }
    collector.is_ok()
        && processor.is_ok()
        && performance.is_ok()
        && optimizer.is_ok()
        && copy.is_ok()
        && approve.is_ok()
}

fn sagemaker(bytes: &[u8]) -> bool {
    match linkedin_aws::sagemaker::parse_predictions(bytes) {
        Ok(p) => {
            assert!(p.iter().all(|x| x.is_finite()));
            true
        }
        Err(_) => false,
    }
}

/// Athena's answer as a JSON document: `{"query": "creative_window" | "campaign_daily", "columns":
/// [...], "rows": [[text or null, ...], ...]}` (the SDK's result set, flattened as the client does).
fn athena_rows(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Table {
        query: String,
        columns: Vec<String>,
        rows: Vec<Vec<Option<String>>>,
    }
    let Ok(t) = serde_json::from_slice::<Table>(bytes) else { return false };
    let table = linkedin_aws::athena::ResultTable {
        query: "athena/queries",
        columns: t.columns.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect(),
        rows: t.rows,
    };
    let mut sum = Totals::default();
    if t.query == "campaign_daily" {
        let Ok(days) = table.campaign_days() else { return false };
        days.iter().for_each(|d| sum.add(&d.totals));
    } else {
        let Ok(creatives) = table.creatives() else { return false };
        creatives.iter().for_each(|c| sum.add(&c.totals));
    }
    let _ = (sum.ctr(), sum.cost());
    true
}
