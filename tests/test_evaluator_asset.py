"""The evaluator shipped as package data loads in every Keras the ranges allow (issue 18): its
config.json holds no key that only newer Keras versions understand (data/make_evaluator.py
--portable removes them), and its card and weights are found through importlib.resources."""

import importlib.util
import json
import zipfile
from pathlib import Path

from gankit import evaluator

_SPEC = importlib.util.spec_from_file_location(
    "make_evaluator", Path(__file__).resolve().parent.parent / "data" / "make_evaluator.py"
)
make_evaluator = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(make_evaluator)


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def test_the_shipped_evaluator_has_no_config_key_older_keras_cannot_read():
    with zipfile.ZipFile(evaluator.EVALUATOR_PATH) as archive:
        config = json.loads(archive.read("config.json"))
    newer = sorted({k for k, v in _keys(config) if k in make_evaluator.NEWER_KEYS and v is None})
    assert not newer, f"run python data/make_evaluator.py --portable: {newer}"


def test_card_and_weights_sit_inside_the_package():
    assert "gankit" in evaluator.EVALUATOR_PATH.parts and "assets" in evaluator.EVALUATOR_PATH.parts
    card = evaluator.load_card()
    assert isinstance(card, dict) and card
