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


# Part 2 losses against values computed by hand for real scores [2, -1] and fake scores [0.5, -3].
R = np.array([[2.0], [-1.0]], "float32")
F = np.array([[0.5], [-3.0]], "float32")


@pytest.mark.parametrize(
    ("name", "d_expected", "g_expected"),
    [
        # LSGAN: 0.5 * (mean((2-1)^2, (-1-1)^2) + mean(0.25, 9)) = 0.5 * (2.5 + 4.625); G: 0.5 * mean(0.25, 16)
        ("least_squares", 0.5 * (2.5 + 4.625), 0.5 * 8.125),
        # hinge: mean(relu(-1), relu(2)) + mean(relu(1.5), relu(-2)) = 1 + 0.75; G: -mean(0.5, -3)
        ("hinge", 1.75, 1.25),
        # Wasserstein: mean(F) - mean(R) = -1.25 - 0.5; G: -mean(F)
        ("wasserstein", -1.75, 1.25),
        ("non_saturating", None, None),
    ],
)
def test_part2_losses_match_hand_computed_values(name, d_expected, g_expected):
    d_fn, g_fn = losses.get_losses(name)
    if d_expected is None:  # cross-entropy: checked above; here only that the pair is registered
        assert d_fn is losses.discriminator_loss
        return
    assert float(d_fn(R, F)) == pytest.approx(d_expected, abs=1e-6)
    assert float(g_fn(F)) == pytest.approx(g_expected, abs=1e-6)


def test_hinge_loss_is_zero_beyond_the_margin():
    far_real, far_fake = np.full((3, 1), 1.5, "float32"), np.full((3, 1), -1.2, "float32")
    assert float(losses.hinge_discriminator_loss(far_real, far_fake)) == 0.0


def test_least_squares_optimum_of_d_is_at_the_targets():
    assert float(losses.least_squares_discriminator_loss(np.ones((2, 1)), np.zeros((2, 1)))) == 0.0


def test_wasserstein_loss_estimates_the_mean_shift_for_a_linear_critic():
    # For 1-D Gaussians N(0,1) and N(m,1) W1 = |m|; the 1-Lipschitz critic C(x) = -x attains it.
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 1, (20000, 1)), rng.normal(2.0, 1, (20000, 1))
    estimate = -float(losses.wasserstein_critic_loss(-real, -fake))
    assert estimate == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_every_loss_trains_a_gan_one_step(name):
    import keras

    from gankit import gans, models

    keras.utils.set_random_seed(0)
    gan = gans.GAN(
        models.mlp_generator(4, (2,), (8,), tanh=False), models.mlp_discriminator((2,), (8,))
    )
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), loss=name)
    logs = gan.train_on_batch(
        np.random.default_rng(0).normal(size=(16, 2)).astype("float32"), return_dict=True
    )
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
