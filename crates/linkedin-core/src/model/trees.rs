//! Tree ensembles exported by `sagemaker/` (`model.json`, format `linkedin-ads-trees` v1), evaluated
//! natively: the optimizer and the copy generator predict inside the Lambda, with no endpoint.
//!
//! The evaluation follows scikit-learn exactly, so predictions match `model.predict` to 1e-9
//! (`tests/python/test_sagemaker_*.py` checks it through `linkedin-ads predict`):
//! * scikit-learn casts the input to float32 before walking a tree, so each value is rounded to
//!   `f32` and widened back before it is compared with the (float64) threshold;
//! * a node sends `x <= threshold` left, NaN where `missing_go_to_left` says;
//! * `mean` (random forest) sums the trees in order and divides by their count; `sum` (gradient
//!   boosting) starts at `base_score` and adds `learning_rate × leaf` tree by tree.

use serde::Deserialize;

pub const FORMAT: &str = "linkedin-ads-trees";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{source_name} is not a model.json of format {FORMAT} v{FORMAT_VERSION}: {message}")]
    Invalid { source_name: String, message: String },
    #[error(
        "{source_name} was trained on features {found:?}, but this build computes {expected:?}: retrain it on the current training set (make train)"
    )]
    Features { source_name: String, expected: Vec<String>, found: Vec<String> },
    #[error("row {row}: expected {expected} feature values, got {found}")]
    RowLength { row: usize, expected: usize, found: usize },
}

/// How the trees' outputs are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Random forest: the average of the trees.
    Mean,
    /// Gradient boosting: `base_score + learning_rate × Σ tree`.
    Sum,
}

#[derive(Debug, Clone, Deserialize)]
struct RawTree {
    children_left: Vec<i64>,
    children_right: Vec<i64>,
    feature: Vec<i64>,
    threshold: Vec<f64>,
    value: Vec<f64>,
    #[serde(default)]
    missing_go_to_left: Vec<u8>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawModel {
    format: String,
    format_version: u32,
    model: String,
    estimator: String,
    #[serde(default)]
    sklearn_version: Option<String>,
    target: String,
    features: Vec<String>,
    combine: Combine,
    base_score: f64,
    learning_rate: f64,
    trees: Vec<RawTree>,
    #[serde(default)]
    metrics: serde_json::Value,
    #[serde(default)]
    training_rows: Option<u64>,
    #[serde(default)]
    trained_at: Option<String>,
}

/// One node, flattened; a leaf has `left == 0` (the root is never anyone's child).
#[derive(Debug, Clone, Copy)]
struct Node {
    left: u32,
    right: u32,
    feature: u32,
    missing_left: bool,
    threshold: f64,
    value: f64,
}

/// What the model is, for reports and `describe()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// `creative_scorer` or `bid_optimizer`.
    pub model: String,
    pub estimator: String,
    pub sklearn_version: Option<String>,
    pub target: String,
    pub trees: usize,
    pub training_rows: Option<u64>,
    pub trained_at: Option<String>,
    pub metrics: serde_json::Value,
}

/// A validated ensemble: every child index is in range and after its parent, so every walk ends.
#[derive(Debug, Clone)]
pub struct TreeEnsemble {
    pub info: ModelInfo,
    features: Vec<String>,
    combine: Combine,
    base_score: f64,
    learning_rate: f64,
    /// All trees' nodes, tree after tree; `roots[i]` is where tree `i` starts.
    nodes: Vec<Node>,
    roots: Vec<u32>,
}

