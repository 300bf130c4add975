"""Regenerate the kit's evaluator: python data/make_evaluator.py

Trains gankit.evaluator.build_evaluator deterministically on the mnist subset's training split and
writes gankit/assets/evaluator/mnist_evaluator.keras and gankit/assets/evaluator/card.json (held-out
accuracy, the real-vs-real FID baseline, seed, versions), the package data every install of gankit
carries (see data/README.md). Takes about a minute on a 2-core CPU.

The saved file loads in every Keras the ranges of pyproject.toml allow (3.8 on): Keras 3.15 writes
arguments that older releases reject (``input_axes`` and ``output_axes`` of initializers,
``quantization_config`` of Dense; all None, the default), so :func:`portable` drops them from the file's ``config.json`` and leaves the weights
untouched. ``python data/make_evaluator.py --portable`` applies it to the existing file alone.
"""

import json
import os
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from gankit.data import load_mnist  # noqa: E402
from gankit.evaluator import CARD_PATH, EVALUATOR_DIR, EVALUATOR_PATH, Evaluator, train_evaluator  # noqa: E402
from gankit.files import atomic_path, write_text  # noqa: E402

NEWER_KEYS = ("input_axes", "output_axes", "quantization_config")  # added after Keras 3.8


def _without_newer_keys(config):
    if isinstance(config, dict):
        return {
            key: _without_newer_keys(value)
            for key, value in config.items()
            if not (key in NEWER_KEYS and value is None)
        }
    if isinstance(config, list):
        return [_without_newer_keys(value) for value in config]
    return config


def portable(path):
    """Rewrite the ``.keras`` file at ``path`` so that Keras releases older than the writer load
    it: only ``config.json`` changes, and only by dropping :data:`NEWER_KEYS` whose value is None."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as target:
        for info, content in members:
            if info.filename == "config.json":
                content = json.dumps(_without_newer_keys(json.loads(content))).encode()
            target.writestr(info, content)


if __name__ == "__main__" and sys.argv[1:] == ["--portable"]:
    portable(EVALUATOR_PATH)
elif __name__ == "__main__":
    model, card = train_evaluator()
    evaluator = Evaluator(model)
    x_train, _ = load_mnist("train")
    x_test, _ = load_mnist("test")
    card["fid_test_vs_train"] = evaluator.fid(x_test, x_train)
    EVALUATOR_DIR.mkdir(parents=True, exist_ok=True)
    with atomic_path(EVALUATOR_PATH) as tmp:
        model.save(tmp)
    portable(EVALUATOR_PATH)
    write_text(CARD_PATH, json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))
