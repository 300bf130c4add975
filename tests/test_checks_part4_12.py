"""Notebook 12's exercise checks (pix2pix): each passes the reference answer and fails, with the
intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest
import tensorflow as tf

from gankit import checks, losses


def reference_loss(fake_logits, fake, target, l1_weight):
    return tf.reduce_mean(tf.nn.softplus(-fake_logits)) + l1_weight * tf.reduce_mean(
        tf.abs(fake - target)
    )


def test_generator_loss_passes_the_reference_and_the_library(capsys):
    checks.check_pix2pix_generator_loss(reference_loss)
    checks.check_pix2pix_generator_loss(
        lambda lg, f, t, w: losses.non_saturating_generator_loss(lg) + w * losses.l1_loss(t, f)
    )
    assert capsys.readouterr().out == "✓ pix2pix_generator_loss: all 5 checks passed\n" * 2


def _softplus(x):
    return tf.nn.softplus(x)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (
            lambda lg, f, t, w: tf.reduce_mean(_softplus(-lg)) + w * tf.reduce_mean((f - t) ** 2),
            "squared error",
        ),
        (
            lambda lg, f, t, w: tf.reduce_mean(_softplus(-lg)) + tf.reduce_mean(tf.abs(f - t)),
            "multiplied by l1_weight",
        ),
        (lambda lg, f, t, w: tf.reduce_mean(_softplus(-lg)), "the L1 term is missing"),
        (lambda lg, f, t, w: w * tf.reduce_mean(tf.abs(f - t)), "the adversarial term is missing"),
        (
            lambda lg, f, t, w: -tf.reduce_mean(_softplus(lg)) + w * tf.reduce_mean(tf.abs(f - t)),
            "minimax",
        ),
        (
            lambda lg, f, t, w: tf.reduce_mean(_softplus(lg)) + w * tf.reduce_mean(tf.abs(f - t)),
            "wrong sign inside",
        ),
        (
            lambda lg, f, t, w: (
                tf.reduce_sum(_softplus(-lg)) / lg.shape[0] + w * tf.reduce_mean(tf.abs(f - t))
            ),
            "over every patch",
        ),
        (
            lambda lg, f, t, w: (
                tf.reduce_mean(_softplus(-lg)) + w * tf.reduce_sum(tf.abs(f - t)) / f.shape[0]
            ),
            "over every pixel",
        ),
        (
            lambda lg, f, t, w: tf.nn.softplus(-lg) + w * tf.reduce_mean(tf.abs(f - t)),
            "one number",
        ),
    ],
)
def test_generator_loss_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_pix2pix_generator_loss(fn)


def reference_psnr(output, target):
    mse = np.mean((np.asarray(output) - np.asarray(target)) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(4.0 / mse)))


def test_psnr_passes_the_reference(capsys):
    checks.check_psnr(reference_psnr)
    assert capsys.readouterr().out == "✓ psnr: all 4 checks passed\n"


def _mse(o, t):
    return np.mean((o - t) ** 2, axis=(1, 2, 3))


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda o, t: np.mean(10 * np.log10(1.0 / _mse(o, t))), "peak-to-peak range is 2"),
        (lambda o, t: 10 * np.log10(4.0 / np.mean(_mse(o, t))), "of each image, then average"),
        (lambda o, t: np.mean(20 * np.log10(4.0 / _mse(o, t))), "10 log10"),
        (lambda o, t: np.mean(10 * np.log(4.0 / _mse(o, t))), "log base 10"),
        (  # per channel: the MSE over the pixels of each channel, then every channel's PSNR
            lambda o, t: np.mean(10 * np.log10(4.0 / np.mean((o - t) ** 2, axis=(1, 2)))),
            "not per channel",
        ),
    ],
)
def test_psnr_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_psnr(fn)
