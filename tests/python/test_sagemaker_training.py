"""The SageMaker training scripts (sagemaker/train_*.py) on synthetic training sets: what they write, their
hyperparameters and SageMaker conventions, the checks that refuse a wrong training set, and model.json's
evaluation rule against scikit-learn's own predictions."""

import json
import os
import re
import subprocess
import sys

import joblib
import numpy as np
import pytest

from fixtures.sagemaker import synthetic
from fixtures.sagemaker.synthetic import MODELS, SAGEMAKER, feature_names, frame, manifest, train, write_set

METRICS = [f"{split}_{m}" for split in ("train", "cv") for m in ("mse", "rmse", "mae", "r2", "mape")]
DEFAULTS = {
    "creative_scorer": {"n_estimators": 100, "max_depth": 10, "min_samples_split": 5, "random_state": 42},
    "bid_optimizer": {"n_estimators": 200, "learning_rate": 0.1, "max_depth": 3, "random_state": 42},
}


def read(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_each_script_trains_and_writes_the_model_directory(tmp_path, capsys, model, fmt):
    write_set(tmp_path / "train", model, frame(model, 60), fmt)
    assert train(model, tmp_path / "train", tmp_path / "model", tmp_path / "output") == 0

    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "features.json", "metrics.json", "model.joblib", "model.json"]
    metrics = read(tmp_path / "model" / "metrics.json")
    assert read(tmp_path / "output" / "metrics.json") == metrics
    assert read(tmp_path / "model" / "features.json") == manifest(model)
    assert list(metrics["metrics"]) == METRICS and all(isinstance(v, float) for v in metrics["metrics"].values())
    assert metrics["training_rows"] == 60 and metrics["cv_folds"] == 5 and metrics["hyperparameters"] == DEFAULTS[model]
    importances = metrics["feature_importances"]
    assert sorted(importances) == sorted(feature_names(model))
    assert sum(importances.values()) == pytest.approx(1.0)
    assert list(importances.values()) == sorted(importances.values(), reverse=True)

    # Every metric is printed once, in the form README.md's metric-definition regexes scrape.
    out = capsys.readouterr().out
    for name, value in metrics["metrics"].items():
        assert [float(v) for v in re.findall(rf"\b{name}=([-+0-9.eE]+);", out)] == [value], out

    portable = read(tmp_path / "model" / "model.json")
    assert portable["format"] == "linkedin-ads-trees" and portable["format_version"] == 1
    assert portable["model"] == model and portable["target"] == manifest(model)["target"]
    assert portable["features"] == feature_names(model)
    assert portable["feature_manifest"] == manifest(model) and portable["metrics"] == metrics
    assert portable["training_rows"] == 60 and len(portable["trees"]) == DEFAULTS[model]["n_estimators"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", portable["trained_at"])
    estimator = joblib.load(tmp_path / "model" / "model.joblib")
    assert portable["estimator"] == type(estimator).__name__
    if model == "creative_scorer":
        assert (portable["combine"], portable["base_score"], portable["learning_rate"]) == ("mean", 0.0, 1.0)
    else:
        assert (portable["combine"], portable["learning_rate"]) == ("sum", 0.1)
        assert portable["base_score"] == pytest.approx(frame(model, 60)["clicks"].mean())


def test_the_creative_scorer_weights_rows_by_impressions(tmp_path):
    """Only the weights differ between the two runs: impressions in the manifest, then no weight column."""
    unweighted = manifest("creative_scorer") | {"weight": None}
    write_set(tmp_path / "weighted", "creative_scorer", frame("creative_scorer", 40))
    write_set(tmp_path / "unweighted", "creative_scorer", frame("creative_scorer", 40), manifest_override=unweighted)
    for name in ("weighted", "unweighted"):
        assert train("creative_scorer", tmp_path / name, tmp_path / f"m-{name}", tmp_path / "o",
                     "--n-estimators", "5") == 0
    weighted, plain = (read(tmp_path / f"m-{n}" / "metrics.json") for n in ("weighted", "unweighted"))
    assert weighted["weight"] == "impressions" and plain["weight"] is None
    assert weighted["metrics"]["train_mse"] != plain["metrics"]["train_mse"]


@pytest.mark.parametrize("model, overrides", [
    ("creative_scorer", ["--n-estimators", "7", "--max-depth", "4", "--min_samples_split", "3", "--random-state", "1"]),
    ("bid_optimizer", ["--n_estimators", "9", "--learning-rate", "0.3", "--max-depth", "2", "--random_state", "5"]),
])
def test_hyperparameters_override_the_defaults(tmp_path, model, overrides):
    write_set(tmp_path / "train", model, frame(model, 30))
    assert train(model, tmp_path / "train", tmp_path / "model", tmp_path / "output", *overrides) == 0
    params = joblib.load(tmp_path / "model" / "model.joblib").get_params()
    expected = {overrides[i].lstrip("-").replace("-", "_"): overrides[i + 1] for i in range(0, len(overrides), 2)}
    assert {name: str(params[name]) for name in expected} == expected
    assert read(tmp_path / "model" / "metrics.json")["hyperparameters"] == {
        name: params[name] for name in DEFAULTS[model]}


def run_script(model, env_extra, *args):
    env = {"PATH": os.environ["PATH"], **env_extra}
    return subprocess.run([sys.executable, str(SAGEMAKER / f"train_{model}.py"), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_sagemaker_environment_gives_the_folders_and_arguments_win(tmp_path):
    write_set(tmp_path / "train", "bid_optimizer", frame("bid_optimizer", 30, seed=1))
    write_set(tmp_path / "validation", "bid_optimizer", frame("bid_optimizer", 12, seed=2), "csv")
    env = {"SM_CHANNEL_TRAIN": str(tmp_path / "train"), "SM_CHANNEL_VALIDATION": str(tmp_path / "validation"),
           "SM_MODEL_DIR": str(tmp_path / "model"), "SM_OUTPUT_DATA_DIR": str(tmp_path / "output")}
    out = run_script("bid_optimizer", env, "--n-estimators", "20")
    assert out.returncode == 0, out.stderr
    metrics = read(tmp_path / "output" / "metrics.json")
    assert metrics["validation_rows"] == 12 and metrics["metrics"]["validation_r2"] is not None
    assert "validation_rmse=" in out.stdout
    assert (tmp_path / "model" / "model.json").is_file()

    out = run_script("bid_optimizer", env, "--n-estimators", "20", "--model-dir", str(tmp_path / "elsewhere"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "elsewhere" / "model.json").is_file()

    out = run_script("bid_optimizer", {k: v for k, v in env.items() if k != "SM_MODEL_DIR"})
    assert out.returncode == 2 and "--model-dir: give a folder, or set SM_MODEL_DIR" in out.stderr, out.stderr


def mismatches():
    """(case, how to break the set, text the error must contain)."""
    features = feature_names("creative_scorer")
    swapped = features[:]
    swapped[3], swapped[4] = swapped[4], swapped[3]

    def reorder(data, m):
        return data[["creative_id", "campaign_id", *swapped, *m["other_columns"]]], m

    return [
        ("missing", lambda d, m: (d.drop(columns=["has_dollar", "emoji_count"]), m), "has_dollar, emoji_count"),
        ("extra", lambda d, m: (d.assign(clicks_next_week=1.0), m), "clicks_next_week"),
        ("reordered", reorder, f"feature 4 is '{features[4]}' in the file, '{features[3]}' in features.json"),
        ("version", lambda d, m: (d, m | {"version": 2}), "version 2, but these scripts read version 1"),
        ("target", lambda d, m: (d, m | {"target": "clicks"}), "point --train at processed/training/creative_scorer/"),
        ("no weight", lambda d, m: (d.drop(columns=["impressions"]), m), "weight column 'impressions'"),
        ("not a number", lambda d, m: (d.assign(word_count=["12"] * 29 + ["n/a"]), m), "'word_count', data row 30"),
    ]


@pytest.mark.parametrize("case, breaks, message", mismatches(), ids=[c[0] for c in mismatches()])
def test_a_training_set_that_does_not_match_its_manifest_is_refused(tmp_path, capsys, case, breaks, message):
    data, m = breaks(frame("creative_scorer", 30), manifest("creative_scorer"))
    write_set(tmp_path / "train", "creative_scorer", data, "csv", manifest_override=m)
    assert train("creative_scorer", tmp_path / "train", tmp_path / "model", tmp_path / "output") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err, err
    assert not (tmp_path / "model").exists(), "nothing is written for a refused set"


def test_a_validation_set_with_other_features_is_refused(tmp_path, capsys):
    other = manifest("creative_scorer")
    other["features"] = other["features"][:-1]
    write_set(tmp_path / "train", "creative_scorer", frame("creative_scorer", 30))
    write_set(tmp_path / "validation", "creative_scorer", frame("creative_scorer", 5).drop(columns=["hashtag_count"]),
              manifest_override=other)
    assert train("creative_scorer", tmp_path / "train", tmp_path / "m", tmp_path / "o",
                 "--validation", str(tmp_path / "validation")) == 1
    assert "its features differ from the training set's" in capsys.readouterr().err


def test_too_few_rows_is_refused_with_the_count_and_the_fix(tmp_path):
    write_set(tmp_path / "train", "creative_scorer", frame("creative_scorer", 9))
    out = run_script("creative_scorer", {}, "--train", str(tmp_path / "train"), "--model-dir", str(tmp_path / "m"),
                     "--output-data-dir", str(tmp_path / "o"))
    assert out.returncode == 1, out.stderr
    assert "9 row(s), at least 10 needed" in out.stderr and "run the pipeline longer" in out.stderr, out.stderr


@pytest.mark.parametrize("model", MODELS)
def test_model_json_alone_reproduces_sklearn_predictions(tmp_path, model):
    write_set(tmp_path / "train", model, frame(model, 80, seed=3))
    assert train(model, tmp_path / "train", tmp_path / "model", tmp_path / "output") == 0
    portable = json.loads((tmp_path / "model" / "model.json").read_text())
    estimator = joblib.load(tmp_path / "model" / "model.joblib")

    held_out = frame(model, 40, seed=4)[feature_names(model)].to_numpy().tolist()
    rows = held_out + synthetic.threshold_rows(portable, held_out)
    expected = estimator.predict(np.array(rows))
    got = np.array([synthetic.evaluate(portable, row) for row in rows])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)

    # The threshold rows are the ones that need the float32 rounding of the rule.
    without_rounding = np.array([synthetic.evaluate(portable, row, float32=False) for row in rows])
    assert np.any(np.abs(without_rounding - expected) > 1e-9)
