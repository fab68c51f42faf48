//! `copy approve` against the local LinkedIn sandbox: the exact `createInline` bytes, the audit line,
//! dry run, the refusals (validation, twice, unknown batch), `undo` pausing the new creative, and the
//! weekly job with `AUTO_PUBLISH` on S3 (moto).

#[path = "../../optimizer/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use copy_generator::{Batch, CopyGenerator, Pick, Publisher};
use linkedin_core::audit::{self, Outcome};
use linkedin_core::decisions::{Action, Entity};
use linkedin_core::linkedin::creatives::CreativeStatus;
use linkedin_core::metrics::{EmfWriter, SharedBuffer};
use linkedin_core::{CreativeId, RunClock};

use common::{World, world, writes};

fn generator(w: &World, auto_publish: Option<Publisher>) -> CopyGenerator {
    CopyGenerator {
        store: w.store.clone(),
        performance: Arc::new(data_processor::performance::LocalPerformance::new(w.store.clone())),
        generator: Arc::new(copy_generator::offline::OfflineGenerator),
        scorer_endpoint: None,
        metrics: Arc::new(EmfWriter::new(SharedBuffer::default())),
        auto_publish,
    }
}

/// The world after 8 days, with the Monday batch saved: (batch id, batch, its key).
async fn with_batch(w: &World) -> (String, Batch, String) {
    let report = generator(w, None).run(w.at(8, 60)).await;
    assert!(report.succeeded(), "{report:?}");
    let key = report.batch_key.expect("a batch");
    let batch: Batch = serde_json::from_slice(&w.store.get(&key).await.unwrap().unwrap()).unwrap();
    (batch.batch.0.clone(), batch, key)
}

fn publisher(w: &World, dry_run: bool) -> Publisher {
    Publisher { store: w.store.clone(), client: w.client.clone(), dry_run }
}

