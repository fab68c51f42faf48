"""Serving functions for the SageMaker scikit-learn container: ``model_fn``, ``input_fn``, ``predict_fn``,
``output_fn``, the four hooks its model server calls, for either model the training scripts write.

Requests (README.md, "Inference"):

* ``application/json``: ``{"instances": [...]}`` or the bare list, each instance either a list of numbers in
  the model's feature order or an object keyed by feature name (other keys are ignored);
* ``text/csv``: one row per line, with a header of column names (columns matched by name, others ignored)
  or without one (every row is all the features, in the model's feature order).

The response is ``{"predictions": [...]}`` as ``application/json``, one number per instance, in order.
Self-contained on purpose (no import of common.py): the container loads this file on its own.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import NamedTuple, Union

import joblib
import numpy as np
import sklearn

JSON = "application/json"
CSV = "text/csv"


class ServingModel(NamedTuple):
    """The fitted estimator and the feature names it takes, in input order."""

    estimator: object
    features: list


def model_fn(model_dir: str) -> ServingModel:
    """Loads model.joblib, refusing one pickled by another scikit-learn version.

    scikit-learn does not support loading a model saved by a different version: it may fail or, worse,
    predict differently. The model directory's model.json records the version the model was trained with.
    """
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        portable = json.load(f)
    if portable["sklearn_version"] != sklearn.__version__:
        raise RuntimeError(
            f"model.joblib was trained with scikit-learn {portable['sklearn_version']}, this container has "
            f"{sklearn.__version__}; train with the same version (README.md, 'scikit-learn versions') or serve "
            "model.json with the Rust evaluator")
    return ServingModel(joblib.load(os.path.join(model_dir, "model.joblib")), portable["features"])


def input_fn(request_body: Union[bytes, str], request_content_type: str) -> list:
    """The request's rows: each a list of values in feature order, or a dict of values by column name."""
    text = request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body
    media_type = (request_content_type or "").split(";")[0].strip().lower()
    if media_type == JSON:
        rows = json_rows(text)
    elif media_type == CSV:
        rows = csv_rows(text)
    else:
        raise ValueError(f"content type '{request_content_type}' is not supported; send {JSON} or {CSV}")
    if not rows:
        raise ValueError("the request has no rows; send at least one instance")
    return rows


def json_rows(text: str) -> list:
    try:
        payload = json.loads(text)
    except ValueError as e:
        raise ValueError(f"the {JSON} body is not valid JSON: {e}")
    rows = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(rows, list) or not all(isinstance(row, (list, dict)) for row in rows):
        raise ValueError('send {"instances": [...]} or a list, each instance a list of numbers in feature '
                         "order or an object keyed by feature name")
    return rows


def csv_rows(text: str) -> list:
    """Rows of a CSV body; the first line is a header when any of its cells is not a number."""
    lines = [line for line in csv.reader(io.StringIO(text)) if line]
    if lines and not all(is_number(cell) for cell in lines[0]):
        header = [name.strip() for name in lines[0]]
        return [dict(zip(header, line)) for line in lines[1:]]
    return lines


def is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def predict_fn(input_data: list, model: ServingModel) -> np.ndarray:
    return model.estimator.predict(feature_matrix(input_data, model.features))


def feature_matrix(rows: list, features: list) -> np.ndarray:
    """The rows as a float64 matrix in feature order; a missing, extra or non-numeric value is an error."""
    matrix = np.empty((len(rows), len(features)), dtype=np.float64)
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            missing = [name for name in features if name not in row]
            if missing:
                raise ValueError(f"instance {i + 1}: no value for feature(s) {', '.join(missing)}")
            values = [row[name] for name in features]
        elif len(row) != len(features):
            raise ValueError(f"instance {i + 1}: {len(row)} values, the model takes {len(features)} "
                             f"({', '.join(features)}); name the columns to send others")
        else:
            values = row
        for j, value in enumerate(values):
            matrix[i, j] = number(value, i, features[j])
    return matrix


def number(value, row: int, feature: str) -> float:
    """A finite float; booleans and NaN are refused (the models were trained on finite numbers only)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        parsed = float(value)
    except (TypeError, ValueError):
        parsed = math.nan
    if not math.isfinite(parsed):
        raise ValueError(f"instance {row + 1}, feature '{feature}': {value!r} is not a finite number")
    return parsed


def output_fn(prediction: np.ndarray, accept: str) -> tuple:
    """``{"predictions": [...]}`` as JSON, the only response type; (body, content type) for the server."""
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*"):
        raise ValueError(f"accept type '{accept}' is not supported; ask for {JSON}")
    return json.dumps({"predictions": [float(p) for p in prediction]}), JSON
