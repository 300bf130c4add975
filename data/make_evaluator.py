"""Regenerate the kit's evaluator: python data/make_evaluator.py

Trains gankit.evaluator.build_evaluator deterministically on the mnist subset's training split and
writes gankit/assets/evaluator/mnist_evaluator.keras and gankit/assets/evaluator/card.json (held-out
accuracy, the real-vs-real FID baseline, seed, versions), the package data every install of gankit
carries (see data/README.md). Takes about a minute on a 2-core CPU.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from gankit.data import load_mnist  # noqa: E402
from gankit.evaluator import CARD_PATH, EVALUATOR_DIR, EVALUATOR_PATH, Evaluator, train_evaluator  # noqa: E402
from gankit.files import atomic_path, write_text  # noqa: E402

if __name__ == "__main__":
    model, card = train_evaluator()
    evaluator = Evaluator(model)
    x_train, _ = load_mnist("train")
    x_test, _ = load_mnist("test")
    card["fid_test_vs_train"] = evaluator.fid(x_test, x_train)
    EVALUATOR_DIR.mkdir(parents=True, exist_ok=True)
    with atomic_path(EVALUATOR_PATH) as tmp:
        model.save(tmp)
    write_text(CARD_PATH, json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))
