//! Native inference speed: predictions per second for both models at their default sizes, with
//! every tree grown to its full depth (the slowest case those hyperparameters allow; trees fitted on
//! a small account are shallower and faster).
//!
//! `cargo bench -p linkedin-core --bench inference`; the figures go into the README.

use std::hint::black_box;
use std::time::Instant;

use linkedin_core::model::{ModelKind, TreeEnsemble};
use serde_json::json;

/// scikit-learn's node arrays of one tree.
#[derive(Default)]
struct Arrays {
    left: Vec<i64>,
    right: Vec<i64>,
    feature: Vec<i64>,
    threshold: Vec<f64>,
    value: Vec<f64>,
}

impl Arrays {
    /// Adds a subtree of `depth` in depth-first order and returns its root's id.
    fn grow(&mut self, rng: &mut fastrand::Rng, depth: u32, features: usize) -> i64 {
        let id = self.left.len();
        self.left.push(-1);
        self.right.push(-1);
        self.feature.push(-2);
        self.threshold.push(-2.0);
        self.value.push(rng.f64());
        if depth > 0 {
            self.feature[id] = rng.usize(0..features) as i64;
            self.threshold[id] = rng.f64();
            self.left[id] = self.grow(rng, depth - 1, features);
            self.right[id] = self.grow(rng, depth - 1, features);
        }
        id as i64
    }
}

/// A full binary tree of `depth` over `features` inputs, split thresholds in 0..1.
fn full_tree(rng: &mut fastrand::Rng, depth: u32, features: usize) -> serde_json::Value {
    let mut a = Arrays::default();
    a.grow(rng, depth, features);
    json!({"children_left": a.left, "children_right": a.right, "feature": a.feature, "threshold": a.threshold, "value": a.value})
}

fn model(kind: ModelKind, trees: usize, depth: u32, combine: &str) -> TreeEnsemble {
    let mut rng = fastrand::Rng::with_seed(1);
    let features = kind.features();
    let trees: Vec<_> = (0..trees).map(|_| full_tree(&mut rng, depth, features.len())).collect();
    let doc = json!({
        "format": "linkedin-ads-trees", "format_version": 1, "model": kind.name(), "estimator": "synthetic",
        "target": "y", "features": features, "combine": combine, "base_score": 0.0, "learning_rate": 0.1,
        "trees": trees,
    });
    TreeEnsemble::from_json(doc.to_string().as_bytes(), "synthetic").unwrap()
}

fn measure(name: &str, m: &TreeEnsemble, rows: usize) {
    let mut rng = fastrand::Rng::with_seed(2);
    let input: Vec<Vec<f64>> = (0..rows).map(|_| (0..m.features().len()).map(|_| rng.f64()).collect()).collect();
    black_box(m.predict_rows(&input[..100]).unwrap()); // warm the caches
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        black_box(m.predict_rows(black_box(&input)).unwrap());
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "| {name} | {} trees | {rows} | {:.0} | {:.2} µs |",
        m.info.trees,
        rows as f64 / best,
        best / rows as f64 * 1e6
    );
}

fn main() {
    println!("| model | size | rows | predictions/s | per prediction |");
    println!("|---|---|---|---|---|");
    // Defaults of sagemaker/train_creative_scorer.py: 100 trees, max_depth 10.
    measure("creative scorer (random forest)", &model(ModelKind::CreativeScorer, 100, 10, "mean"), 20_000);
    // Defaults of sagemaker/train_bid_optimizer.py: 200 trees, max_depth 3.
    measure("bid optimizer (gradient boosting)", &model(ModelKind::BidOptimizer, 200, 3, "sum"), 200_000);
}
