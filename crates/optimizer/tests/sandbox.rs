//! The optimizer against the local LinkedIn sandbox: dry-run writes nothing, a real run writes what it
//! logs (exact bytes), a second run the same day takes no new action, and undo restores the state.

mod common;

use chrono::TimeDelta;
use common::{eager, optimizer, world, writes};
use linkedin_core::RunClock;
use linkedin_core::decisions::{Action, Entity};
use optimizer::audit::Outcome;

#[tokio::test]
async fn dry_run_writes_nothing_a_real_run_writes_what_it_logs_and_undo_restores_it() {
    let w = world(4).await;
    let at = w.start + TimeDelta::days(4) + TimeDelta::hours(8);
    w.sb.advance_to(at).unwrap();
    let clock = RunClock { as_of: at.date_naive(), now: at };

    // Dry run: everything decided and logged, nothing written.
    let (dry, out) = optimizer(&w, eager(true));
    let report = dry.run(clock).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.stale.is_none());
    assert_eq!(report.counts.paused, 1, "one pause per campaign: {:?}", report.counts);
    assert!(writes(&w).is_empty(), "a dry run sends no write: {:?}", writes(&w));
    assert!(report.lines.iter().any(|l| l.outcome == Outcome::DryRun && l.dry_run));
    let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    assert!(text.contains("[DRY RUN]") && text.contains("nothing below was written"), "{text}");

    // The real run writes exactly the decided changes, as Rest.li partial updates.
    let (real, _) = optimizer(&w, eager(false));
    let report = real.run(RunClock { now: at + TimeDelta::minutes(1), ..clock }).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let applied: Vec<_> = report.lines.iter().filter(|l| l.outcome == Outcome::Applied).collect();
    let sent = writes(&w);
    assert_eq!(sent.len(), applied.len(), "{sent:?}");
    let pause = applied.iter().find(|l| l.action == Action::Pause).expect("a pause");
    let Entity::Creative { id, .. } = pause.entity else { panic!() };
    assert!(
        sent.iter().any(|(path, body)| path.ends_with(&format!("/creatives/urn%3Ali%3AsponsoredCreative%3A{}", id.0))
            && body == r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#),
        "{sent:?}"
    );
    assert_eq!((pause.before.status.as_deref(), pause.after.status.as_deref()), (Some("ACTIVE"), Some("PAUSED")));
    assert_eq!(w.sb.with(|s| s.market.creative(id.0).unwrap().intended_status.clone()), "PAUSED");
    let bid = applied.iter().find(|l| matches!(l.action, Action::SetBid { .. })).expect("a bid change");
    let Action::SetBid { from, to } = bid.action else { panic!() };
    assert_eq!(bid.before.bid.map(|b| b.normalize()), Some(from.normalize()));
    let Entity::Campaign { id: campaign } = bid.entity else { panic!() };
    assert_eq!(
        w.sb.with(|s| s.market.campaign(campaign.0).unwrap().bid.0),
        (to * rust_decimal::Decimal::from(1_000_000)).try_into().unwrap_or(0u64)
    );
    let log = w.store.get(report.audit_key.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!(String::from_utf8(log).unwrap().lines().count(), report.lines.len(), "one audit line per decision");

    // Same day, same data: nothing new (the cooldown holds every entity just changed).
    let (again, _) = optimizer(&w, eager(false));
    let second = again.run(RunClock { now: at + TimeDelta::minutes(2), ..clock }).await;
    assert_eq!(writes(&w).len(), sent.len(), "a second run takes no new action: {:?}", second.counts);

    // Undo restores the before state of every applied change, and logs itself.
    let undo = optimizer::undo::undo(
        w.store.clone(),
        &w.client,
        &report.run_id,
        RunClock { now: at + TimeDelta::minutes(3), ..clock },
        false,
    )
    .await
    .unwrap();
    assert_eq!((undo.restored, undo.failures.len()), (applied.len(), 0), "{undo:?}");
    assert_eq!(w.sb.with(|s| s.market.creative(id.0).unwrap().intended_status.clone()), "ACTIVE");
    assert_eq!(
        w.sb.with(|s| s.market.campaign(campaign.0).unwrap().bid.0),
        (from * rust_decimal::Decimal::from(1_000_000)).try_into().unwrap_or(0u64)
    );
    assert!(undo.audit_key.is_some());

    // Undoing twice changes nothing more: the entities are no longer as the run left them.
    let before = writes(&w).len();
    let twice = optimizer::undo::undo(
        w.store.clone(),
        &w.client,
        &report.run_id,
        RunClock { now: at + TimeDelta::minutes(4), ..clock },
        false,
    )
    .await
    .unwrap();
    assert_eq!((twice.restored, twice.skipped.len()), (0, applied.len()));
    assert_eq!(writes(&w).len(), before);
}

#[tokio::test]
async fn stale_data_means_no_writes_and_says_so() {
    let w = world(2).await;
    // Two days after the last pull.
    let at = w.start + TimeDelta::days(5) + TimeDelta::hours(8);
    w.sb.advance_to(at).unwrap();
    let (o, out) = optimizer(&w, eager(false));
    let report = o.run(RunClock { as_of: at.date_naive(), now: at }).await;
    assert!(report.stale.as_deref().unwrap().contains("collector"), "{:?}", report.stale);
    assert!(writes(&w).is_empty());
    assert!(String::from_utf8(out.lock().unwrap().clone()).unwrap().contains("NO CHANGES MADE"));
}

fn paused_creatives(report: &optimizer::OptimizeReport) -> Vec<linkedin_core::CreativeId> {
    report
        .lines
        .iter()
        .filter(|l| l.outcome == Outcome::Applied && l.action == Action::Pause)
        .filter_map(|l| match l.entity {
            Entity::Creative { id, .. } => Some(id),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn revive_resumes_its_own_pauses_once_restated_and_leaves_ones_touched_since() {
    use linkedin_core::linkedin::creatives::CreativeStatus;
    let w = world(4).await;
    // Day 4 and day 5: one pause a day (three creatives, one campaign).
    let (o, _) = optimizer(&w, eager(false));
    let first = paused_creatives(&o.run(w.at(4, 0)).await);
    w.collect(5, 5).await;
    let second = paused_creatives(&o.run(w.at(5, 0)).await);
    let ([kept_ours], [touched]) = (first.as_slice(), second.as_slice()) else { panic!("{first:?} {second:?}") };
    // Day 6: someone resumes and pauses the second one again by hand: no longer the optimizer's pause.
    w.collect(6, 6).await;
    w.at(6, 0);
    w.client.set_creative_status(*touched, &CreativeStatus::Active).await.unwrap();
    w.client.set_creative_status(*touched, &CreativeStatus::Paused).await.unwrap();
    w.collect(7, 12).await;

    // Day 12: the pauses are 8 and 7 days old (LOOKBACK_DAYS = 7), so both windows are final. The
    // sandbox restates conversions only, so under the same rules the pause stands.
    let (o, _) = optimizer(&w, eager(true));
    let review = o.run(w.at(12, 0)).await;
    let stays =
        review.lines.iter().find(|l| matches!(l.entity, Entity::Creative { id, .. } if id == *kept_ours)).unwrap();
    assert_eq!(stays.action, Action::Keep, "{stays:?}");
    assert!(stays.reason.starts_with("stays paused (since"), "{}", stays.reason);
    assert_eq!(review.counts.resumed, 0);
    // Under rules by which it would not have been paused, it is resumed.
    let mut lenient = eager(false);
    lenient.params.thresholds.min_sample_clicks = u64::MAX;
    lenient.params.thresholds.max_cpc = 10_000.0;
    let writes_before = writes(&w).len();
    let (o, out) = optimizer(&w, lenient);
    let report = o.run(w.at(12, 1)).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.counts.resumed, 1, "{:?}", report.counts);
    let resume = report.lines.iter().find(|l| l.action == Action::Resume).unwrap();
    assert!(matches!(resume.entity, Entity::Creative { id, .. } if id == *kept_ours), "{resume:?}");
    assert_eq!(resume.outcome, Outcome::Applied);
    assert!(resume.reason.contains("no longer support"), "{}", resume.reason);
    assert_eq!((resume.before.status.as_deref(), resume.after.status.as_deref()), (Some("PAUSED"), Some("ACTIVE")));
    assert!(
        !report.lines.iter().any(|l| matches!(l.entity, Entity::Creative { id, .. } if id == *touched)),
        "a pause someone changed since is not reviewed"
    );
    let sent = writes(&w)[writes_before..].to_vec();
    assert!(
        sent.contains(&(
            format!(
                "/rest/adAccounts/{}/creatives/urn%3Ali%3AsponsoredCreative%3A{}",
                w.collector.client.account().0,
                kept_ours.0
            ),
            r#"{"patch":{"$set":{"intendedStatus":"ACTIVE"}}}"#.to_string()
        )),
        "{sent:?}"
    );
    assert_eq!(w.sb.with(|s| s.market.creative(kept_ours.0).unwrap().intended_status.clone()), "ACTIVE");
    assert_eq!(w.sb.with(|s| s.market.creative(touched.0).unwrap().intended_status.clone()), "PAUSED");
    assert!(String::from_utf8(out.lock().unwrap().clone()).unwrap().contains("1 resumed"));
}

/// A bid model whose clicks peak just under `peak` (one stump on `bid`), in the export format.
fn stump_model(peak: f64) -> Vec<u8> {
    let features: Vec<&str> = linkedin_core::model::ModelKind::BidOptimizer.features();
    serde_json::json!({
        "format": "linkedin-ads-trees", "format_version": 1, "model": "bid_optimizer",
        "estimator": "GradientBoostingRegressor", "target": "clicks", "features": features,
        "combine": "sum", "base_score": 20.0, "learning_rate": 1.0,
        "trees": [{"children_left": [1, -1, -1], "children_right": [2, -1, -1], "feature": [0, -2, -2],
                   "threshold": [peak, -2.0, -2.0], "value": [0.0, 5.0, -5.0]}],
        "training_rows": 120
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_trained_bid_model_in_the_store_sets_the_bids_and_a_broken_one_falls_back_loudly() {
    let w = world(4).await;
    let clock = w.at(4, 0);
    let bid_now = w.sb.with(|s| s.market.campaigns().next().unwrap().bid.0) as f64 / 1e6;
    // More clicks at or under 90% of today's bid: the model moves the bid down one notch of its range.
    w.store.put("models/bid_optimizer/model.json", stump_model(bid_now * 0.9), "application/json").await.unwrap();
    let (o, out) = optimizer(&w, eager(true));
    let report = o.run(clock).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.bid_model.starts_with("native model"), "{}", report.bid_model);
    let bid = report.lines.iter().find(|l| matches!(l.action, Action::SetBid { .. })).expect("a bid decision");
    let Action::SetBid { to, .. } = bid.action else { unreachable!() };
    let to: f64 = to.to_string().parse().unwrap();
    assert!(to <= bid_now * 0.9 + 0.005 && to >= bid_now * 0.8 - 0.005, "{to} vs {bid_now}: {bid:?}");
    assert!(bid.reason.contains("predicts 25.0 clicks"), "{}", bid.reason);
    assert!(String::from_utf8(out.lock().unwrap().clone()).unwrap().contains("Bids: native model"));

    w.store
        .put("models/bid_optimizer/model.json", b"{\"format\": \"onnx\"}".to_vec(), "application/json")
        .await
        .unwrap();
    let report = o.run(w.at(4, 1)).await;
    assert!(report.failures[0].contains("models/bid_optimizer/model.json"), "{:?}", report.failures);
    assert!(report.bid_model.starts_with("heuristic"), "{}", report.bid_model);
    assert!(report.lines.iter().any(|l| l.reason.contains("budget")), "the pacing heuristic decided");
}

/// Settings as `DRY_RUN=<value>` in the environment gives them, with the eager thresholds.
fn from_env_dry_run(value: &str) -> optimizer::Settings {
    let env = linkedin_core::config::Env::from_pairs([("DRY_RUN", value)]);
    let mut r = linkedin_core::config::Reader::new(&env);
    let s = optimizer::Settings::read(&mut r);
    let s = r.finish(|| s).unwrap();
    optimizer::Settings { dry_run: s.dry_run, ..eager(false) }
}

#[tokio::test]
async fn dry_run_from_the_environment_holds_back_optimize_and_undo() {
    let w = world(4).await;
    let clock = w.at(4, 0);

    // DRY_RUN=true in the environment: the run decides, nothing reaches the sandbox.
    let (dry, _) = optimizer(&w, from_env_dry_run("true"));
    let report = dry.run(clock).await;
    assert!(report.dry_run && report.counts.paused > 0, "{:?}", report.counts);
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));

    // A live run applies changes...
    let (live, _) = optimizer(&w, from_env_dry_run("false"));
    let applied = live.run(RunClock { now: clock.now + TimeDelta::minutes(1), ..clock }).await;
    let sent = writes(&w).len();
    assert!(sent > 0 && applied.succeeded(), "{:?}", applied.failures);

    // ...and `DRY_RUN=true linkedin-ads undo --run` restores nothing: no write request reaches the
    // sandbox (before, the CLI passed only --dry-run to the undo, and this sent real writes).
    let undo = dry.undo(&applied.run_id, RunClock { now: clock.now + TimeDelta::minutes(2), ..clock }).await.unwrap();
    assert!(undo.dry_run && undo.restored > 0, "{undo:?}");
    assert_eq!(writes(&w).len(), sent, "a dry-run undo sent {:?}", &writes(&w)[sent..]);
    let requests = w.sb.with(|s| s.log.len());
    assert!(requests > 0);
    // The live undo does write.
    let real = live.undo(&applied.run_id, RunClock { now: clock.now + TimeDelta::minutes(3), ..clock }).await.unwrap();
    assert!(!real.dry_run && real.restored == undo.restored, "{real:?}");
    assert_eq!(writes(&w).len(), sent + real.restored);
}

/// A collector over the world's store whose every call LinkedIn refuses (a wrong fixed token): the
/// run aborts with 0 rows, and still writes its run report.
fn refused_collector(w: &common::World) -> collector::Collector {
    use linkedin_core::linkedin::auth::{TokenProvider, TokenSource};
    use linkedin_core::linkedin::{LinkedInClient, http_client};
    let account = w.sb.with(|s| s.scenario.account.id);
    let config = linkedin_core::config::LinkedInConfig::new(
        &w.sb.base_url(),
        linkedin_core::AccountId(account),
        linkedin_core::config::CredentialsConfig::AccessToken(linkedin_core::Secret::new("revoked")),
    );
    let source = TokenSource::Fixed(linkedin_core::Secret::new("revoked"));
    let tokens = TokenProvider::new(source, &config.oauth_base_url, http_client(), w.sb.clock());
    collector::Collector {
        client: LinkedInClient::new(&config, std::sync::Arc::new(tokens), http_client()),
        campaign_ids: Vec::new(),
        ..common::collector_like(w)
    }
}

#[tokio::test]
async fn only_a_successful_collection_of_the_judged_campaigns_counts_as_fresh() {
    // Collected through day 3 00:00: by day 4 08:00 that is 32 h old, past FRESHNESS_HOURS=30.
    let w = world(3).await;
    let at = w.start + TimeDelta::days(4) + TimeDelta::hours(7);
    w.sb.advance_to(at).unwrap();
    let aborted = refused_collector(&w).run(RunClock { as_of: at.date_naive(), now: at }).await;
    assert!(aborted.aborted.is_some() && aborted.analytics_rows == 0, "{}", aborted.summary());

    // The aborted run an hour ago used to count as fresh data, and the optimizer acted.
    let (o, _) = optimizer(&w, eager(false));
    let report = o.run(w.at(4, 0)).await;
    let stale = report.stale.expect("stale");
    assert!(stale.contains("600100") && stale.contains("older than FRESHNESS_HOURS=30"), "{stale}");
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));

    // A run that was not aborted but collected nothing of the campaign (say every campaign's
    // analytics failed) is no evidence either.
    let at = w.start + TimeDelta::days(4) + TimeDelta::hours(8) + TimeDelta::minutes(10);
    let run = linkedin_core::layout::RunId::new(at);
    let mut empty = aborted.clone();
    (empty.aborted, empty.run_id, empty.pulled_at) = (None, run.clone(), at);
    assert!(empty.collected_campaigns.is_empty());
    let key = linkedin_core::layout::collector_run_key(at.date_naive(), &run);
    w.store.put(&key, serde_json::to_vec(&empty).unwrap(), "application/json").await.unwrap();
    let report = o.run(w.at(4, 20)).await;
    assert!(report.stale.as_deref().unwrap().contains("600100"), "{:?}", report.stale);
    assert!(writes(&w).is_empty());

    // A complete collection: fresh, and the optimizer acts.
    let at = w.start + TimeDelta::days(4) + TimeDelta::hours(8) + TimeDelta::minutes(30);
    w.sb.advance_to(at).unwrap();
    assert!(w.collector.run(RunClock { as_of: at.date_naive(), now: at }).await.succeeded());
    let report = o.run(w.at(4, 40)).await;
    assert!(report.stale.is_none(), "{:?}", report.stale);
    assert!(!writes(&w).is_empty());
}

/// Credentials that need a refresh (an hour left), in a store that refuses every save.
struct ReadOnlySecret(String);

#[async_trait::async_trait]
impl linkedin_core::secrets::SecretStore for ReadOnlySecret {
    async fn get_secret(&self, _: &str) -> Result<String, linkedin_core::secrets::SecretError> {
        Ok(self.0.clone())
    }
    async fn put_secret(&self, name: &str, _: &str) -> Result<(), linkedin_core::secrets::SecretError> {
        Err(linkedin_core::secrets::SecretError::Backend {
            name: name.into(),
            location: "test".into(),
            message: "AccessDeniedException".into(),
        })
    }
    fn describe(&self) -> String {
        "test".into()
    }
}

#[tokio::test]
async fn a_refreshed_token_that_cannot_be_saved_fails_the_optimizer_run_with_a_metric() {
    use linkedin_core::linkedin::auth::{TokenProvider, TokenSource};
    use linkedin_core::linkedin::{LinkedInClient, http_client};
    let w = world(4).await;
    let clock = w.at(4, 0);
    let (account, oauth) = w.sb.with(|s| (s.scenario.account.id, s.scenario.oauth.clone()));
    let creds = serde_json::json!({"access_token": oauth.access_token, "expires_at": (clock.now + TimeDelta::hours(1)).to_rfc3339(),
        "refresh_token": oauth.refresh_token, "client_id": oauth.client_id, "client_secret": oauth.client_secret});
    let config = linkedin_core::config::LinkedInConfig::new(
        &w.sb.base_url(),
        linkedin_core::AccountId(account),
        linkedin_core::config::CredentialsConfig::AccessToken(linkedin_core::Secret::new("unused")),
    );
    let source =
        TokenSource::Stored { store: std::sync::Arc::new(ReadOnlySecret(creds.to_string())), name: "li".into() };
    let tokens = TokenProvider::new(source, &config.oauth_base_url, http_client(), w.sb.clock());
    let client = LinkedInClient::new(&config, std::sync::Arc::new(tokens), http_client());
    let metrics = linkedin_core::metrics::SharedBuffer::default();
    let (mut o, _) = optimizer(&w, eager(true));
    o.client = std::sync::Arc::new(client);
    o.metrics = std::sync::Arc::new(linkedin_core::metrics::EmfWriter::new(metrics.clone()));
    let report = o.run(clock).await;
    assert!(!report.succeeded());
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.contains("the refreshed LinkedIn token could not be saved") && f.contains("after 3 attempts")),
        "{:?}",
        report.failures
    );
    let m: serde_json::Value = serde_json::from_str(metrics.text().trim()).unwrap();
    assert_eq!(m["TokenSaveFailures"].as_f64(), Some(1.0));
}