#[tokio::test]
async fn an_approved_variation_becomes_a_creative_once_logged_and_undoable() {
    let w = world(8).await;
    let (id, mut batch, key) = with_batch(&w).await;
    // A reviewer's copy with every character little text reserves: unescaped, LinkedIn would cut the
    // published text at the "(" and still answer 201.
    batch.variations[0].variation.intro_text =
        r"Cut CAC (really) | {new} @team [beta] <now> #growth \o/ *fast* snake_case ~ok".into();
    w.store.put(&key, serde_json::to_vec(&batch).unwrap(), "application/json").await.unwrap();
    let before = writes(&w).len();

    // Dry run: every check and the request, nothing sent, an audit line that says so.
    let dry = publisher(&w, true).approve(&id, Pick::Rank(1), w.at(8, 70)).await.unwrap();
    assert_eq!((dry.outcome, dry.creative), (Outcome::DryRun, None));
    assert_eq!(writes(&w).len(), before, "a dry run sends nothing");
    let lines = audit::read_run(w.store.as_ref(), &dry.run_id).await.unwrap();
    assert!(lines[0].dry_run && lines[0].action == Action::Publish && lines[0].outcome == Outcome::DryRun);

    // The real thing, picked by angle.
    let angle = batch.variations[0].variation.angle;
    let report = publisher(&w, false).approve(&id, Pick::Angle(angle), w.at(8, 80)).await.unwrap();
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.outcome, Outcome::Applied);
    let new = report.creative.expect("the new creative");

    // Exactly one write, with exactly these bytes.
    let sent = writes(&w)[before..].to_vec();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let account = w.sb.with(|s| s.scenario.account.clone());
    assert_eq!(sent[0].0, format!("/rest/adAccounts/{}/creatives", account.id));
    let v = &batch.variations[0].variation;
    let winner = batch.brief.winners.iter().find(|x| x.campaign_id == batch.source_campaign).unwrap();
    let expected = serde_json::json!({"creative": {
        "campaign": format!("urn:li:sponsoredCampaign:{}", batch.source_campaign),
        "intendedStatus": "ACTIVE",
        "name": format!("copy {id} #1 {}", angle.as_str()),
        "inlineContent": {"post": {
            "author": format!("urn:li:organization:{}", account.organization),
            "commentary": r"Cut CAC \(really\) \| \{new\} \@team \[beta\] \<now\> \#growth \\o/ \*fast\* snake\_case \~ok",
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
            "adContext": {"dscAdAccount": format!("urn:li:sponsoredAccount:{}", account.id), "dscStatus": "ACTIVE"},
            "content": {"article": {
                "source": winner.landing_page.clone().unwrap(),
                "title": v.headline,
                "description": v.description,
            }},
            "contentCallToActionLabel": v.call_to_action,
        }},
    }});
    assert_eq!(sent[0].1, serde_json::to_string(&expected).unwrap());
    assert_eq!(report.request, expected);

    // LinkedIn has it, with the variation's copy on a post of the same page.
    let creative = w.client.get_creative(new).await.unwrap();
    assert_eq!(creative.campaign.0, batch.source_campaign);
    assert_eq!(creative.intended_status, CreativeStatus::Active);
    let post = w.client.get_post(creative.post().unwrap()).await.unwrap();
    let published = linkedin_core::linkedin::posts::AdCopy::from(post);
    assert_eq!(published.intro_text.as_deref(), Some(v.intro_text.as_str()), "published whole");

    // The audit line: before (nothing) and after (ACTIVE), and what was published from which batch.
    let line = audit::read_run(w.store.as_ref(), &report.run_id).await.unwrap().remove(0);
    assert_eq!(line.entity, Entity::Campaign { id: linkedin_core::CampaignId(batch.source_campaign) });
    assert_eq!((line.before.status.as_deref(), line.after.status.as_deref()), (None, Some("ACTIVE")));
    let p = line.published.unwrap();
    assert_eq!((p.batch_key.as_str(), p.variation, p.creative), (key.as_str(), 1, Some(new)));
    assert_eq!(p.template_creative, CreativeId(winner.creative_id));

    // Never twice, whichever way it is named.
    let err = publisher(&w, false).approve(&id, Pick::Rank(1), w.at(8, 90)).await.unwrap_err();
    assert!(err.contains("already published") && err.contains(&new.0.to_string()), "{err}");
    assert_eq!(writes(&w).len(), before + 1);

    // Undo pauses it (a creative that may have served cannot be deleted).
    let undone = optimizer::undo::undo(w.store.clone(), &w.client, &report.run_id, w.at(8, 100), false).await.unwrap();
    assert_eq!((undone.restored, undone.failures.len()), (1, 0), "{undone:?}");
    assert_eq!(w.client.get_creative(new).await.unwrap().intended_status, CreativeStatus::Paused);
    let last = writes(&w).pop().unwrap();
    assert!(last.0.ends_with(&format!("urn%3Ali%3AsponsoredCreative%3A{}", new.0)), "{last:?}");
    assert_eq!(last.1, r#"{"patch":{"$set":{"intendedStatus":"PAUSED"}}}"#);
}

#[tokio::test]
async fn a_5xx_on_create_is_checked_then_repeated_and_a_creative_from_a_lost_answer_is_not_made_twice() {
    let w = world(8).await;
    let (id, batch, _) = with_batch(&w).await;
    let campaign = batch.source_campaign;
    let count = |w: &World| w.sb.with(|s| s.market.creatives().filter(|c| c.campaign == campaign).count());
    let n = count(&w);

    // Every request fails once with a 5xx (then gets through): the create is repeated only after the
    // campaign was searched for the creative's name.
    w.sb.with(|s| {
        s.faults.params.server_error = 1.0;
        s.faults.params.max_consecutive = 1;
    });
    let report = publisher(&w, false).approve(&id, Pick::Rank(1), w.at(8, 70)).await.unwrap();
    w.sb.with(|s| s.faults.params.server_error = 0.0);
    assert_eq!(report.outcome, Outcome::Applied, "{report:?}");
    assert_eq!(count(&w), n + 1, "one creative, not two");
    let creates = writes(&w).iter().filter(|(p, _)| p.ends_with("/creatives")).count();
    assert_eq!(creates, 2, "the failed attempt and the repeat");

    // LinkedIn made variation 2 but the answer and the audit line were lost: found by name, refused.
    let name = copy_generator::approve::creative_name(&batch.batch, 2, batch.variations[1].variation.angle);
    let lost = w.sb.with(|s| {
        let post = s.market.creatives().find(|c| c.campaign == campaign).unwrap().post.clone();
        s.market.create_creative(campaign, &post, "ACTIVE", Some(name.clone())).unwrap()
    });
    let err = publisher(&w, false).approve(&id, Pick::Rank(2), w.at(8, 80)).await.unwrap_err();
    assert!(err.contains(&format!("already has creative {lost} named '{name}'")), "{err}");
    assert_eq!(count(&w), n + 2);
}

