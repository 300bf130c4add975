"""Notebook 15's exercise checks (anomaly detection): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import mannwhitneyu

from gankit import anomaly, checks


def auroc(normal, anomaly):
    normal, anomaly = np.asarray(normal), np.asarray(anomaly)
    greater = (anomaly[:, None] > normal[None, :]).sum()
    ties = (anomaly[:, None] == normal[None, :]).sum()
    return (greater + 0.5 * ties) / (len(normal) * len(anomaly))


def test_auroc_passes_the_reference_and_scipys_mann_whitney(capsys):
    checks.check_auroc(auroc)
    checks.check_auroc(
        lambda n, a: mannwhitneyu(a, n).statistic / (len(n) * len(a))  # U of the anomalies
    )
    assert capsys.readouterr().out == "✓ auroc: all 5 checks passed\n" * 2


def _strict(n, a):
    return float((np.asarray(a)[:, None] > np.asarray(n)[None, :]).mean())


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda n, a: auroc(a, n), "the anomalies should score higher"),
        (_strict, "counts one half, not zero"),
        (
            lambda n, a: float((np.asarray(a)[:, None] >= np.asarray(n)[None, :]).mean()),
            "counts one half, not one",
        ),
        (
            lambda n, a: float((np.asarray(a)[:, None] > np.asarray(n)[None, :]).sum()),
            "divide by the number",
        ),
        # a threshold at the normal scores' median: an accuracy, not an area
        (
            lambda n, a: float(
                (np.r_[np.asarray(n) <= np.median(n), np.asarray(a) > np.median(n)]).mean()
            ),
            "auroc: ",
        ),
    ],
)
def test_auroc_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_auroc(fn)


class Reference(anomaly.EncoderTrainer):
    """The solution's train_step, as the library writes it."""


def _step(loss_of, weights_of=lambda self: self.encoder.trainable_weights, report=True):
    """A trainer class whose train_step uses ``loss_of(self, x, rebuilt) -> (loss, pixel,
    feature)`` and applies its gradients to ``weights_of(self)``."""

    class Trainer(anomaly.EncoderTrainer):
        def train_step(self, images):
            with tf.GradientTape() as tape:
                rebuilt = self(images, training=True)
                loss, pixel, feature = loss_of(self, images, rebuilt)
            weights = weights_of(self)
            self.optimizer.apply(tape.gradient(loss, weights), weights)
            if not report:
                return loss
            return self.report(loss=loss, residual=pixel, feature_residual=feature)

    return Trainer


def _terms(self, x, rebuilt):
    pixel = tf.reduce_mean(tf.square(x - rebuilt))
    feature = tf.reduce_mean(tf.square(self.feature_model(x) - self.feature_model(rebuilt)))
    return pixel, feature


def _right(self, x, rebuilt):
    pixel, feature = _terms(self, x, rebuilt)
    return pixel + self.kappa * feature, pixel, feature


def test_encoder_step_passes_the_library_and_a_written_out_answer(capsys):
    checks.check_encoder_step(Reference)
    checks.check_encoder_step(_step(_right))
    assert capsys.readouterr().out == "✓ encoder_step: all 5 checks passed\n" * 2


def _no_kappa(self, x, rebuilt):
    pixel, feature = _terms(self, x, rebuilt)
    return pixel + feature, pixel, feature


def _kappa_on_pixels(self, x, rebuilt):
    pixel, feature = _terms(self, x, rebuilt)
    return self.kappa * pixel + feature, pixel, feature


def _pixels_only(self, x, rebuilt):
    pixel, feature = _terms(self, x, rebuilt)
    return pixel, pixel, feature


def _summed(self, x, rebuilt):
    pixel = tf.reduce_sum(tf.square(x - rebuilt))
    feature = tf.reduce_mean(tf.square(self.feature_model(x) - self.feature_model(rebuilt)))
    return pixel + self.kappa * feature, pixel, feature


def _outside_the_tape(self, x, rebuilt):
    pixel, feature = _terms(self, x, self.generator(self.encoder(x)).numpy())
    return tf.constant(1.0) * 0 + pixel + self.kappa * feature, pixel, feature


@pytest.mark.parametrize(
    ("trainer", "message"),
    [
        (_step(_no_kappa), "weighted by self.kappa"),
        (_step(_kappa_on_pixels), "not the pixel term"),
        (_step(_pixels_only), "leaves out the feature term"),
        (_step(_summed), "not the sum"),
        (_step(_right, weights_of=lambda self: self.trainable_weights), "only the encoder learns"),
        (_step(_right, report=False), "self.report"),
        (_step(_outside_the_tape), "did not move|No gradients|raised"),
    ],
)
def test_encoder_step_names_the_mistake(trainer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_encoder_step(trainer)