/// Every entity's state at the sandbox: creative statuses, campaign bids and budgets (micros).
fn snapshot(w: &common::World) -> std::collections::BTreeMap<String, String> {
    w.sb.with(|s| {
        let mut out = std::collections::BTreeMap::new();
        for c in s.market.creatives() {
            out.insert(format!("creative {}", c.id), c.intended_status.clone());
        }
        for c in s.market.campaigns() {
            out.insert(format!("campaign {} bid", c.id), c.bid.0.to_string());
            out.insert(format!("campaign {} budget", c.id), c.daily_budget.0.to_string());
        }
        out
    })
}

/// The crash tests: a write that LinkedIn applies and then never answers (the connection dropped, or
/// held until the Lambda's timeout kills the run), at every write position of a run, then a re-run
/// the same day. For each: the day's guardrails hold (the pause cap, one bid step), every
/// change LinkedIn holds is in the audit log as applied, and undoing the runs restores every entity.
#[tokio::test]
async fn a_run_killed_at_any_write_loses_no_write_and_breaks_no_guardrail() {
    use linkedin_core::audit;
    use linkedin_core::write_ahead::RUN_TIMEOUT;
    use sandbox::scenario::{FaultParams, WriteFault, WriteFaultKind};

    // One pause a day allowed (a second one is the violation to catch), and two (more writes to
    // strike at: the campaign's three creatives then stop the third at the last-active guardrail).
    for cap in [1, 2] {
        let mut settings = eager(false);
        settings.params.guardrails.max_pauses_per_campaign = cap;
        let positions = {
            let w = world(4).await;
            let (o, _) = optimizer(&w, settings.clone());
            let report = o.run(w.at(4, 0)).await;
            assert!(report.succeeded(), "{:?}", report.failures);
            writes(&w).len() as u32
        };
        assert_eq!(positions, cap + 1, "the smoke run makes {cap} pause(s) and a bid change");
        let step = settings.params.guardrails.max_bid_step;
        for kind in [WriteFaultKind::DropAfterApply, WriteFaultKind::HangAfterApply] {
            for nth in 1..=positions {
                let case = format!("{kind:?} at write {nth} of {positions} (at most {cap} pauses a day)");
                let w = world(4).await;
                let start = snapshot(&w);
                w.sb.with(|s| {
                    s.faults.set(FaultParams { write_fault: Some(WriteFault { nth, kind }), ..FaultParams::default() })
                });
                let (o, _) = optimizer(&w, settings.clone());
                let clock = w.at(4, 0);
                // `None`: killed mid-write, as the Lambda runtime would at its timeout.
                let first = tokio::time::timeout(std::time::Duration::from_millis(1500), o.run(clock)).await.ok();
                assert_eq!(first.is_none(), kind == WriteFaultKind::HangAfterApply, "{case}");
                let killed = first.as_ref().map(|r| r.run_id.clone());
                w.sb.with(|s| s.faults.set(FaultParams::default()));

                // The next run, after the dead one's timeout: it reconciles, then decides.
                let (again, _) = optimizer(&w, settings.clone());
                let rerun = again.run(w.at(4, RUN_TIMEOUT.num_minutes() + 1)).await;
                assert!(rerun.succeeded(), "{case}: {:?}", rerun.failures);
                if kind == WriteFaultKind::HangAfterApply {
                    assert_eq!(rerun.recovered.len(), 1, "{case}: the killed run is rebuilt: {:?}", rerun.recovered);
                }

                // Guardrails for the day: at most one pause per campaign, bids moved by at most one step.
                let now = snapshot(&w);
                let paused = w.sb.with(|s| {
                    let mut by_campaign = std::collections::BTreeMap::<u64, u32>::new();
                    for c in s.market.creatives() {
                        if start[&format!("creative {}", c.id)] == "ACTIVE" && c.intended_status == "PAUSED" {
                            *by_campaign.entry(c.campaign).or_default() += 1;
                        }
                    }
                    by_campaign
                });
                assert!(
                    paused.values().all(|n| *n <= cap),
                    "{case}: at most {cap} pauses per campaign a day: {paused:?}"
                );
                for (k, v) in &now {
                    if k.ends_with(" bid") {
                        let (a, b) = (start[k].parse::<f64>().unwrap(), v.parse::<f64>().unwrap());
                        assert!((b / a - 1.0).abs() <= step + 1e-9, "{case}: {k} {a} → {b}: more than one step");
                    }
                }
                // Every change LinkedIn holds is in the audit log, applied, with the state it left.
                let latest = audit::latest_changes(w.store.as_ref(), clock.as_of, 7).await.unwrap();
                for (k, v) in now.iter().filter(|(k, v)| start[*k] != **v) {
                    let logged = latest.iter().any(|(e, l)| {
                        let money = |d: Option<rust_decimal::Decimal>| {
                            d.map(|d| (d * rust_decimal::Decimal::from(1_000_000)).normalize().to_string())
                        };
                        match e {
                            Entity::Creative { id, .. } => {
                                *k == format!("creative {id}") && l.after.status.as_deref() == Some(v.as_str())
                            }
                            Entity::Campaign { id } => {
                                (*k == format!("campaign {id} bid")
                                    && money(l.after.bid).as_deref() == Some(v.as_str()))
                                    || (*k == format!("campaign {id} budget")
                                        && money(l.after.daily_budget).as_deref() == Some(v.as_str()))
                            }
                        }
                    });
                    let lines: Vec<_> = latest.values().map(|l| (l.entity, l.outcome, l.after.clone())).collect();
                    assert!(logged, "{case}: {k} is {v} at LinkedIn but no applied audit line says so: {lines:?}");
                }

                // Undo the re-run, then the first (killed or not): every entity is as it started.
                let mut runs = vec![rerun.run_id.clone()];
                let killed = match killed {
                    Some(run) => run,
                    // The killed run's id is only in its write-ahead log.
                    None => {
                        let keys = w.store.list("logs/write_ahead/").await.unwrap();
                        let run = keys
                            .iter()
                            .map(|k| k.key.rsplit('/').nth(1).unwrap().to_string())
                            .find(|r| *r != rerun.run_id.0);
                        linkedin_core::layout::RunId(run.expect("the killed run left intents"))
                    }
                };
                runs.push(killed);
                for (i, run) in runs.iter().enumerate() {
                    let clock = w.at(4, RUN_TIMEOUT.num_minutes() + 2 + i as i64);
                    let undo = optimizer::undo::undo(w.store.clone(), &w.client, run, clock, false).await.unwrap();
                    assert!(undo.failures.is_empty(), "{case}: undo {run}: {:?}", undo.failures);
                }
                assert_eq!(snapshot(&w), start, "{case}: undo restores every entity");
            }
        }
    }
}