#[tokio::test]
async fn edited_copy_that_breaks_a_limit_an_old_batch_and_an_unknown_batch_are_refused() {
    let w = world(8).await;
    let (id, mut batch, key) = with_batch(&w).await;
    let before = writes(&w).len();

    // A reviewer's edit that LinkedIn would refuse is caught before the call.
    batch.variations[1].variation.headline = "x".repeat(201);
    w.store.put(&key, serde_json::to_vec(&batch).unwrap(), "application/json").await.unwrap();
    let err = publisher(&w, false).approve(&id, Pick::Rank(2), w.at(8, 70)).await.unwrap_err();
    assert!(err.contains("fails validation") && err.contains("headline"), "{err}");

    // Long after: the winners have moved on.
    let late = RunClock { as_of: batch.as_of + chrono::TimeDelta::days(29), now: w.at(8, 80).now };
    let err = publisher(&w, false).approve(&key, Pick::Rank(1), late).await.unwrap_err();
    assert!(err.contains("29 days old"), "{err}");

    let err = publisher(&w, false).approve("20990101T000000Z-ffffff", Pick::Rank(1), w.at(8, 90)).await.unwrap_err();
    assert!(err.contains("no batch") && err.contains(&id), "names the batches there are: {err}");
    let err = publisher(&w, false).approve(&id, Pick::Rank(6), w.at(8, 90)).await.unwrap_err();
    assert!(err.contains("1 to 5"), "{err}");
    assert!("7".parse::<Pick>().is_ok() && "social-proof".parse::<Pick>().is_ok());
    assert!("bold".parse::<Pick>().unwrap_err().contains("problem_solution"));

    assert_eq!(writes(&w).len(), before, "nothing was sent");
}

#[tokio::test]
async fn auto_publish_puts_the_best_variation_live_from_a_batch_in_s3() {
    let moto = test_support::Moto::start();
    let bucket = moto.bucket("ads-data").await;
    let store: Arc<dyn linkedin_core::store::ObjectStore> =
        Arc::new(linkedin_aws::s3::S3Store::new(moto.s3().await, &bucket));
    let w = common::world_in(8, store).await;
    let before = writes(&w).len();

    let report = generator(&w, Some(publisher(&w, false))).run(w.at(8, 60)).await;
    assert!(report.succeeded(), "{report:?}");
    let key = report.batch_key.clone().unwrap();
    let batch: Batch = serde_json::from_slice(&w.store.get(&key).await.unwrap().unwrap()).unwrap();
    let md = w.store.get(&key.replace(".json", ".md")).await.unwrap().expect("the Markdown beside it");
    assert!(String::from_utf8(md).unwrap().contains(&format!("linkedin-ads copy approve {} N", batch.batch)));

    let published = report.published.clone().expect("AUTO_PUBLISH published");
    assert_eq!((published.variation, published.outcome), (1, Outcome::Applied));
    assert_eq!(writes(&w).len(), before + 1);
    let line = audit::read_run(w.store.as_ref(), &published.run_id).await.unwrap().remove(0);
    assert!(line.reason.starts_with("AUTO_PUBLISH"), "{}", line.reason);
    let copy = line.published.unwrap().copy;
    assert_eq!(copy.headline.as_deref(), Some(batch.variations[0].variation.headline.as_str()));
    assert!(report.summary().contains("AUTO_PUBLISH: published variation 1"), "{}", report.summary());

    // DRY_RUN holds it back: checked and logged, nothing sent.
    let dry = generator(&w, Some(publisher(&w, true))).run(w.at(8, 120)).await;
    assert_eq!(dry.published.unwrap().outcome, Outcome::DryRun);
    assert_eq!(writes(&w).len(), before + 1);
}

