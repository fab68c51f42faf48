"""What both SageMaker training scripts share: arguments, loading and checking a training set, fitting,
metrics and the model export. Each script only says which estimator, target and hyperparameters it uses.

A training set is a folder the data processor writes (``processed/training/<model>/``): one data file,
``<model>.parquet`` or ``<model>.csv``, and its ``features.json`` manifest. The scripts follow SageMaker's
script-mode conventions, so the same command runs on a laptop and as a training job:

* every hyperparameter is a ``--name value`` argument (how SageMaker passes them);
* ``--train``, ``--validation``, ``--model-dir`` and ``--output-data-dir`` default to ``SM_CHANNEL_TRAIN``,
  ``SM_CHANNEL_VALIDATION``, ``SM_MODEL_DIR`` and ``SM_OUTPUT_DATA_DIR``, the variables SageMaker sets; an
  argument wins over its variable.

The model directory receives ``model.joblib`` (for the scikit-learn serving container, see inference.py),
``model.json`` (the trees as plain arrays, for the Rust evaluator; the format is in README.md),
``features.json`` (the manifest the model was trained with) and ``metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import joblib
import numpy as np
import pandas as pd
import pyarrow.csv
import sklearn
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import KFold

MANIFEST = "features.json"
MANIFEST_VERSION = 1
MODEL_FORMAT = "linkedin-ads-trees"
MODEL_FORMAT_VERSION = 1
CV_FOLDS = 5
# Twice the folds, so every cross-validation fold holds out at least two rows: below that the metrics are
# noise, and a model fitted on a handful of rows would only memorise them.
MIN_ROWS = 2 * CV_FOLDS
MAPE_DEFINITION = (
    "mean absolute percentage error as a fraction (0.25 = 25%), weighted like the other metrics, over the rows "
    "whose target is not 0 (a 0 target has no percentage error); null when every target is 0"
)


class TrainingError(Exception):
    """Something in the data or the arguments the user must fix; printed as one message, without a traceback."""


@dataclass(frozen=True)
class Hyperparameter:
    """One estimator parameter, settable as ``--name-with-dashes`` or ``--name_with_underscores``."""

    name: str
    type: type
    default: object
    help: str


@dataclass(frozen=True)
class ModelSpec:
    """What differs between the two training scripts."""

    name: str  # the training set's folder and file stem, e.g. "creative_scorer"
    estimator: type  # the scikit-learn regressor class
    target: str  # the target column the manifest must name
    more_rows: str  # how to get more rows, for the too-few-rows error
    hyperparameters: tuple


@dataclass(frozen=True)
class TrainingSet:
    """A loaded and checked training set: its manifest, and the matrices taken from the file by column name."""

    manifest: dict
    source: Path
    X: np.ndarray
    y: np.ndarray
    weights: Optional[np.ndarray]

    @property
    def features(self) -> list:
        return feature_names(self.manifest)


def main(spec: ModelSpec, argv: Optional[list] = None) -> int:
    """Runs one training job; returns the exit status: 0, or 1 after printing what to fix."""
    args = parse_args(spec, argv)
    try:
        train(spec, args)
    except TrainingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def parse_args(spec: ModelSpec, argv: Optional[list]) -> argparse.Namespace:
    """The hyperparameters and the four folders; a folder argument wins over its SageMaker variable."""
    parser = argparse.ArgumentParser(
        description=f"Train the {spec.name} model ({spec.estimator.__name__}, target '{spec.target}').")
    for h in spec.hyperparameters:
        dashed = "--" + h.name.replace("_", "-")
        parser.add_argument(dashed, "--" + h.name, dest=h.name, type=h.type, default=h.default,
                            help=f"{h.help} (default {h.default})")
    folders = (  # (flag, variable, required, help)
        ("--train", "SM_CHANNEL_TRAIN", True, f"the training set's folder, e.g. processed/training/{spec.name}"),
        ("--validation", "SM_CHANNEL_VALIDATION", False, "optional: a held-out set's folder, same layout"),
        ("--model-dir", "SM_MODEL_DIR", True, "where the model files are written"),
        ("--output-data-dir", "SM_OUTPUT_DATA_DIR", True, "where metrics.json is written"),
    )
    for flag, variable, _, help_text in folders:
        parser.add_argument(flag, default=os.environ.get(variable), help=f"{help_text} (default ${variable})")
    args = parser.parse_args(argv)
    for flag, variable, required, _ in folders:
        if required and getattr(args, flag[2:].replace("-", "_")) is None:
            parser.error(f"{flag}: give a folder, or set {variable} (SageMaker sets it in a training job)")
    return args


def train(spec: ModelSpec, args: argparse.Namespace) -> None:
    """Loads and checks the data, fits, evaluates, prints the metrics and writes the model directory."""
    params = {h.name: getattr(args, h.name) for h in spec.hyperparameters}
    training = load_set(Path(args.train), spec)
    require_rows(training, MIN_ROWS, f"{CV_FOLDS}-fold cross-validation needs two rows per fold; {spec.more_rows}")
    validation = None
    if args.validation:
        validation = load_set(Path(args.validation), spec, like=training)
        require_rows(validation, 1, "put at least one row in the validation set")
    estimator = spec.estimator(**params).fit(training.X, training.y, sample_weight=training.weights)
    report = metrics_report(spec, params, estimator, training, validation)
    print_metrics(report["metrics"])
    export(estimator, training, report, Path(args.model_dir))
    write_json(Path(args.output_data_dir) / "metrics.json", report)


# --- loading and checking -----------------------------------------------------------------------------


def feature_names(manifest: dict) -> list:
    return [f["name"] for f in manifest["features"]]


def load_set(folder: Path, spec: ModelSpec, like: Optional[TrainingSet] = None) -> TrainingSet:
    """Reads a training-set folder and checks its file against its manifest.

    ``like``: the training set, when loading the validation set, whose features must be the same.
    """
    if not folder.is_dir():
        raise TrainingError(f"{folder}: no such folder; give the folder the data processor wrote, "
                            f"processed/training/{spec.name}/")
    manifest = read_manifest(folder / MANIFEST, spec)
    if like is not None and feature_names(manifest) != like.features:
        raise TrainingError(f"{folder / MANIFEST}: its features differ from the training set's "
                            f"({like.source.parent / MANIFEST}); write both sets with the same data processor")
    path = data_file(folder)
    frame = read_frame(path)
    check_columns(manifest, list(frame.columns), path)
    weight = manifest["weight"]
    return TrainingSet(
        manifest=manifest,
        source=path,
        X=np.column_stack([numeric_column(frame, name, path) for name in feature_names(manifest)]),
        y=numeric_column(frame, manifest["target"], path),
        weights=numeric_column(frame, weight, path) if weight else None,
    )


def read_manifest(path: Path, spec: ModelSpec) -> dict:
    """The manifest, after checking it is one this code understands and belongs to this model."""
    if not path.is_file():
        raise TrainingError(f"{path}: missing; copy the features.json the data processor wrote next to the data file")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise TrainingError(f"{path}: not valid JSON ({e}); copy it again from the data processor's output")
    for key in ("version", "features", "id_columns", "target", "weight", "other_columns"):
        if key not in manifest:
            raise TrainingError(f"{path}: no '{key}' field; this is not a training-set manifest")
    if manifest["version"] != MANIFEST_VERSION:
        raise TrainingError(f"{path}: version {manifest['version']}, but these scripts read version "
                            f"{MANIFEST_VERSION}; update sagemaker/ to the data processor's feature set")
    if manifest["target"] != spec.target:
        raise TrainingError(f"{path}: target '{manifest['target']}', but the {spec.name} model predicts "
                            f"'{spec.target}'; point --train at processed/training/{spec.name}/")
    return manifest


def data_file(folder: Path) -> Path:
    """The folder's one Parquet file, else its one CSV file."""
    for suffix in (".parquet", ".csv"):
        found = sorted(folder.glob("*" + suffix))
        if len(found) > 1:
            raise TrainingError(f"{folder}: {len(found)} {suffix} files ({', '.join(p.name for p in found)}); "
                                "keep one training set per folder")
        if found:
            return found[0]
    raise TrainingError(f"{folder}: no .parquet or .csv file; copy the training set the data processor wrote")