impl TreeEnsemble {
    /// Parses and validates `model.json`; `source_name` (e.g. its key) goes into every error.
    pub fn from_json(bytes: &[u8], source_name: &str) -> Result<Self, ModelError> {
        let invalid = |message: String| ModelError::Invalid { source_name: source_name.to_string(), message };
        let raw: RawModel = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if raw.format != FORMAT || raw.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format is {} v{}; re-export it with this repository's sagemaker/ scripts",
                raw.format, raw.format_version
            )));
        }
        if raw.features.is_empty() || raw.trees.is_empty() {
            return Err(invalid("no features or no trees".into()));
        }
        if !raw.base_score.is_finite() || !raw.learning_rate.is_finite() {
            return Err(invalid("base_score and learning_rate must be finite".into()));
        }
        let mut nodes = Vec::new();
        let mut roots = Vec::with_capacity(raw.trees.len());
        for (t, tree) in raw.trees.iter().enumerate() {
            let n = tree.children_left.len();
            let lengths = [tree.children_right.len(), tree.feature.len(), tree.threshold.len(), tree.value.len()];
            if n == 0
                || lengths.iter().any(|l| *l != n)
                || !(tree.missing_go_to_left.is_empty() || tree.missing_go_to_left.len() == n)
            {
                return Err(invalid(format!("tree {t}: its node arrays differ in length or are empty")));
            }
            let base = nodes.len() as u32;
            roots.push(base);
            for i in 0..n {
                let (l, r) = (tree.children_left[i], tree.children_right[i]);
                let value = tree.value[i];
                if l == -1 {
                    if !value.is_finite() {
                        return Err(invalid(format!("tree {t} node {i}: leaf value is not finite")));
                    }
                    nodes.push(Node { left: 0, right: 0, feature: 0, missing_left: false, threshold: 0.0, value });
                    continue;
                }
                let child_ok = |c: i64| c > i as i64 && (c as usize) < n;
                let feature = tree.feature[i];
                if !child_ok(l) || !child_ok(r) {
                    return Err(invalid(format!("tree {t} node {i}: children {l}/{r} out of order or range")));
                }
                if feature < 0 || feature as usize >= raw.features.len() {
                    return Err(invalid(format!("tree {t} node {i}: feature index {feature} out of range")));
                }
                let threshold = tree.threshold[i];
                if threshold.is_nan() {
                    return Err(invalid(format!("tree {t} node {i}: threshold is NaN")));
                }
                nodes.push(Node {
                    left: base + l as u32,
                    right: base + r as u32,
                    feature: feature as u32,
                    missing_left: tree.missing_go_to_left.get(i).is_some_and(|m| *m == 1),
                    threshold,
                    value,
                });
            }
        }
        Ok(Self {
            info: ModelInfo {
                model: raw.model,
                estimator: raw.estimator,
                sklearn_version: raw.sklearn_version,
                target: raw.target,
                trees: roots.len(),
                training_rows: raw.training_rows,
                trained_at: raw.trained_at,
                metrics: raw.metrics,
            },
            features: raw.features,
            combine: raw.combine,
            base_score: raw.base_score,
            learning_rate: raw.learning_rate,
            nodes,
            roots,
        })
    }

    /// The input columns, in order.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Refuses a model trained on other features than `expected` (names and order).
    pub fn check_features(&self, expected: &[&str], source_name: &str) -> Result<(), ModelError> {
        if self.features.iter().map(String::as_str).eq(expected.iter().copied()) {
            return Ok(());
        }
        Err(ModelError::Features {
            source_name: source_name.to_string(),
            expected: expected.iter().map(|s| s.to_string()).collect(),
            found: self.features.clone(),
        })
    }

    fn leaf(&self, root: u32, row: &[f64]) -> f64 {
        let mut node = &self.nodes[root as usize];
        while node.left != 0 {
            let x = row[node.feature as usize] as f32 as f64;
            let left = if x.is_nan() { node.missing_left } else { x <= node.threshold };
            node = &self.nodes[if left { node.left } else { node.right } as usize];
        }
        node.value
    }

    /// One prediction; `row` holds the features in [`Self::features`] order.
    pub fn predict(&self, row: &[f64]) -> Result<f64, ModelError> {
        if row.len() != self.features.len() {
            return Err(ModelError::RowLength { row: 0, expected: self.features.len(), found: row.len() });
        }
        Ok(match self.combine {
            Combine::Mean => {
                let mut sum = 0.0;
                for root in &self.roots {
                    sum += self.leaf(*root, row);
                }
                sum / self.roots.len() as f64
            }
            Combine::Sum => {
                let mut out = self.base_score;
                for root in &self.roots {
                    out += self.learning_rate * self.leaf(*root, row);
                }
                out
            }
        })
    }

    pub fn predict_rows(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>, ModelError> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                self.predict(r).map_err(|e| match e {
                    ModelError::RowLength { expected, found, .. } => ModelError::RowLength { row: i, expected, found },
                    other => other,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stump on feature 1 at 0.5 (left 10, right 20) and a leaf of 3.
    fn model(combine: &str) -> String {
        format!(
            r#"{{"format":"linkedin-ads-trees","format_version":1,"model":"bid_optimizer","estimator":"x",
            "target":"clicks","features":["a","b"],"combine":"{combine}","base_score":100.0,"learning_rate":0.1,
            "trees":[
              {{"children_left":[1,-1,-1],"children_right":[2,-1,-1],"feature":[1,-2,-2],"threshold":[0.5,-2,-2],
                "value":[15,10,20],"missing_go_to_left":[1,0,0]}},
              {{"children_left":[-1],"children_right":[-1],"feature":[-2],"threshold":[-2],"value":[3]}}
            ]}}"#
        )
    }

    #[test]
    fn walks_like_scikit_learn() {
        let sum = TreeEnsemble::from_json(model("sum").as_bytes(), "m").unwrap();
        assert_eq!(sum.predict(&[0.0, 0.5]).unwrap(), 100.0 + 0.1 * 10.0 + 0.1 * 3.0, "<= goes left");
        assert_eq!(sum.predict(&[0.0, 0.6]).unwrap(), 100.0 + 0.1 * 20.0 + 0.1 * 3.0);
        assert_eq!(sum.predict(&[0.0, f64::NAN]).unwrap(), 100.0 + 0.1 * 10.0 + 0.1 * 3.0, "NaN as logged");
        let mean = TreeEnsemble::from_json(model("mean").as_bytes(), "m").unwrap();
        assert_eq!(mean.predict(&[0.0, 0.9]).unwrap(), (20.0 + 3.0) / 2.0);
        // 0.50000001 rounds to 0.5 in float32, so it goes left as in scikit-learn.
        assert_eq!(mean.predict(&[0.0, 0.500_000_01]).unwrap(), (10.0 + 3.0) / 2.0);
        assert!(matches!(mean.predict(&[1.0]), Err(ModelError::RowLength { expected: 2, found: 1, .. })));
    }

    #[test]
    fn a_broken_or_foreign_file_is_refused_with_the_reason() {
        let err =
            |json: String| TreeEnsemble::from_json(json.as_bytes(), "models/x/model.json").unwrap_err().to_string();
        assert!(err("{".into()).contains("models/x/model.json"));
        assert!(err(model("sum").replace("\"format_version\":1", "\"format_version\":2")).contains("v2"));
        assert!(err(model("sum").replace("[1,-1,-1]", "[0,-1,-1]")).contains("out of order"), "a cycle is refused");
        assert!(err(model("sum").replace("[1,-2,-2]", "[7,-2,-2]")).contains("feature index 7"));
        assert!(err(model("sum").replace("[15,10,20]", "[15,10]")).contains("differ in length"));
        let m = TreeEnsemble::from_json(model("sum").as_bytes(), "m").unwrap();
        assert!(m.check_features(&["a", "b"], "m").is_ok());
        let e = m.check_features(&["b", "a"], "m").unwrap_err().to_string();
        assert!(e.contains("retrain") && e.contains("[\"b\", \"a\"]"), "{e}");
    }
}
