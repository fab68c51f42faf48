//! The world the optimizer's integration tests share: the smoke scenario on the local LinkedIn
//! sandbox, collected and processed into an object store (a folder, or S3 on moto).

#![allow(dead_code)] // each test binary uses part of it

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use collector::Collector;
use linkedin_core::config::{CredentialsConfig, LinkedInConfig};
use linkedin_core::decisions::Policy;
use linkedin_core::linkedin::analytics::DEFAULT_METRICS;
use linkedin_core::linkedin::auth::{TokenProvider, TokenSource};
use linkedin_core::linkedin::{LinkedInClient, http_client};
use linkedin_core::metrics::{EmfWriter, SharedBuffer};
use linkedin_core::notify::StdoutNotifier;
use linkedin_core::store::{LocalStore, ObjectStore};
use linkedin_core::{AccountId, RunClock, Secret};
use optimizer::{Optimizer, Settings};
use sandbox::market::start_of;
use sandbox::{SandboxServer, Scenario};

pub struct World {
    pub sb: SandboxServer,
    pub store: Arc<dyn ObjectStore>,
    pub client: Arc<LinkedInClient>,
    pub collector: Collector,
    pub processor: data_processor::Processor,
    pub start: DateTime<Utc>,
    _dir: Option<tempfile::TempDir>,
}

impl World {
    /// Collects every 6 hours from day `from` through day `to` (days since the start), then processes.
    pub async fn collect(&self, from: i64, to: i64) {
        for h in (from * 24..=to * 24).step_by(6) {
            let at = self.start + TimeDelta::hours(h);
            self.sb.advance_to(at).unwrap();
            assert!(self.collector.run(RunClock { as_of: at.date_naive(), now: at }).await.succeeded());
        }
        let end = self.start + TimeDelta::days(to) + TimeDelta::hours(6) + TimeDelta::minutes(30);
        self.sb.advance_to(end).unwrap();
        assert!(self.processor.run(RunClock { as_of: end.date_naive(), now: end }).await.succeeded());
    }

    /// The clock of an optimizer run at 08:00 on day `day`, with the sandbox moved there.
    pub fn at(&self, day: i64, minute: i64) -> RunClock {
        let at = self.start + TimeDelta::days(day) + TimeDelta::hours(8) + TimeDelta::minutes(minute);
        self.sb.advance_to(at).unwrap();
        RunClock { as_of: at.date_naive(), now: at }
    }
}

/// The smoke scenario without faults, collected and processed for `days` days into a temporary folder.
pub async fn world(days: i64) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let mut w = world_in(days, store).await;
    w._dir = Some(dir);
    w
}

/// The same, in `store`.
pub async fn world_in(days: i64, store: Arc<dyn ObjectStore>) -> World {
    let mut scenario = Scenario::load("smoke").unwrap();
    scenario.faults = Default::default();
    let scenario = Arc::new(scenario);
    let sb = SandboxServer::start(scenario.clone(), ([127, 0, 0, 1], 0).into()).await.unwrap();
    let config = LinkedInConfig::new(
        &sb.base_url(),
        AccountId(scenario.account.id),
        CredentialsConfig::AccessToken(Secret::new(scenario.oauth.access_token.clone())),
    );
    let tokens = TokenProvider::new(
        TokenSource::Fixed(Secret::new(scenario.oauth.access_token.clone())),
        &config.oauth_base_url,
        http_client(),
        sb.clock(),
    );
    let client = LinkedInClient::new(&config, Arc::new(tokens), http_client());
    let metrics = Arc::new(EmfWriter::new(SharedBuffer::default()));
    let collector = Collector {
        client: client.clone(),
        store: store.clone(),
        metrics: metrics.clone(),
        campaign_ids: Vec::new(),
        lookback_days: 7,
        analytics_metrics: DEFAULT_METRICS.to_vec(),
    };
    let processor = data_processor::Processor { store: store.clone(), metrics, window_days: 8 };
    let start = start_of(scenario.start);
    let w = World { sb, store, client: Arc::new(client), collector, processor, start, _dir: None };
    w.collect(0, days).await;
    w
}

/// A client of the world's sandbox like the world's, with its own retry policy.
pub fn client_with_retry(w: &World, retry: linkedin_core::linkedin::retry::RetryPolicy) -> Arc<LinkedInClient> {
    let scenario = w.sb.with(|s| s.scenario.clone());
    let mut config = LinkedInConfig::new(
        &w.sb.base_url(),
        AccountId(scenario.account.id),
        CredentialsConfig::AccessToken(Secret::new(scenario.oauth.access_token.clone())),
    );
    config.retry = retry;
    let tokens = TokenProvider::new(
        TokenSource::Fixed(Secret::new(scenario.oauth.access_token.clone())),
        &config.oauth_base_url,
        http_client(),
        w.sb.clock(),
    );
    Arc::new(LinkedInClient::new(&config, Arc::new(tokens), http_client()))
}

/// A collector like the world's (same client, store and settings), to vary a field.
pub fn collector_like(w: &World) -> Collector {
    Collector {
        client: w.collector.client.clone(),
        store: w.store.clone(),
        metrics: w.collector.metrics.clone(),
        campaign_ids: w.collector.campaign_ids.clone(),
        lookback_days: w.collector.lookback_days,
        analytics_metrics: w.collector.analytics_metrics.clone(),
    }
}

/// Settings under which the smoke data certainly calls for a pause and a bid change.
pub fn eager(dry_run: bool) -> Settings {
    let mut s = Settings { dry_run, ..Settings::default() };
    s.params.policy = Policy::Threshold;
    s.params.thresholds.min_ctr = 0.5; // 50%: every creative is "poor"; the guardrails decide how many go
    s.params.thresholds.min_sample_clicks = 1;
    s.params.thresholds.bid_dead_band = 0.01;
    s
}

/// An optimizer over the world's store, its report captured as stdout would show it.
pub fn optimizer(w: &World, settings: Settings) -> (Optimizer, Arc<Mutex<Vec<u8>>>) {
    let out = Arc::new(Mutex::new(Vec::new()));
    struct Tee(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Tee {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let o = Optimizer {
        store: w.store.clone(),
        client: w.client.clone(),
        performance: Arc::new(data_processor::performance::LocalPerformance::new(w.store.clone())),
        notifier: Arc::new(StdoutNotifier::to_writer(Tee(out.clone()))),
        metrics: Arc::new(EmfWriter::new(SharedBuffer::default())),
        settings,
        campaign_ids: Vec::new(),
        bid_endpoint: None,
    };
    (o, out)
}

/// The write requests the sandbox received: (path, body).
pub fn writes(w: &World) -> Vec<(String, String)> {
    w.sb.with(|s| {
        s.log.iter().filter(|r| r.is_write()).map(|r| (r.path.clone(), r.body.clone().unwrap_or_default())).collect()
    })
}