def read_frame(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        # pyarrow's CSV reader parses every float exactly; pandas' default parser (pandas 2) can be off by one
        # unit in the last place, so the same set read from CSV and from Parquet would train different models.
        return pyarrow.csv.read_csv(str(path)).to_pandas()
    except Exception as e:  # pandas and pyarrow raise many types for an unreadable file
        raise TrainingError(f"{path}: cannot read it ({e}); copy the file the data processor wrote again")


def check_columns(manifest: dict, columns: list, source: Path) -> None:
    """The file must hold the manifest's features, in the manifest's order, and nothing unexpected.

    The model takes its inputs by position in manifest order (model.json, the Rust evaluator), so a
    missing, unknown or moved feature column would make a model that is silently wrong, not one that fails.
    """
    features = feature_names(manifest)
    fix = "use the file and the features.json the data processor wrote together (re-run it to regenerate both)"
    missing = [name for name in features if name not in columns]
    if missing:
        raise TrainingError(f"{source}: feature column(s) {', '.join(missing)} from features.json missing; {fix}")
    weight = [manifest["weight"]] if manifest["weight"] else []
    known = set(features + manifest["id_columns"] + manifest["other_columns"] + [manifest["target"]] + weight)
    unknown = [name for name in columns if name not in known]
    if unknown:
        raise TrainingError(f"{source}: column(s) {', '.join(unknown)} not in features.json (neither a feature "
                            f"nor an id, target or other column); {fix}")
    in_file = [name for name in columns if name in set(features)]
    if in_file != features:
        at = next(i for i, (a, b) in enumerate(zip(in_file, features)) if a != b)
        raise TrainingError(f"{source}: feature columns out of features.json order: feature {at + 1} is "
                            f"'{in_file[at]}' in the file, '{features[at]}' in features.json; {fix}")
    for role, name in [("target", manifest["target"])] + [("weight", w) for w in weight]:
        if name not in columns:
            raise TrainingError(f"{source}: the {role} column '{name}' named in features.json is missing; {fix}")


def numeric_column(frame: pd.DataFrame, name: str, source: Path) -> np.ndarray:
    """The column as float64; a blank or non-numeric cell is an error, not a NaN the model would learn from."""
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise TrainingError(f"{source}: column '{name}', data row {row + 1}: {frame[name].iloc[row]!r} is not a "
                            "finite number; the data processor writes only finite numbers, regenerate the file")
    return values


def require_rows(data: TrainingSet, minimum: int, why_and_fix: str) -> None:
    if len(data.y) < minimum:
        raise TrainingError(f"{data.source}: {len(data.y)} row(s), at least {minimum} needed: {why_and_fix}")


# --- metrics --------------------------------------------------------------------------------------------


def metrics_report(spec: ModelSpec, params: dict, estimator, training: TrainingSet,
                   validation: Optional[TrainingSet]) -> dict:
    """metrics.json: in-sample (train_), out-of-fold (cv_) and, with a validation set, validation_ metrics."""
    metrics = prefixed("train", regression_metrics(training.y, estimator.predict(training.X), training.weights))
    metrics.update(prefixed("cv", regression_metrics(training.y, out_of_fold(spec, params, training),
                                                     training.weights)))
    if validation is not None:
        metrics.update(prefixed("validation", regression_metrics(
            validation.y, estimator.predict(validation.X), validation.weights)))
    ranked = sorted(zip(training.features, estimator.feature_importances_), key=lambda kv: (-kv[1], kv[0]))
    return {
        "model": spec.name,
        "estimator": spec.estimator.__name__,
        "target": training.manifest["target"],
        "weight": training.manifest["weight"],
        "hyperparameters": params,
        "training_rows": len(training.y),
        "validation_rows": None if validation is None else len(validation.y),
        "cv_folds": CV_FOLDS,
        "mape": MAPE_DEFINITION,
        "metrics": metrics,
        "feature_importances": {name: float(value) for name, value in ranked},
    }


def out_of_fold(spec: ModelSpec, params: dict, data: TrainingSet) -> np.ndarray:
    """Each row's prediction by a model fitted on the other folds, with the same weights and hyperparameters.

    Written out rather than cross_val_predict, whose way of passing sample weights changed across the
    scikit-learn versions the SageMaker containers carry.
    """
    predictions = np.empty_like(data.y)
    folds = KFold(n_splits=CV_FOLDS, shuffle=True, random_state=params["random_state"])
    for fit_rows, held_out in folds.split(data.X):
        weights = None if data.weights is None else data.weights[fit_rows]
        model = spec.estimator(**params).fit(data.X[fit_rows], data.y[fit_rows], sample_weight=weights)
        predictions[held_out] = model.predict(data.X[held_out])
    return predictions


def regression_metrics(y: np.ndarray, predicted: np.ndarray, weights: Optional[np.ndarray]) -> dict:
    """MSE, RMSE, MAE, R² and MAPE (see MAPE_DEFINITION), each weighted by ``weights`` when given."""
    mse = mean_squared_error(y, predicted, sample_weight=weights)
    nonzero = y != 0
    mape = None
    if nonzero.any():
        errors = np.abs((y[nonzero] - predicted[nonzero]) / y[nonzero])
        mape = np.average(errors, weights=None if weights is None else weights[nonzero])
    return {
        "mse": finite_or_none(mse),
        "rmse": finite_or_none(math.sqrt(mse)),
        "mae": finite_or_none(mean_absolute_error(y, predicted, sample_weight=weights)),
        "r2": finite_or_none(r2_score(y, predicted, sample_weight=weights)) if len(y) > 1 else None,
        "mape": finite_or_none(mape),
    }


def finite_or_none(value) -> Optional[float]:
    """A plain float, or None (JSON null) where the metric is undefined: JSON has no NaN or Infinity."""
    return float(value) if value is not None and math.isfinite(value) else None


def prefixed(prefix: str, metrics: dict) -> dict:
    return {f"{prefix}_{name}": value for name, value in metrics.items()}


def print_metrics(metrics: dict) -> None:
    """One ``name=value;`` line per defined metric, for SageMaker metric definitions to scrape (README.md)."""
    for name, value in metrics.items():
        if value is not None:
            print(f"{name}={value!r};")
    sys.stdout.flush()


# --- export ---------------------------------------------------------------------------------------------


def export(estimator, training: TrainingSet, report: dict, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, model_dir / "model.joblib")
    write_json(model_dir / "model.json", portable_model(estimator, training, report), indent=None)
    write_json(model_dir / MANIFEST, training.manifest)
    write_json(model_dir / "metrics.json", report)


def write_json(path: Path, value, indent: Optional[int] = 2) -> None:
    """Strict JSON: a NaN or an infinity raises here instead of being written as invalid JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=indent, allow_nan=False) + "\n", encoding="utf-8")


def portable_model(estimator, training: TrainingSet, report: dict) -> dict:
    """model.json: the fitted trees as plain arrays, evaluable without Python (the rule is in README.md)."""
    combine, base_score, learning_rate = combination(estimator)
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "model": report["model"],
        "estimator": type(estimator).__name__,
        "sklearn_version": sklearn.__version__,
        "target": training.manifest["target"],
        "features": training.features,
        "combine": combine,
        "base_score": base_score,
        "learning_rate": learning_rate,
        "trees": [tree_arrays(tree) for tree in fitted_trees(estimator)],
        "feature_manifest": training.manifest,
        "metrics": report,
        "training_rows": len(training.y),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def combination(estimator) -> tuple:
    """(combine, base_score, learning_rate): how the trees' outputs make the prediction.

    A forest averages its trees. Gradient boosting starts from its init estimator's constant (the
    weighted mean of the target, as float64) and adds ``learning_rate * tree output`` per tree; with the
    squared-error loss the leaf values are used as fitted, without rescaling.
    """
    if isinstance(estimator, RandomForestRegressor):
        return "mean", 0.0, 1.0
    if isinstance(estimator, GradientBoostingRegressor):
        return "sum", float(np.ravel(estimator.init_.constant_)[0]), float(estimator.learning_rate)
    raise TypeError(f"model.json has no combination rule for {type(estimator).__name__}")


def fitted_trees(estimator) -> list:
    """The trees in prediction order: a forest keeps a list, gradient boosting an (n_estimators, 1) array."""
    return [t.tree_ for t in np.asarray(estimator.estimators_, dtype=object).reshape(-1)]


def tree_arrays(tree) -> dict:
    """One tree's node arrays, as scikit-learn stores them (leaves: children -1, feature and threshold -2)."""
    # scikit-learn < 1.3 (older SageMaker containers) has no missing_go_to_left; its trees reject NaN.
    missing = getattr(tree, "missing_go_to_left", np.zeros(tree.node_count, dtype=np.uint8))
    return {
        "children_left": tree.children_left.tolist(),
        "children_right": tree.children_right.tolist(),
        "feature": tree.feature.tolist(),
        "threshold": tree.threshold.tolist(),
        "value": tree.value[:, 0, 0].tolist(),
        "missing_go_to_left": np.asarray(missing, dtype=int).tolist(),
    }
