"""The exercise checks as a whole: the package exports exactly the checks the notebooks call, and
every one of them, run on its notebook's reference answer, leaves the random streams as it found
them (README, Reliability: a notebook's numbers do not depend on whether its exercises were run).

The reference answers are read from the solution notebooks (the cells between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``) and each check is called by its notebook's own check cell, so
a new check, or a changed answer, is tested without editing this file."""

import inspect
import random
import re
from pathlib import Path

import keras
import nbformat
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from gankit import anomaly, checks, gans, provenance

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9]*.ipynb"))
CHECK_CALL = re.compile(r"\bchecks\.check_(\w+)\(")


def _solutions():
    """Check name -> (notebook, the notebook's answer cells, the check cell's source, the check
    cell's stored output)."""
    found = {}
    for path in NOTEBOOKS:
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        answers = [c.source for c in cells if "### BEGIN SOLUTION" in c.source]
        for cell in cells:
            for name in CHECK_CALL.findall(cell.source):
                stored = "".join(o.get("text", "") for o in cell.get("outputs", []))
                found[name] = (path.name, answers, cell.source, stored)
    return found


SOLUTIONS = _solutions()


def _exported():
    return sorted(name for name in dir(checks) if name.startswith("check_"))


def test_the_package_exports_exactly_the_checks_the_notebooks_call():
    assert len(SOLUTIONS) == 35, sorted(SOLUTIONS)
    assert _exported() == sorted(f"check_{name}" for name in SOLUTIONS)
    assert sorted(checks.CHECKS) == sorted(SOLUTIONS)
    assert sorted(n for n in checks.__all__ if n.startswith("check_")) == _exported()
    assert all(checks.CHECKS[name] is getattr(checks, f"check_{name}") for name in SOLUTIONS)


def _streams():
    """The next draws of Python's, NumPy's and Keras' global random streams (Keras' initializers
    and keras.random draw from its global seed generator)."""
    return (
        random.random(),
        np.random.random(3),
        keras.ops.convert_to_numpy(keras.initializers.GlorotUniform()((3, 4))),
        keras.ops.convert_to_numpy(keras.random.normal((2,))),
    )


def _run_notebook_check(name, check=None):
    """Define the notebook's reference answers, then run its check cell for ``name`` (with
    ``check`` in place of the package's function when given)."""
    _, answers, check_cell, _ = SOLUTIONS[name]
    namespace = {"keras": keras, "layers": keras.layers, "np": np, "pd": pd, "tf": tf}
    namespace["gans"] = gans
    namespace["anomaly"] = anomaly
    namespace["provenance"] = provenance
    namespace["Image"] = Image
    for source in answers:
        exec(source, namespace)
    namespace["checks"] = checks
    if check is not None:
        namespace["checks"] = type("Checks", (), {f"check_{name}": staticmethod(check)})
    exec(check_cell, namespace)


def _assert_streams_kept(name, check=None):
    keras.utils.set_random_seed(3)
    expected = _streams()
    keras.utils.set_random_seed(3)
    _run_notebook_check(name, check)
    for before, after in zip(expected, _streams(), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("name", [n.removeprefix("check_") for n in _exported()])
def test_every_check_leaves_the_random_streams_as_it_found_them(name, capsys):
    assert name in SOLUTIONS, f"no notebook calls checks.check_{name}: no reference answer"
    _assert_streams_kept(name)
    # The reference answer passed, with the line its notebook stores (# NBVAL_CHECK_OUTPUT): a
    # check that gains a case must update it there too.
    notebook, _, _, stored = SOLUTIONS[name]
    out = capsys.readouterr().out
    assert out.startswith("✓ ") and out.endswith(" checks passed\n"), out
    assert out == stored, f"{notebook} stores {stored!r} for this check"


def test_the_stream_test_catches_a_check_that_draws_without_restoring(capsys):
    # Would a check without @_keeps_random_state pass the test above? Not one that builds layers.
    unwrapped = checks.check_upsample_block.__wrapped__
    with pytest.raises(AssertionError):
        _assert_streams_kept("upsample_block", unwrapped)
    assert "✓ upsample_block" in capsys.readouterr().out


def _returning(value):
    class Answer(gans.GAN):  # for check_generator_step: a g_step that returns `value`
        def g_step(self, z):
            fake = self.generator(z, training=True)
            self.g_loss_fn(self.discriminator(fake, training=True))
            return value

    class EncoderAnswer(anomaly.EncoderTrainer):  # for check_encoder_step
        def train_step(self, images):
            self(images, training=True)
            return value

    def answer(*args):
        return value

    return Answer, EncoderAnswer, answer


@pytest.mark.parametrize("returned", [None, "a string"], ids=["no return", "a string"])
@pytest.mark.parametrize("name", [n.removeprefix("check_") for n in _exported()])
def test_an_answer_returning_the_wrong_kind_of_thing_gets_a_verdict(name, returned):
    # A function body without `return` (the commonest slip), or a string: the learner must get
    # the check's verdict (what / expected / got), never a crash inside the check.
    check = getattr(checks, f"check_{name}")
    n_args = len(inspect.signature(check).parameters)
    gan_class, encoder_class, answer = _returning(returned)
    classes = {"generator_step": gan_class, "encoder_step": encoder_class}
    args = [classes[name]] if name in classes else [answer] * n_args
    with pytest.raises(AssertionError) as failure:
        check(*args)
    assert re.match(r"\w+: .+\n  expected: .+\n  got: ", str(failure.value)), str(failure.value)