#[tokio::test]
async fn dry_run_from_the_environment_holds_back_approve_and_auto_publish() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn linkedin_core::store::ObjectStore> = Arc::new(linkedin_core::store::LocalStore::new(dir.path()));
    let w = common::world_in(8, store).await;
    let (id, _, _) = with_batch(&w).await;
    let before = writes(&w).len();
    let (account, token) = w.sb.with(|s| (s.scenario.account.id, s.scenario.oauth.access_token.clone()));
    let base = w.sb.base_url();
    let env = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(String, String)> = vec![
            ("DATA_DIR".into(), dir.path().display().to_string()),
            ("DRY_RUN".into(), "true".into()),
            ("LINKEDIN_API_BASE_URL".into(), base.clone()),
            ("LINKEDIN_OAUTH_URL".into(), base.clone()),
            ("LINKEDIN_AD_ACCOUNT_ID".into(), account.to_string()),
            ("LINKEDIN_ACCESS_TOKEN".into(), token.clone()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        linkedin_core::config::Env::from_pairs(pairs)
    };

    // `DRY_RUN=true linkedin-ads copy approve`: the publisher the CLI builds from the environment.
    let cfg = copy_generator::ApproveConfig::from_env(&env(&[])).unwrap();
    let report = Publisher::for_approve(&cfg).await.approve(&id, Pick::Rank(1), w.at(8, 70)).await.unwrap();
    assert_eq!((report.outcome, report.creative), (Outcome::DryRun, None));
    assert_eq!(writes(&w).len(), before, "no write request reached the sandbox");

    // The weekly job with AUTO_PUBLISH=true and DRY_RUN=true.
    let cfg = copy_generator::CopyGeneratorConfig::from_env(&env(&[("AUTO_PUBLISH", "true")])).unwrap();
    let generator = CopyGenerator::from_config(&cfg).await.unwrap();
    let report = generator.run(w.at(8, 120)).await;
    assert_eq!(report.published.expect("auto-publish ran").outcome, Outcome::DryRun);
    assert_eq!(writes(&w).len(), before, "no write request reached the sandbox");
}

/// A `copy approve` killed after LinkedIn made the creative and before the audit line (the answer
/// hung until the timeout): the next approval reconciles it from the write-ahead log, refuses to
/// publish the variation twice, and `undo` of the killed run pauses the creative it made.
#[tokio::test]
async fn an_approve_killed_after_the_create_is_reconciled_not_repeated_and_undoable() {
    use linkedin_core::write_ahead::RUN_TIMEOUT;
    use sandbox::scenario::{FaultParams, WriteFault, WriteFaultKind};
    let w = world(8).await;
    let (id, _, _) = with_batch(&w).await;
    let creatives =
        || w.sb.with(|s| s.market.creatives().filter(|c| c.created_via_api).map(|c| c.id).collect::<Vec<_>>());
    let kind = WriteFaultKind::HangAfterApply;
    w.sb.with(|s| {
        s.faults.set(FaultParams { write_fault: Some(WriteFault { nth: 1, kind }), ..FaultParams::default() })
    });
    let killed = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        publisher(&w, false).approve(&id, Pick::Rank(1), w.at(8, 80)),
    )
    .await;
    assert!(killed.is_err(), "the create hangs until the timeout kills the approval");
    let made = creatives();
    assert_eq!(made.len(), 1, "LinkedIn made the creative");
    w.sb.with(|s| s.faults.set(FaultParams::default()));

    let again = publisher(&w, false).approve(&id, Pick::Rank(1), w.at(8, 81 + RUN_TIMEOUT.num_minutes())).await;
    let refusal = again.unwrap_err();
    assert!(refusal.contains("was already published") && refusal.contains(&made[0].to_string()), "{refusal}");
    assert_eq!(creatives(), made, "not published twice");

    let keys = w.store.list("logs/write_ahead/").await.unwrap();
    let run = linkedin_core::layout::RunId(keys[0].key.rsplit('/').nth(1).unwrap().to_string());
    let lines = audit::read_run(w.store.as_ref(), &run).await.unwrap();
    assert_eq!((lines.len(), lines[0].outcome), (1, Outcome::Applied), "{lines:?}");
    assert!(lines[0].recovered_by.is_some());
    let undo = optimizer::undo::undo(w.store.clone(), &w.client, &run, w.at(8, 110), false).await.unwrap();
    assert_eq!((undo.restored, undo.failures.len()), (1, 0), "{undo:?}");
    assert_eq!(w.sb.with(|s| s.market.creative(made[0]).unwrap().intended_status.clone()), "PAUSED");
}