/// No blind overwrite: a person changes a campaign's bid in Campaign Manager while the run is between
/// reading it and writing it; the run reads it again before the write, leaves the person's bid, and
/// says so in the audit log and the report.
#[tokio::test]
async fn a_bid_changed_by_a_person_since_the_run_read_it_is_not_overwritten() {
    use sandbox::scenario::{FaultParams, WriteFault, WriteFaultKind};
    let w = world(4).await;
    let campaign = w.sb.with(|s| s.market.campaigns().next().unwrap().id);
    // The run's first write is a pause; as it lands, the person sets the bid to $7.
    let kind = WriteFaultKind::PersonSetsBid { campaign, bid_micros: 7_000_000 };
    w.sb.with(|s| {
        s.faults.set(FaultParams { write_fault: Some(WriteFault { nth: 1, kind }), ..FaultParams::default() })
    });
    let (o, out) = optimizer(&w, eager(false));
    let report = o.run(w.at(4, 0)).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let bid = report.lines.iter().find(|l| matches!(l.action, Action::SetBid { .. })).expect("a bid decision");
    assert_eq!(bid.outcome, Outcome::Skipped, "{bid:?}");
    let why = bid.skipped_because.as_deref().unwrap();
    assert!(why.contains("changed at LinkedIn since this run read it (bid 7 now, bid 6.5 when read)"), "{why}");
    assert_eq!(bid.after, bid.before, "the line records no change");
    assert_eq!(w.sb.with(|s| s.market.campaign(campaign).unwrap().bid.0), 7_000_000, "the person's bid stands");
    assert!(!writes(&w).iter().any(|(path, _)| path.ends_with(&format!("/adCampaigns/{campaign}"))), "no bid write");
    let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    assert!(text.contains("not overwritten"), "{text}");
}

