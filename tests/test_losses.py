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


def test_get_losses_rejects_unknown_names_and_bad_pairs():
    with pytest.raises(ValueError, match="unknown name 'wgan'"):
        losses.get_losses("wgan")
    with pytest.raises(TypeError, match="pair"):
        losses.get_losses(("not callable", 3))
    d, g = losses.get_losses("minimax")
    assert g is losses.minimax_generator_loss


# Every registered loss pair against values computed by hand for real scores [2, -1] and fake
# scores [0.5, -3]; a pair missing here fails test_every_registered_loss_has_hand_computed_values.
R = np.array([[2.0], [-1.0]], "float32")
F = np.array([[0.5], [-3.0]], "float32")
# cross-entropy: D = mean(-log s(2), -log s(-1)) + mean(-log(1 - s(0.5)), -log(1 - s(-3)))
CE_D = -np.mean(np.log(sigmoid(R))) - np.mean(np.log(1 - sigmoid(F)))
HAND_COMPUTED = {
    # minimax G: mean(log(1 - s(0.5)), log(1 - s(-3)))
    "minimax": (CE_D, np.mean(np.log(1 - sigmoid(F)))),
    # non-saturating G: mean(-log s(0.5), -log s(-3))
    "non_saturating": (CE_D, -np.mean(np.log(sigmoid(F)))),
    # LSGAN: 0.5 * (mean((2-1)^2, (-1-1)^2) + mean(0.25, 9)) = 0.5 * (2.5 + 4.625); G: 0.5 * mean(0.25, 16)
    "least_squares": (0.5 * (2.5 + 4.625), 0.5 * 8.125),
    # hinge: mean(relu(-1), relu(2)) + mean(relu(1.5), relu(-2)) = 1 + 0.75; G: -mean(0.5, -3)
    "hinge": (1.75, 1.25),
    # Wasserstein: mean(F) - mean(R) = -1.25 - 0.5; G: -mean(F)
    "wasserstein": (-1.75, 1.25),
}


def test_every_registered_loss_has_hand_computed_values():
    assert set(HAND_COMPUTED) == set(losses.LOSSES)


@pytest.mark.parametrize("name", sorted(HAND_COMPUTED))
def test_both_functions_of_every_loss_match_hand_computed_values(name):
    d_fn, g_fn = losses.get_losses(name)
    d_expected, g_expected = HAND_COMPUTED[name]
    assert float(d_fn(R, F)) == pytest.approx(d_expected, rel=1e-5, abs=1e-6), f"{name}: D loss"
    assert float(g_fn(F)) == pytest.approx(g_expected, rel=1e-5, abs=1e-6), f"{name}: G loss"


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
    real = np.random.default_rng(0).normal(2.0, 0.5, size=(16, 2)).astype("float32")
    networks = {"G": gan.generator, "D": gan.discriminator}
    before = {k: [w.numpy().copy() for w in n.trainable_weights] for k, n in networks.items()}
    logs = gan.train_on_batch(real, return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    # Wasserstein's D loss, and hinge's while every score is inside the margin (as at the start),
    # change by 0 when all scores shift by a constant: their gradient for D's output bias is 0
    shift_invariant = name in ("wasserstein", "hinge")
    for key, network in networks.items():
        for old, new in zip(before[key], network.trainable_weights, strict=True):
            if shift_invariant and key == "D" and new.path == "logit/bias":
                assert np.array_equal(old, new.numpy()), f"{name}: D's output bias moved"
                continue
            assert not np.allclose(old, new.numpy()), f"{name}: {key}'s {new.path} did not move"

    # each update lowers its own loss on the batch it was computed on (one small Adam step
    # follows the negative gradient's signs, so to first order the loss must fall)
    d_fn, g_fn = gan.d_loss_fn, gan.g_loss_fn
    z = gan.sample_noise(16)
    fake = gan.generator(z, training=True)

    def d_loss():
        return float(d_fn(gan.discriminator(real), gan.discriminator(fake)))

    d_before = d_loss()
    gan.d_step(real, z)
    assert d_loss() < d_before, f"{name}: D's step did not lower D's loss on its batch"

    def g_loss():
        return float(g_fn(gan.discriminator(gan.generator(z))))

    g_before = g_loss()
    gan.g_step(z)
    assert g_loss() < g_before, f"{name}: G's step did not lower G's loss on its noise"
