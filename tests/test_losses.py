import numpy as np
import pytest
import tensorflow as tf

from gankit import losses

LN2 = np.log(2.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_discriminator_loss_is_two_ln2_at_one_half():
    zeros = tf.zeros((16, 1))
    assert float(losses.discriminator_loss(zeros, zeros)) == pytest.approx(2 * LN2, rel=1e-6)


def test_losses_match_hand_computed_cross_entropy():
    real = np.array([[2.0], [-1.0], [0.5]], dtype="float32")
    fake = np.array([[-3.0], [0.0], [1.5]], dtype="float32")
    expected_d = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
    expected_minimax_g = np.mean(np.log(1 - sigmoid(fake)))
    expected_ns_g = -np.mean(np.log(sigmoid(fake)))
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert float(losses.minimax_generator_loss(fake)) == pytest.approx(expected_minimax_g, rel=1e-5)
    assert float(losses.non_saturating_generator_loss(fake)) == pytest.approx(
        expected_ns_g, rel=1e-5
    )


def test_losses_are_stable_for_extreme_logits():
    big = tf.constant([[80.0], [-80.0]])
    for value in (
        losses.discriminator_loss(big, -big),
        losses.minimax_generator_loss(big),
        losses.non_saturating_generator_loss(big),
    ):
        assert np.isfinite(float(value))


def test_minimax_gradient_vanishes_when_d_is_confident_but_non_saturating_does_not():
    confident_fake = tf.Variable([[-8.0]])  # D says "fake" with probability 0.9997
    with tf.GradientTape(persistent=True) as tape:
        mm = losses.minimax_generator_loss(confident_fake)
        ns = losses.non_saturating_generator_loss(confident_fake)
    g_mm = float(tape.gradient(mm, confident_fake)[0, 0])
    g_ns = float(tape.gradient(ns, confident_fake)[0, 0])
    assert abs(g_mm) == pytest.approx(sigmoid(-8.0), rel=1e-4)  # d/dl of -softplus(l) = -sigmoid(l)
    assert abs(g_ns) == pytest.approx(1 - sigmoid(-8.0), rel=1e-4)
    assert abs(g_ns) > 1000 * abs(g_mm)


def test_patch_logits_are_averaged_per_example():
    patches = tf.zeros((4, 3, 3, 1))
    assert float(losses.non_saturating_generator_loss(patches)) == pytest.approx(LN2, rel=1e-6)


def test_loss_scaling_under_a_distribution_strategy_matches_one_device():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    fake = tf.constant([[-1.0], [0.0], [2.0], [3.0]])
    one_device = float(losses.non_saturating_generator_loss(fake))
    per_replica = strategy.run(losses.non_saturating_generator_loss, args=(fake,))
    total = float(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None))
    assert total == pytest.approx(one_device, rel=1e-6)


def test_get_losses_rejects_unknown_names_and_bad_pairs():
    with pytest.raises(ValueError, match="unknown name 'wgan'"):
        losses.get_losses("wgan")
    with pytest.raises(TypeError, match="pair"):
        losses.get_losses(("not callable", 3))
    d, g = losses.get_losses("minimax")
    assert g is losses.minimax_generator_loss
