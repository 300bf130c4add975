"""Notebook 13's exercise checks (CycleGAN): each passes the reference answer and fails, with the
intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn.metrics import pairwise_distances

from gankit import checks, losses


def cycle(a, b, g_ab, g_ba):
    return tf.reduce_mean(tf.abs(g_ba(g_ab(a)) - a)) + tf.reduce_mean(tf.abs(g_ab(g_ba(b)) - b))


def test_cycle_loss_passes_the_reference_and_the_library(capsys):
    checks.check_cycle_loss(cycle)
    checks.check_cycle_loss(
        lambda a, b, g_ab, g_ba: losses.l1_loss(a, g_ba(g_ab(a))) + losses.l1_loss(b, g_ab(g_ba(b)))
    )
    assert capsys.readouterr().out == "✓ cycle_loss: all 7 checks passed\n" * 2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda a, b, f, g: tf.reduce_mean(tf.abs(g(f(a)) - a)), "only the A -> B -> A cycle"),
        (
            lambda a, b, f, g: tf.reduce_mean(tf.abs(f(a) - a)) + tf.reduce_mean(tf.abs(g(b) - b)),
            "penalising any change",
        ),
        (
            lambda a, b, f, g: (
                tf.reduce_mean((g(f(a)) - a) ** 2) + tf.reduce_mean((f(g(b)) - b) ** 2)
            ),
            "squared error",
        ),
        (lambda a, b, f, g: cycle(a, b, f, g) / 2, "added, not averaged"),
        (lambda a, b, f, g: cycle(a, b, g, f), "the order is reversed"),
    ],
)
def test_cycle_loss_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_cycle_loss(fn)


def diversity(images):
    flat = np.asarray(images).reshape(len(images), -1)
    d = pairwise_distances(flat, metric="manhattan") / flat.shape[1]
    return float(d[~np.eye(len(flat), dtype=bool)].mean())


def test_output_diversity_passes_the_reference(capsys):
    checks.check_output_diversity(diversity)
    assert capsys.readouterr().out == "✓ output_diversity: all 3 checks passed\n"


def _flat(images):
    return np.asarray(images).reshape(len(images), -1)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (
            lambda im: float(
                (pairwise_distances(_flat(im), metric="manhattan") / _flat(im).shape[1]).mean()
            ),
            "with itself",
        ),
        (
            lambda im: float(
                pairwise_distances(_flat(im), metric="manhattan")[
                    ~np.eye(len(im), dtype=bool)
                ].mean()
            ),
            "not sum it",
        ),
        (
            lambda im: float(
                (pairwise_distances(_flat(im), metric="sqeuclidean") / _flat(im).shape[1])[
                    ~np.eye(len(im), dtype=bool)
                ].mean()
            ),
            "squared difference",
        ),
    ],
)
def test_output_diversity_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_output_diversity(fn)