/// A write LinkedIn applied whose answer was lost (the connection dropped after the change) and that
/// the client does not retry: the run reads the entity again, finds the change, and logs it applied.
#[tokio::test]
async fn a_write_whose_answer_was_lost_is_settled_by_reading_the_entity_again() {
    use linkedin_core::linkedin::retry::RetryPolicy;
    use sandbox::scenario::{FaultParams, WriteFault, WriteFaultKind};
    let w = world(4).await;
    let kind = WriteFaultKind::DropAfterApply;
    w.sb.with(|s| {
        s.faults.set(FaultParams { write_fault: Some(WriteFault { nth: 1, kind }), ..FaultParams::default() })
    });
    let (mut o, _) = optimizer(&w, eager(false));
    o.client = common::client_with_retry(&w, RetryPolicy { max_retries: 0, ..RetryPolicy::default() });
    let report = o.run(w.at(4, 0)).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let pause = report.lines.iter().find(|l| l.action == Action::Pause && l.skipped_because.is_none());
    let pause = pause.expect("a pause");
    assert_eq!(pause.outcome, Outcome::Applied, "{pause:?}");
    assert!(pause.reason.contains("LinkedIn applied it though its answer was lost"), "{}", pause.reason);
    assert_eq!(writes(&w).len(), report.counts.paused + report.counts.bid_changes, "sent once each, not repeated");
}

