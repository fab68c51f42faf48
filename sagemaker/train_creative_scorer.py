"""Trains the creative scorer: a random forest that predicts a creative's CTR from its copy features.

Reads ``processed/training/creative_scorer/`` (one row per creative, target ``ctr``, the weighted CTR) and
weights each row by its impressions, as features.json says: a CTR from 200 impressions is far noisier than
one from 20,000. Writes the model directory described in README.md. ``--help`` lists the hyperparameters.
"""

import sys

from sklearn.ensemble import RandomForestRegressor

from common import Hyperparameter, ModelSpec, main

SPEC = ModelSpec(
    name="creative_scorer",
    estimator=RandomForestRegressor,
    target="ctr",
    more_rows="the set has one row per creative with copy and impressions, so run the pipeline longer, "
    "with more creatives in rotation",
    hyperparameters=(
        Hyperparameter("n_estimators", int, 100, "trees in the forest"),
        Hyperparameter("max_depth", int, 10, "deepest level a tree may grow to"),
        Hyperparameter("min_samples_split", int, 5, "rows a node needs before it may split"),
        Hyperparameter("random_state", int, 42, "seed of the bootstrap samples, feature draws and CV folds"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(SPEC))
