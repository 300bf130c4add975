"""The gradient penalties (WGAN-GP and R1) against their closed forms, under XLA too.

For a linear critic C(x) = w.x + b the gradient is w everywhere, so the WGAN-GP term is
(||w|| - 1)^2 and R1 is ||w||^2, for points and for images alike; their derivatives with respect
to w are 2 (||w|| - 1) w / ||w|| and 2 w.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from gankit import losses


def linear_critic(shape, w):
    """C(x) = w.x + 0.3 on inputs of ``shape``; ``w`` has that shape."""
    x = keras.Input(shape)
    dense = keras.layers.Dense(1)
    critic = keras.Model(x, dense(keras.layers.Flatten()(x)))
    dense.set_weights([np.asarray(w, "float32").reshape(-1, 1), np.array([0.3], "float32")])
    return critic


CASES = {
    "points": ((2,), np.array([0.3, 0.4])),  # ||w|| = 0.5
    "images": ((4, 4, 1), np.full((4, 4, 1), 0.5)),  # ||w|| = 2
}


@pytest.mark.parametrize("case", CASES)
def test_penalties_of_a_linear_critic_are_their_closed_forms(case):
    shape, w = CASES[case]
    critic = linear_critic(shape, w)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(16, *shape)).astype("float32")
    fake = rng.normal(size=(16, *shape)).astype("float32")
    norm = np.linalg.norm(w)
    gp = float(losses.gradient_penalty(critic, real, fake, seed=1))
    assert gp == pytest.approx((norm - 1) ** 2, rel=1e-5)
    assert float(losses.r1_penalty(critic, real)) == pytest.approx(norm**2, rel=1e-5)


def test_a_zero_gradient_gives_a_penalty_of_exactly_one_and_a_finite_derivative():
    critic = linear_critic((2,), [0.0, 0.0])
    x = np.ones((8, 2), "float32")
    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(critic, x, -x, seed=0)
    assert float(gp) == 1.0
    kernel_grad = tape.gradient(gp, critic.trainable_weights[0]).numpy()
    assert np.isfinite(kernel_grad).all()  # 0/0 = NaN without the epsilon in the square root


def test_the_interpolation_weight_is_uniform_and_drawn_per_sample():
    """On C(x) = x^2 / 2 in 1-D with real = 1 and fake = 0, the critic is evaluated at x_hat = a;
    the a's it sees must be U(0, 1), one per sample (not normal, not one per batch)."""
    seen = []

    def critic(x, training=False):
        seen.append(x)
        return 0.5 * tf.square(x)

    n = 4000
    gp = losses.gradient_penalty(critic, tf.ones((n, 1)), tf.zeros((n, 1)), seed=3)
    alpha = seen[0].numpy().ravel()
    assert stats.kstest(alpha, "uniform").pvalue > 1e-3
    assert alpha.min() >= 0 and alpha.max() <= 1 and alpha.std() > 0.25
    # gradient of x^2/2 is x, so the penalty is E[(a - 1)^2] = 1/3 for a ~ U(0, 1)
    assert float(gp) == pytest.approx(1 / 3, abs=0.02)


@pytest.mark.parametrize("penalty", ["gradient_penalty", "r1_penalty"])
def test_penalty_gradients_under_xla_match_the_closed_form(penalty):
    """The penalty inside an XLA-compiled step (a gradient of a gradient): an R1 attempt once
    failed under jit_compile=True."""
    w0 = np.array([0.3, 0.4], "float32")
    critic = linear_critic((2,), w0)
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    seed = keras.random.SeedGenerator(0)

    @tf.function(jit_compile=True)
    def value_and_grad():
        with tf.GradientTape() as tape:
            if penalty == "gradient_penalty":
                value = losses.gradient_penalty(critic, x, -x, seed=seed)
            else:
                value = losses.r1_penalty(critic, x)
        return value, tape.gradient(value, critic.trainable_weights[0])

    value, grad = value_and_grad()
    norm = np.linalg.norm(w0)
    if penalty == "gradient_penalty":
        want_value, want_grad = (norm - 1) ** 2, 2 * (norm - 1) * w0 / norm
    else:
        want_value, want_grad = norm**2, 2 * w0
    assert float(value) == pytest.approx(want_value, rel=1e-5)
    np.testing.assert_allclose(grad.numpy().ravel(), want_grad, rtol=1e-5)


def test_one_sided_label_smoothing_labels_real_samples_below_one():
    real = np.array([[2.0], [-1.0]], "float32")
    fake = np.array([[0.5], [-0.5]], "float32")
    got = float(losses.discriminator_loss(real, fake, real_target=0.9))
    sp = np.logaddexp(0, real.ravel())  # softplus(l) = -log(1 - sigmoid(l))
    spn = np.logaddexp(0, -real.ravel())  # softplus(-l) = -log sigmoid(l)
    want = np.mean(0.9 * spn + 0.1 * sp) + np.mean(np.logaddexp(0, fake.ravel()))
    assert got == pytest.approx(want, rel=1e-6)
    assert float(losses.discriminator_loss(real, fake, real_target=1.0)) == pytest.approx(
        np.mean(spn) + np.mean(np.logaddexp(0, fake.ravel())), rel=1e-6
    )
