"""The training scripts on what the Rust data processor writes, and the Rust evaluator (`linkedin-ads predict`)
against scikit-learn on the exported model.json."""

import json
import os
import shutil
import subprocess

import joblib
import numpy as np
import pandas as pd
import pytest

from fixtures.sagemaker import synthetic
from fixtures.sagemaker.synthetic import MODELS, ROOT, feature_names, frame, train, write_set

import inference  # noqa: E402  (on the path once the synthetic module is imported)

BIN = ROOT / "target" / "debug" / "linkedin-ads"


def run_cli(args, cwd):
    return subprocess.run([str(BIN), *args], env={"PATH": os.environ["PATH"]}, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def demo_sets(tmp_path_factory):
    """The training sets of a 7-day b2b-saas demo: 14 creatives and 21 campaign-days, enough to train on."""
    tmp = tmp_path_factory.mktemp("demo")
    out = run_cli(["--data-dir", "data", "demo", "--scenario", "b2b-saas", "--days", "7"], tmp)
    assert out.returncode == 0, out.stderr
    return tmp / "data" / "processed" / "training"


@pytest.mark.parametrize("model", MODELS)
def test_both_models_train_on_the_data_processors_sets_and_serve(tmp_path, demo_sets, model):
    source = demo_sets / model
    assert train(model, source, tmp_path / "model", tmp_path / "output") == 0
    served = inference.model_fn(str(tmp_path / "model"))
    # The processor's own CSV as a request: ids and outcome columns are ignored, features matched by name.
    csv_text = (source / f"{model}.csv").read_text()
    rows = pd.read_parquet(source / f"{model}.parquet")
    predictions = inference.predict_fn(inference.input_fn(csv_text, "text/csv"), served)
    assert len(predictions) == len(rows) == json.loads((source / "features.json").read_text())["rows"]
    np.testing.assert_array_equal(predictions, served.estimator.predict(rows[feature_names(model)].to_numpy()))

    # The CSV alone trains the same model as the Parquet file: both carry the same float64 values.
    csv_only = tmp_path / "csv-only"
    csv_only.mkdir()
    for name in (f"{model}.csv", "features.json"):
        shutil.copy(source / name, csv_only / name)
    assert train(model, csv_only, tmp_path / "model-csv", tmp_path / "output-csv") == 0
    from_csv = joblib.load(tmp_path / "model-csv" / "model.joblib")
    np.testing.assert_array_equal(from_csv.predict(rows[feature_names(model)].to_numpy()), predictions)


def rust_predict(model_dir, csv_path):
    out = run_cli(["predict", "--model", str(model_dir), "--input", str(csv_path)], ROOT)
    assert out.returncode == 0, out.stderr
    return np.array([float(line) for line in out.stdout.splitlines()])


@pytest.mark.parametrize("model", MODELS)
def test_rust_predict_matches_sklearn_on_held_out_rows(tmp_path, demo_sets, model):
    write_set(tmp_path / "train", model, frame(model, 80, seed=5))
    assert train(model, tmp_path / "train", tmp_path / "model", tmp_path / "output") == 0
    estimator = joblib.load(tmp_path / "model" / "model.joblib")
    portable = json.loads((tmp_path / "model" / "model.json").read_text())

    # Held-out rows plus rows sitting exactly on split thresholds (they need the float32 rounding), written
    # with Python's shortest round-trip floats, columns in reverse order and the id and outcome columns kept.
    held_out = frame(model, 40, seed=6)
    features = feature_names(model)
    on_thresholds = pd.DataFrame(synthetic.threshold_rows(portable, held_out[features].to_numpy().tolist()),
                                 columns=features)
    rows = pd.concat([held_out, on_thresholds.assign(**{c: held_out[c].iloc[0] for c in held_out
                                                       if c not in features})], ignore_index=True)
    csv_path = tmp_path / "held_out.csv"
    rows[list(reversed(rows.columns))].to_csv(csv_path, index=False, float_format=None)
    np.testing.assert_allclose(rust_predict(tmp_path / "model", csv_path),
                               estimator.predict(rows[features].to_numpy()), rtol=1e-9, atol=1e-9)

    # And a model trained on the data processor's set, over the processor's own CSV.
    assert train(model, demo_sets / model, tmp_path / "real", tmp_path / "real-output") == 0
    real = pd.read_parquet(demo_sets / model / f"{model}.parquet")
    np.testing.assert_allclose(rust_predict(tmp_path / "real", demo_sets / model / f"{model}.csv"),
                               joblib.load(tmp_path / "real" / "model.joblib").predict(real[features].to_numpy()),
                               rtol=1e-9, atol=1e-9)
