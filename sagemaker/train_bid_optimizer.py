"""Trains the bid optimizer's model: gradient-boosted trees that predict a campaign-day's clicks.

Reads ``processed/training/bid_optimizer/`` (one row per campaign and delivered day: the bid in force, the
budget, the calendar and the previous seven days, all known before the day; target ``clicks``). The
optimizer scores candidate bids with this model and keeps the one with the most predicted clicks for the
budget. Writes the model directory described in README.md. ``--help`` lists the hyperparameters.
"""

import sys

from sklearn.ensemble import GradientBoostingRegressor

from common import Hyperparameter, ModelSpec, main

SPEC = ModelSpec(
    name="bid_optimizer",
    estimator=GradientBoostingRegressor,
    target="clicks",
    more_rows="the set has one row per campaign and delivered day, so run the pipeline for more days",
    hyperparameters=(
        Hyperparameter("n_estimators", int, 200, "boosting stages (trees)"),
        Hyperparameter("learning_rate", float, 0.1, "how much of each tree's output is added"),
        Hyperparameter("max_depth", int, 3, "deepest level a tree may grow to"),
        Hyperparameter("random_state", int, 42, "seed of the tree building and the CV folds"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(SPEC))
