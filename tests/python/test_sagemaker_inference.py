"""sagemaker/inference.py's four hooks, called the way the SageMaker scikit-learn container calls them."""

import json
import shutil

import pytest

from fixtures.sagemaker.synthetic import feature_names, frame, train, write_set

import inference  # noqa: E402  (on the path once the synthetic module is imported)

FEATURES = feature_names("bid_optimizer")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inference")
    write_set(tmp / "train", "bid_optimizer", frame("bid_optimizer", 30))
    assert train("bid_optimizer", tmp / "train", tmp / "model", tmp / "output", "--n-estimators", "15") == 0
    return tmp / "model"


@pytest.fixture(scope="module")
def model(model_dir):
    return inference.model_fn(str(model_dir))


@pytest.fixture(scope="module")
def rows():
    return frame("bid_optimizer", 4, seed=9)


def serve(model, body, content_type, accept="application/json"):
    """The container's default transform: input_fn, predict_fn, output_fn; returns the decoded predictions."""
    response, response_type = inference.output_fn(
        inference.predict_fn(inference.input_fn(body, content_type), model), accept)
    assert response_type == "application/json"
    return json.loads(response)["predictions"]


def expected(model, rows):
    return model.estimator.predict(rows[FEATURES].to_numpy()).tolist()


def test_json_instances_as_lists_or_objects(model, rows):
    want = expected(model, rows)
    as_lists = rows[FEATURES].to_numpy().tolist()
    assert serve(model, json.dumps({"instances": as_lists}), "application/json") == want
    assert serve(model, json.dumps(as_lists).encode(), "application/json; charset=utf-8") == want
    # Objects are matched by name; other keys (ids, outcomes) are ignored.
    objects = rows.to_dict(orient="records")
    assert serve(model, json.dumps({"instances": objects}), "application/json", "*/*") == want


def test_csv_with_a_header_is_matched_by_name_and_without_one_by_position(model, rows):
    want = expected(model, rows)
    shuffled = rows[list(reversed(rows.columns))]
    assert serve(model, shuffled.to_csv(index=False), "text/csv") == want
    assert serve(model, rows[FEATURES].to_csv(index=False, header=False).encode(), "text/csv") == want


@pytest.mark.parametrize("body, content_type, message", [
    ("bid\n1", "text/plain", "content type 'text/plain' is not supported; send application/json or text/csv"),
    ('{"rows": [[1]]}', "application/json", 'send {"instances": [...]}'),
    ("{nope", "application/json", "not valid JSON"),
    (",".join(FEATURES) + "\n", "text/csv", "the request has no rows"),
    (json.dumps([[1.0, 2.0]]), "application/json", f"instance 1: 2 values, the model takes {len(FEATURES)}"),
    (json.dumps([{"bid": 1.0}]), "application/json", "instance 1: no value for feature(s) daily_budget,"),
    (json.dumps([[1.0] * len(FEATURES), ["x"] * len(FEATURES)]), "application/json",
     "instance 2, feature 'bid': 'x' is not a finite number"),
    ("\n".join([",".join(FEATURES), ",".join(["nan"] * len(FEATURES))]), "text/csv",
     "instance 1, feature 'bid': 'nan' is not a finite number"),
])
def test_bad_requests_say_what_to_send(model, body, content_type, message):
    with pytest.raises(ValueError) as e:
        inference.predict_fn(inference.input_fn(body, content_type), model)
    assert message in str(e.value)


def test_only_json_responses(model):
    with pytest.raises(ValueError, match="accept type 'text/csv' is not supported; ask for application/json"):
        inference.output_fn([1.0], "text/csv")


def test_a_model_from_another_scikit_learn_version_is_refused(model_dir, tmp_path):
    copy = shutil.copytree(model_dir, tmp_path / "model")
    portable = json.loads((copy / "model.json").read_text())
    (copy / "model.json").write_text(json.dumps(portable | {"sklearn_version": "0.24.2"}))
    with pytest.raises(RuntimeError, match="trained with scikit-learn 0.24.2, this container has"):
        inference.model_fn(str(copy))
