//! The two models and where their predictions come from.
//!
//! A [`Predictor`] answers "one number per feature row" for one [`ModelKind`]. Three implementations:
//! [`NativePredictor`] (the default once `models/<kind>/model.json` is in the store: the exported
//! trees evaluated in-process, no endpoint to pay for), the SageMaker endpoint
//! (`linkedin_aws::sagemaker`, when `CREATIVE_SCORER_ENDPOINT` / `BID_OPTIMIZER_ENDPOINT` is set), and
//! [`Heuristic`] (no model yet: it predicts nothing, and each caller applies its documented rule).

pub mod csv_input;
pub mod trees;

use std::sync::Arc;

use async_trait::async_trait;

use crate::bid_features::BID_FEATURES;
use crate::features::FEATURES;
use crate::store::{ObjectStore, StoreError};
pub use trees::{ModelError, TreeEnsemble};

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// CTR from the copy features (random forest).
    CreativeScorer,
    /// A campaign-day's clicks from the bid features (gradient boosting).
    BidOptimizer,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::CreativeScorer => "creative_scorer",
            ModelKind::BidOptimizer => "bid_optimizer",
        }
    }

    /// Where training puts the portable model (with `model.joblib`, `features.json`, `metrics.json`).
    pub fn key(self) -> String {
        format!("models/{}/model.json", self.name())
    }

    /// The variable naming its SageMaker endpoint.
    pub fn endpoint_var(self) -> &'static str {
        match self {
            ModelKind::CreativeScorer => "CREATIVE_SCORER_ENDPOINT",
            ModelKind::BidOptimizer => "BID_OPTIMIZER_ENDPOINT",
        }
    }

    /// The feature columns this build computes, in order: a model must have been trained on exactly these.
    pub fn features(self) -> Vec<&'static str> {
        match self {
            ModelKind::CreativeScorer => FEATURES.iter().map(|f| f.name).collect(),
            ModelKind::BidOptimizer => BID_FEATURES.iter().map(|f| f.name).collect(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("reading {key}: {source}")]
    Store { key: String, source: StoreError },
    #[error("SageMaker endpoint {endpoint}: {message}")]
    Endpoint { endpoint: String, message: String },
}

#[async_trait]
pub trait Predictor: Send + Sync {
    /// One prediction per row (features in [`ModelKind::features`] order), or `None` when there is no
    /// model and the caller should use its heuristic.
    async fn predict(&self, rows: &[Vec<f64>]) -> Result<Option<Vec<f64>>, PredictError>;
    /// For reports: what answers, e.g. `native model models/bid_optimizer/model.json (…)`.
    fn describe(&self) -> String;
}

/// The exported trees, evaluated in-process.
pub struct NativePredictor {
    pub model: TreeEnsemble,
    source: String,
}

impl NativePredictor {
    pub fn new(model: TreeEnsemble, source: impl Into<String>) -> Self {
        Self { model, source: source.into() }
    }

    /// `models/<kind>/model.json` from the store: `None` when there is none; an error (naming the key
    /// and the fix) when it is unreadable or was trained on other features.
    pub async fn load(store: &dyn ObjectStore, kind: ModelKind) -> Result<Option<Self>, PredictError> {
        let key = kind.key();
        let Some(bytes) = store.get(&key).await.map_err(|source| PredictError::Store { key: key.clone(), source })?
        else {
            return Ok(None);
        };
        let source = format!("{}/{key}", store.describe());
        let model = TreeEnsemble::from_json(&bytes, &source)?;
        model.check_features(&kind.features(), &source)?;
        Ok(Some(Self::new(model, source)))
    }
}

#[async_trait]
impl Predictor for NativePredictor {
    async fn predict(&self, rows: &[Vec<f64>]) -> Result<Option<Vec<f64>>, PredictError> {
        Ok(Some(self.model.predict_rows(rows)?))
    }

    fn describe(&self) -> String {
        let i = &self.model.info;
        let trained = i.trained_at.as_deref().map(|t| format!(", trained {t}")).unwrap_or_default();
        let rows = i.training_rows.map(|n| format!(" on {n} rows")).unwrap_or_default();
        format!("native model {} ({}, {} trees{rows}{trained})", self.source, i.estimator, i.trees)
    }
}

/// The predictor a job uses for `kind`: the endpoint when one is configured, else the native model in
/// the store (read at each run, so a newly trained one is used the next day), else the heuristic. A
/// broken or mismatched model file comes back as the error to report, with the heuristic in its place:
/// it is what runs without a model anyway.
pub async fn resolve(
    kind: ModelKind,
    store: &dyn ObjectStore,
    endpoint: Option<&Arc<dyn Predictor>>,
) -> (Arc<dyn Predictor>, Option<PredictError>) {
    if let Some(e) = endpoint {
        return (e.clone(), None);
    }
    match NativePredictor::load(store, kind).await {
        Ok(Some(native)) => (Arc::new(native), None),
        Ok(None) => (Arc::new(Heuristic { kind }), None),
        Err(e) => (Arc::new(Heuristic { kind }), Some(e)),
    }
}

/// No model yet (the design waits about 30 days for data): predicts nothing.
pub struct Heuristic {
    pub kind: ModelKind,
}

#[async_trait]
impl Predictor for Heuristic {
    async fn predict(&self, _rows: &[Vec<f64>]) -> Result<Option<Vec<f64>>, PredictError> {
        Ok(None)
    }

    fn describe(&self) -> String {
        format!(
            "heuristic (no {} model: train one with `make train`, or set {})",
            self.kind.name(),
            self.kind.endpoint_var()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    #[tokio::test]
    async fn the_native_model_comes_from_the_store_and_must_match_the_features() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        assert!(NativePredictor::load(&store, ModelKind::BidOptimizer).await.unwrap().is_none());
        let features: Vec<String> = ModelKind::BidOptimizer.features().iter().map(|f| format!("\"{f}\"")).collect();
        let json = format!(
            r#"{{"format":"linkedin-ads-trees","format_version":1,"model":"bid_optimizer","estimator":"GradientBoostingRegressor",
            "target":"clicks","features":[{}],"combine":"sum","base_score":40.0,"learning_rate":0.1,
            "trees":[{{"children_left":[1,-1,-1],"children_right":[2,-1,-1],"feature":[0,-2,-2],"threshold":[5.0,-2,-2],"value":[0,-10,10]}}]}}"#,
            features.join(",")
        );
        store.put("models/bid_optimizer/model.json", json.clone().into_bytes(), "application/json").await.unwrap();
        let p = NativePredictor::load(&store, ModelKind::BidOptimizer).await.unwrap().unwrap();
        let mut row = vec![0.0; features.len()];
        row[0] = 6.0;
        assert_eq!(p.predict(&[row]).await.unwrap(), Some(vec![41.0]));
        assert!(p.describe().contains("models/bid_optimizer/model.json (GradientBoostingRegressor, 1 trees"));

        let reordered = json.replacen("\"bid\",\"daily_budget\"", "\"daily_budget\",\"bid\"", 1);
        store.put("models/bid_optimizer/model.json", reordered.into_bytes(), "application/json").await.unwrap();
        let err = NativePredictor::load(&store, ModelKind::BidOptimizer).await.err().unwrap().to_string();
        assert!(err.contains("make train") && err.contains("models/bid_optimizer/model.json"), "{err}");
        assert_eq!(Heuristic { kind: ModelKind::CreativeScorer }.predict(&[vec![1.0]]).await.unwrap(), None);
    }
}