/// A Creative Scorer in the store centres each creative's CTR prior on the CTR it predicts for the
/// creative's collected copy (here a constant 3 %, far above the smoke creatives' 0.2-0.8 %): the
/// posteriors move up, and the report says where the priors came from. Without a model they do not.
#[tokio::test]
async fn a_creative_scorer_in_the_store_centres_the_ctr_priors_on_its_predictions() {
    let w = world(4).await;
    let settings = optimizer::Settings { dry_run: true, ..optimizer::Settings::default() };
    let posterior_means = |r: &optimizer::OptimizeReport| -> Vec<f64> {
        r.lines.iter().filter_map(|l| l.stats.and_then(|s| s.posterior)).map(|p| p.mean()).collect()
    };
    let (o, _) = optimizer(&w, settings.clone());
    let without = o.run(w.at(4, 0)).await;
    assert!(without.creative_prior.contains("no Creative Scorer model"), "{}", without.creative_prior);

    let features: Vec<&str> = linkedin_core::model::ModelKind::CreativeScorer.features();
    let model = serde_json::json!({
        "format": "linkedin-ads-trees", "format_version": 1, "model": "creative_scorer",
        "estimator": "RandomForestRegressor", "target": "ctr", "features": features,
        "combine": "mean", "base_score": 0.0, "learning_rate": 1.0,
        "trees": [{"children_left": [-1], "children_right": [-1], "feature": [-2], "threshold": [-2.0], "value": [0.03]}],
        "training_rows": 40
    });
    w.store.put("models/creative_scorer/model.json", model.to_string().into_bytes(), "application/json").await.unwrap();
    let (o, out) = optimizer(&w, settings);
    let with = o.run(w.at(4, 1)).await;
    assert!(with.succeeded(), "{:?}", with.failures);
    assert!(with.creative_prior.contains("centred on native model"), "{}", with.creative_prior);
    let (a, b) = (posterior_means(&without), posterior_means(&with));
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty() && a.iter().zip(&b).all(|(x, y)| y > x), "{a:?} → {b:?}");
    assert!(
        String::from_utf8(out.lock().unwrap().clone()).unwrap().contains("New creatives: each creative's CTR prior")
    );
}

