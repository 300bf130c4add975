"""The machinery every exercise check shares: the verdict that collects cases and words failures
(``name: what / expected / got / likely mistake``), running the learner's code so that a crash
names its case, reading a loss as one finite number, gradients with respect to logits, and
keeping the global random streams as a check found them.
"""

from __future__ import annotations

import contextlib
import functools
import math
import random

import keras
import numpy as np
import tensorflow as tf


def _fmt(value):
    """Numbers in messages with four decimals, arrays on one line."""
    if isinstance(value, float | np.floating):
        return f"{float(value):.4f}"
    if isinstance(value, np.ndarray):
        return np.array2string(np.round(value, 4), separator=", ").replace("\n", "")
    return value


@contextlib.contextmanager
def _random_state_kept():
    """Leave Python's, NumPy's and Keras' global random streams as they were, so that running a
    check (which builds layers, drawing initial weights) does not change what a notebook trains
    afterwards: its measured numbers stay the same whether or not the exercises were run."""
    from keras.src.backend.common import global_state  # no public accessor for these
    from keras.src.random import seed_generator

    key = seed_generator.GLOBAL_SEED_GENERATOR
    saved_python, saved_numpy = random.getstate(), np.random.get_state()
    generator = global_state.get_global_attribute(key)
    saved_keras = None if generator is None else keras.ops.convert_to_numpy(generator.state)
    try:
        yield
    finally:
        random.setstate(saved_python)
        np.random.set_state(saved_numpy)
        if generator is None:
            global_state.set_global_attribute(key, None)
        else:
            global_state.set_global_attribute(key, generator)
            generator.state.assign(saved_keras)


def _keeps_random_state(check):
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with _random_state_kept():
            return check(*args, **kwargs)

    return wrapper


class _Verdict:
    """Collects passed cases; ``fail`` raises the learner-facing AssertionError."""

    def __init__(self, name):
        self.name = name
        self.passed = 0

    def fail(self, what, expected, got, mistake=None):
        lines = [
            f"{self.name}: {what}",
            f"  expected: {_fmt(expected)}",
            f"  got:      {_fmt(got)}",
        ]
        if mistake:
            lines.append(f"  likely mistake: {mistake}")
        raise AssertionError("\n".join(lines))

    def ok(self):
        self.passed += 1

    def done(self):
        print(f"✓ {self.name}: all {self.passed} checks passed")


_HINTS = {
    "No gradients provided": "G ran outside the GradientTape, so no gradient reached its weights:"
    " call self.generator(z, training=True) inside the `with tf.GradientTape()` block",
}


def _call(verdict, fn, *args, what):
    """Run the learner's code; an exception becomes a verdict naming the case that raised it."""
    if not callable(fn):
        verdict.fail("is not callable", "a function", type(fn).__name__, "pass the function itself")
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # the learner's bug: say where, keep the original traceback chained
        hint = next((h for key, h in _HINTS.items() if key in str(exc)), None)
        message = f"{verdict.name}: raised {type(exc).__name__} on {what}: {exc}"
        if hint:
            message += f"\n  likely mistake: {hint}"
        message += "\n  (the traceback above shows the line in your code)"
        raise AssertionError(message) from exc


def _call_array(verdict, fn, *args, what):
    """Run the learner's code like ``_call``; its result as a float64 array, or a named failure."""
    value = _call(verdict, fn, *args, what=what)
    try:
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        verdict.fail(f"returned something that is not numbers on {what}", "an array", repr(value))


def _scalar(verdict, value, what, nonfinite_hint=None):
    """A learner's loss as a Python float; anything but one number is a named failure.
    ``nonfinite_hint`` names the likely cause of an infinite or NaN value (by default: a log of a
    sigmoid that overflowed, the usual cause in a GAN loss)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    except Exception:  # noqa: BLE001 - any unconvertible object gets the same message
        verdict.fail(f"returned something that is not a number on {what}", "a scalar", repr(value))
    if array.size != 1:
        verdict.fail(
            f"returned {array.size} numbers on {what}",
            "one number (a scalar tensor)",
            f"shape {array.shape}",
            "average over the batch: a loss is one number per batch, not one per sample",
        )
    result = float(array.reshape(()))
    if not math.isfinite(result):
        verdict.fail(
            f"returned a non-finite value on {what}",
            "a finite number",
            result,
            nonfinite_hint
            or "log(sigmoid(l)) or log(1 - sigmoid(l)) overflows for a confident D (in float32"
            " sigmoid(40) rounds to 1 and sigmoid(-100) to 0): write -log sigmoid(l) = softplus(-l) and"
            " -log(1 - sigmoid(l)) = softplus(l), which never overflow",
        )
    return result


def _gradients(verdict, fn, *logits, what):
    """Gradients of the learner's loss with respect to its logit arguments (None if cut)."""
    tensors = [tf.constant(x) for x in logits]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = _call(verdict, fn, *tensors, what=what)
    grads = tape.gradient(loss, tensors) if tf.is_tensor(loss) else [None]
    if any(g is None for g in grads):
        verdict.fail(
            f"gradient of the loss with respect to the logits ({what})",
            "a gradient for every argument",
            "None",
            "the loss left TensorFlow (NumPy or float() inside): use tf / keras.ops functions",
        )
    return [g.numpy() for g in grads]


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype="float64"))


def _close(a, b, tol=1e-4):
    return abs(a - b) <= tol * max(1.0, abs(b))


_REAL = np.array([[2.0], [-1.0], [0.5], [3.0]], "float32")
_FAKE = np.array([[-2.5], [0.3], [1.0], [-0.7]], "float32")
# A confident D: sigmoid(40) is exactly 1 in float32 and sigmoid(-100) underflows to 0, so a loss
# written as log(sigmoid(l)) or log(1 - sigmoid(l)) turns infinite; one capped by an epsilon or by
# clipped probabilities (about 16.1 per term) stops growing.
_CONFIDENT = np.array([[40.0], [100.0]], "float32")
_CAPPED = (
    "an epsilon inside the log (or probabilities clipped, e.g. cross-entropy on sigmoid outputs)"
    " caps the loss near 16 per term when D is confident: compute it from the logits with softplus"
)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype="float64")))