/// `undo` of a run whose audit line was edited to ask for a bid far from any guarded step (or in another
/// currency) refuses that entity, names it, and writes nothing to LinkedIn.
#[tokio::test]
async fn undo_refuses_an_audit_line_that_asks_for_more_than_a_guarded_step() {
    use linkedin_core::audit::{self, AuditLine, EntityState};
    use linkedin_core::layout::RunId;
    let w = world(4).await;
    let clock = w.at(4, 0);
    let campaign = w.sb.with(|s| s.market.campaigns().next().unwrap().id);
    let bid_now = rust_decimal::Decimal::new(w.sb.with(|s| s.market.campaign(campaign).unwrap().bid.0) as i64, 6);
    let line = |before: rust_decimal::Decimal, currency: &str| AuditLine {
        run_id: RunId("20261008T080000Z-abcdef".into()),
        as_of: clock.as_of,
        at: clock.now,
        dry_run: false,
        entity: Entity::Campaign { id: linkedin_core::CampaignId(campaign) },
        action: Action::SetBid { from: before, to: bid_now },
        outcome: Outcome::Applied,
        reason: "edited by hand".into(),
        skipped_because: None,
        stats: None,
        before: EntityState { bid: Some(before), currency: Some(currency.into()), ..EntityState::default() },
        after: EntityState { bid: Some(bid_now), currency: Some("USD".into()), ..EntityState::default() },
        error: None,
        params: None,
        undo_of: None,
        published: None,
        recovered_by: None,
    };
    for (i, (before, currency, why)) in [
        (rust_decimal::Decimal::from(500), "USD", "more than one guarded step"),
        (bid_now, "EUR", "in EUR, the campaign's in USD"),
    ]
    .into_iter()
    .enumerate()
    {
        let run = RunId(format!("20261008T08000{i}Z-abcdef"));
        let mut l = line(before, currency);
        l.run_id = run.clone();
        audit::write(w.store.as_ref(), clock.as_of, &run, &[l]).await.unwrap();
        let undo =
            optimizer::undo::undo(w.store.clone(), &w.client, &run, w.at(4, 10 + i as i64), false).await.unwrap();
        assert_eq!(undo.restored, 0, "{undo:?}");
        assert!(undo.failures.iter().any(|f| f.contains(why) && f.contains("not restored")), "{:?}", undo.failures);
    }
    assert!(writes(&w).is_empty(), "nothing sent: {:?}", writes(&w));
}
