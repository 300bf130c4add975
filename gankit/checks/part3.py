"""Exercise checks of part 3, stability (notebooks 08-10): mode-collapse scores, the Wasserstein
critic's penalty and the regularisers.

Every public ``check_*`` function here is exported by :mod:`gankit.checks` (see ``__all__`` at the
end), so notebooks call ``checks.check_x(...)`` as in parts 1 and 2.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (used by the checks below)

from gankit.checks._common import (  # noqa: F401  (_Verdict: for every section)
    _call,
    _close,
    _keeps_random_state,
    _scalar,
    _Verdict,
)


# --------------------------------------------------------------------------- 08 mode collapse
def check_reverse_kl(fn):
    """Check ``fn(counts) -> float``: the reverse KL divergence ``sum p log(p K)`` (natural log) of
    the histogram ``p = counts / counts.sum()`` over ``K`` modes from the uniform histogram, with
    empty modes contributing 0 and ``inf`` when every count is 0 (as ``gankit.metrics.mixture_modes``
    scores a generator's high-quality samples)."""
    from gankit.checks._common import _call

    v = _Verdict("reverse_kl")
    cases = [
        ("every mode used equally, counts [5, 5, 5, 5]", [5, 5, 5, 5], 0.0),
        ("one mode takes everything, counts [0, 12, 0, 0, 0, 0, 0, 0]", [0, 12] + [0] * 6, None),
        ("two of four modes, counts [3, 0, 1, 0]", [3, 0, 1, 0], None),
        ("uneven but complete, counts [1, 2, 3, 4]", [1, 2, 3, 4], None),
    ]
    for what, counts, expected in cases:
        c = np.asarray(counts, dtype="float64")
        p = c[c > 0] / c.sum()
        expected = float(np.sum(p * np.log(p * len(c)))) if expected is None else expected
        got = _call(v, fn, np.asarray(counts), what=what)
        try:
            got = float(np.asarray(got, dtype="float64"))
        except (TypeError, ValueError):
            v.fail(f"returned something that is not one number on {what}", "a float", repr(got))
        if np.isclose(got, expected, atol=1e-6):
            v.ok()
            continue
        mistake = "p = counts / counts.sum(); sum over the modes with p > 0 of p * log(p * K)"
        with np.errstate(divide="ignore"):  # an empty mode makes the forward KL infinite
            forward = float(np.sum(np.log((1 / len(c)) / (c / c.sum())) / len(c)))
        if np.isnan(got):
            mistake = "empty modes give 0 * log(0) = nan: sum only over the modes with p > 0"
        elif np.isinf(got) or np.isclose(got, forward, atol=1e-6):
            mistake = (
                "that is the forward KL(uniform || p), infinite as soon as a mode is missing;"
                " the reverse KL(p || uniform) weights the log by p"
            )
        elif np.isclose(got, expected / np.log(2), atol=1e-6):
            mistake = "log base 2: use the natural log (np.log), so one-mode collapse gives ln K"
        elif np.isclose(got, float(np.sum(p * np.log(p))), atol=1e-6):
            mistake = (
                "that is minus the entropy: the uniform's log(1 / K) is missing (p * log(p * K))"
            )
        elif np.isclose(got, float(np.sum(c[c > 0] * np.log(c[c > 0] * len(c)))), atol=1e-6):
            mistake = "normalise the counts to shares first: p = counts / counts.sum()"
        v.fail(what, expected, got, mistake)
    got = _call(v, fn, np.zeros(8, dtype="int64"), what="no high-quality sample, counts all 0")
    if not np.isinf(float(np.asarray(got, dtype="float64"))):
        v.fail(
            "no high-quality sample at all (counts all 0)",
            "inf",
            got,
            "with no sample on any mode the histogram is undefined: return float('inf')",
        )
    v.ok()
    v.done()


def check_pack_points(fn):
    """Check ``fn(x, m)``: PacGAN's packing of a batch of points ``(n, d)`` into ``(n // m, m * d)``,
    consecutive samples side by side, as ``gankit.layers.pack`` does."""
    from gankit import layers
    from gankit.checks._common import _call_array

    v = _Verdict("pack_points")
    x = np.arange(24, dtype="float32").reshape(12, 2)
    for m in (1, 2, 3, 4):
        what = f"12 points of 2 features, m = {m}"
        expected = np.asarray(layers.pack(x, m))
        got = _call_array(v, fn, x.copy(), m, what=what)
        if got.shape != expected.shape:
            mistake = "n points make n // m packs of m * d numbers: shape (n // m, m * d)"
            if got.shape == (12, 2 * m) or got.shape == (12 // m, m, 2):
                mistake = (
                    "one row per pack, its m points concatenated into one vector:"
                    f" reshape to (n // m, m * d), here {expected.shape}"
                )
            v.fail(what, f"shape {expected.shape}", f"shape {got.shape}", mistake)
        if not np.allclose(got, expected):
            mistake = "pack i holds points i*m, ..., i*m + m - 1, each point's features in order"
            interleaved = x.reshape(m, 12 // m, 2).transpose(1, 0, 2).reshape(12 // m, -1)
            if np.allclose(got, interleaved):
                mistake = (
                    "your packs take every (n // m)-th point: consecutive points belong together,"
                    " x.reshape(n // m, m * d)"
                )
            elif np.allclose(np.sort(got, axis=1), np.sort(expected, axis=1)):
                mistake = (
                    "right points in each pack, wrong order: keep each point's features together"
                )
            v.fail(what, expected[:2], got[:2], mistake)
        v.ok()
    v.done()


# --------------------------------------------------------------------------- 09 Wasserstein GANs
class _LinearCritic:
    """C(x) = w . flatten(x) + b: its input gradient is w for every sample, so the penalty is
    (||w|| - 1)^2 whatever the interpolation."""

    def __init__(self, w, b=0.3):
        import keras

        self.w = keras.Variable(np.asarray(w, "float32").reshape(-1, 1), name="kernel")
        self.b = float(b)

    def __call__(self, x, training=False):
        import keras

        flat = keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))
        return keras.ops.matmul(flat, self.w) + self.b


class _QuadraticCritic:
    """C(x) = 0.5 ||x||^2 per sample: its input gradient is x itself, so the penalty depends on
    where the interpolates lie (on alpha's distribution and on using the interpolates at all)."""

    seen = None  # the last input it scored, when run eagerly (to name a per-batch alpha)

    def __call__(self, x, training=False):
        import keras

        try:
            self.seen = np.asarray(x)
        except Exception:  # noqa: BLE001 - symbolic (inside a tf.function): nothing to record
            self.seen = None
        return 0.5 * keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True)


_GP_SHAPE = (8, 2, 2, 1)  # image-shaped: a norm over one axis only is caught
_GP_W = np.array([2.0, -1.0, 2.0, 0.0])  # ||w|| = 3, penalty (3 - 1)^2 = 4
_GP_N = 20000  # interpolates per quadratic case: sampling error ~0.02 on 3.22
_GP_REAL, _GP_FAKE = 3.0, 0.5  # per feature, two features: x_hat = (0.5 + 2.5 a) (1, 1)


def _gp_quadratic_value(alpha_a, alpha_b=None):
    """E[(||x_hat|| - 1)^2] for the quadratic critic, x_hat = a real + (1 - a) fake (per feature
    alphas ``alpha_a``, ``alpha_b`` for a per-element mistake)."""
    alpha_b = alpha_a if alpha_b is None else alpha_b
    u = _GP_FAKE + (_GP_REAL - _GP_FAKE) * np.stack([alpha_a, alpha_b], axis=1)
    return float(((np.sqrt((u**2).sum(1)) - 1.0) ** 2).mean())


def _gp_linear_mistake(got):
    w = _GP_W.reshape(2, 2, 1)
    batch, norm = _GP_SHAPE[0], float(np.linalg.norm(_GP_W))
    axis1 = float(((np.sqrt((w**2).sum(0)) - 1.0) ** 2).mean())  # norm over axis 1 only
    axis_last = float(((np.abs(w) - 1.0) ** 2).mean())  # norm over the channel axis only
    named = [
        (abs(norm - 1.0), "the square is missing: mean of (||grad|| - 1)^2, squared per sample"),
        (norm**2, "the '- 1' is missing: the penalty pulls the gradient norm to 1, not to 0"),
        ((norm**2 - 1.0) ** 2, "no square root: the norm is sqrt(sum of squares)"),
        (
            (np.sqrt(batch) * norm - 1.0) ** 2,
            "the norm is taken over the whole batch: take one norm per sample (sum the squares"
            " over every axis but the first)",
        ),
        (
            (norm / batch - 1.0) ** 2,
            "gradient of the *mean* score divides each sample's gradient by the batch size:"
            " differentiate the sum of the scores (or the scores themselves)",
        ),
        (
            (norm / 2.0 - 1.0) ** 2,
            "mean of squares over the pixels instead of their sum: the norm sums the squares",
        ),
        (axis1, "norm over axis 1 only: for images, sum the squares over axes 1, 2 and 3"),
        (axis_last, "norm over the last axis only: sum the squares over every axis but the first"),
    ]
    return next((m for value, m in named if _close(got, value, 1e-3)), None)


@_keeps_random_state
def check_gradient_penalty(fn):
    """Check ``fn(critic, real, fake) -> scalar``: WGAN-GP's unscaled penalty
    ``mean over samples of (||grad_x C(x_hat)||_2 - 1)^2`` with ``x_hat = a real + (1 - a) fake``,
    ``a ~ U(0, 1)`` one per sample, the norm over all of a sample's axes, differentiable with
    respect to the critic's weights and finite when the critic's gradient is zero. Known answers:
    a linear critic ``w . x + b`` gives ``(||w|| - 1)^2``; ``C(x) = ||x||^2 / 2`` on segments from
    (0.5, 0.5) to (3, 3) gives ``E[(sqrt(2) (0.5 + 2.5 a) - 1)^2] = 3.2169`` for uniform ``a``."""
    import tensorflow as tf

    v = _Verdict("gradient_penalty")
    rng = np.random.default_rng(0)
    real = rng.normal(size=_GP_SHAPE).astype("float32")
    fake = rng.normal(size=_GP_SHAPE).astype("float32")

    # 1. Linear critic, ||w|| = 3: the value, and its gradient with respect to w.
    critic = _LinearCritic(_GP_W)
    what = "a linear critic C(x) = w.x + b with ||w|| = 3, images of shape (8, 2, 2, 1)"
    with tf.GradientTape() as tape:
        value = _call(v, fn, critic, tf.constant(real), tf.constant(fake), what=what)
    got = _scalar(v, value, what)
    if not _close(got, 4.0, 1e-3):
        v.fail(what, "(3 - 1)^2 = 4", got, _gp_linear_mistake(got))
    v.ok()
    grad = tape.gradient(value, critic.w) if tf.is_tensor(value) else None
    if grad is None:
        v.fail(
            "gradient of the penalty with respect to the critic's weights",
            "a gradient (the penalty trains the critic)",
            "None",
            "the penalty must stay a TensorFlow computation of the critic: no NumPy, no float(),"
            " no stop_gradient; and take the inner gradient with a GradientTape inside yours",
        )
    grad_norm = float(np.linalg.norm(grad.numpy()))
    if not _close(grad_norm, 4.0, 1e-3):
        v.fail(
            "norm of d penalty / d w for ||w|| = 3",
            "2 (||w|| - 1) = 4",
            grad_norm,
            "the penalty's value is right but not its gradient: is part of it cut from the tape?",
        )
    v.ok()

    # 2. A critic with zero gradient: the penalty is exactly 1, with a finite gradient.
    critic = _LinearCritic(np.zeros(4))
    what = "a constant critic (w = 0: zero gradient everywhere)"
    with tf.GradientTape() as tape:
        value = _call(v, fn, critic, tf.constant(real), tf.constant(fake), what=what)
    got = _scalar(v, value, what)
    if not _close(got, 1.0, 1e-5):
        missing_one = "the '- 1' is missing: the penalty pulls the gradient norm to 1, not to 0"
        v.fail(what, "(0 - 1)^2 = 1", got, missing_one if _close(got, 0.0) else None)
    v.ok()
    grad = tape.gradient(value, critic.w)
    if grad is None or not np.all(np.isfinite(grad.numpy())):
        v.fail(
            "gradient of the penalty with respect to w when the critic's gradient is zero",
            "finite (zero)",
            "None" if grad is None else grad.numpy().ravel(),
            "the derivative of sqrt at 0 is infinite (tf.norm gives NaN there): compute the norm"
            " as sqrt(sum of squares + a small epsilon such as 1e-12)",
        )
    v.ok()

    # 3. A quadratic critic: the answer depends on where the interpolates are.
    critic = _QuadraticCritic()
    real2 = np.full((_GP_N, 2), _GP_REAL, "float32")
    fake2 = np.full((_GP_N, 2), _GP_FAKE, "float32")
    what = f"C(x) = ||x||^2 / 2, {_GP_N} pairs real (3, 3), fake (0.5, 0.5)"
    gen = np.random.default_rng(1)
    a, b, z = gen.uniform(size=200_000), gen.uniform(size=200_000), gen.normal(size=200_000)
    right = _gp_quadratic_value(a)
    values = [
        _scalar(v, _call(v, fn, critic, tf.constant(real2), tf.constant(fake2), what=what), what)
        for _ in range(3)
    ]
    # The interpolates it scored, as fractions of the way from fake to real: one per sample.
    seen = critic.seen
    fractions = None
    if seen is not None and seen.shape == real2.shape:
        fractions = (seen - _GP_FAKE) / (_GP_REAL - _GP_FAKE)
    shared = (  # the same point for every sample, strictly between fake and real
        fractions is not None and np.ptp(fractions) < 1e-6 and 1e-6 < fractions.mean() < 1 - 1e-6
    )
    if shared or max(values) - min(values) > 1.5:  # noise: ~0.05 right, ~0.3 for N(0, 1) alpha
        v.fail(
            f"{what}: three calls",
            f"about {right:.4f} each time (sampling noise about 0.02)",
            np.array(values),
            "one alpha for the whole batch: draw one alpha per sample, shape (batch, 1, ...)",
        )
    got = float(np.mean(values))
    if not abs(got - right) < 0.1:
        candidates = [
            (
                (np.sqrt(2) * _GP_REAL - 1.0) ** 2,
                "the gradient is taken at the real samples: take"
                " it at the interpolates x_hat = a real + (1 - a) fake",
            ),
            (
                (np.sqrt(2) * _GP_FAKE - 1.0) ** 2,
                "the gradient is taken at the fake samples: take"
                " it at the interpolates x_hat = a real + (1 - a) fake",
            ),
            (
                _gp_quadratic_value(z),
                "alpha ~ N(0, 1): draw it uniform on [0, 1], so that x_hat"
                " lies on the segment between the real and the fake sample",
            ),
            (
                _gp_quadratic_value(a, b),
                "one alpha per pixel: draw one per sample, shape"
                " (batch, 1, ...), so that x_hat lies on the segment between the two samples",
            ),
        ]
        mistake = next(
            (m for value, m in candidates if abs(got - value) < max(0.1, 0.05 * value)), None
        )
        v.fail(what, right, got, mistake)
    v.ok()
    v.done()


@_keeps_random_state
def check_clip_weights(fn):
    """Check ``fn(model, c)``: clips every *trainable* weight of ``model`` (kernels and biases) to
    ``[-c, c]`` in place; weights already inside stay as they are, those outside become exactly
    ``-c`` or ``c``; non-trainable weights (batch norm's moving statistics) are left alone."""
    import keras

    v = _Verdict("clip_weights")
    c = 0.05
    kernel = np.array([[0.2, -0.03], [-0.4, 0.01], [0.05, -0.06]], "float32")
    bias = np.array([0.3, -0.02], "float32")
    x = keras.Input((3,))
    h = keras.layers.Dense(2, name="dense")(x)
    h = keras.layers.BatchNormalization(name="norm")(h)
    out = keras.layers.Dense(1, name="score")(h)
    model = keras.Model(x, out)
    model.get_layer("dense").set_weights([kernel, bias])
    norm = model.get_layer("norm")
    norm.set_weights(
        [
            np.array([1.5, -0.7], "float32"),
            np.array([0.2, -0.3], "float32"),
            np.array([0.5, -0.5], "float32"),
            np.array([2.0, 3.0], "float32"),
        ]
    )
    score_kernel = np.array([[0.7], [-0.01]], "float32")
    model.get_layer("score").set_weights([score_kernel, np.array([-0.9], "float32")])
    moving = [w.copy() for w in norm.get_weights()[2:]]
    _call(v, fn, model, c, what=f"a model with Dense, BatchNormalization and Dense, c = {c}")
    got = model.get_layer("dense").get_weights()
    expected = np.clip(kernel, -c, c)
    if np.allclose(got[0], kernel):
        v.fail(
            "first kernel after clipping",
            expected,
            got[0],
            "the model's weights did not change: assign the clipped values back to each variable"
            " (variable.assign(...)), a clipped copy is not enough",
        )
    if not np.allclose(got[0], expected, atol=1e-7):
        mistake = "clip each weight to [-c, c]: keras.ops.clip(w, -c, c)"
        if np.allclose(got[0], np.clip(kernel, 0.0, c)):
            mistake = "the range is [-c, c], not [0, c]: negative weights stay negative"
        elif np.allclose(got[0], kernel * c / np.abs(kernel).max(), atol=1e-7):
            mistake = "rescaled instead of clipped: weights already inside [-c, c] must not change"
        elif np.allclose(got[0], np.where(np.abs(kernel) > c, 0.0, kernel)):
            mistake = "weights outside the range become -c or c (clipped), not 0 (dropped)"
        v.fail(f"first kernel, c = {c}", expected, got[0], mistake)
    v.ok()
    if not np.allclose(got[1], np.clip(bias, -c, c), atol=1e-7):
        v.fail(
            "first bias",
            np.clip(bias, -c, c),
            got[1],
            "biases are weights too: clip every trainable variable, not only the kernels",
        )
    v.ok()
    score = model.get_layer("score").get_weights()
    if not np.allclose(score[0], np.clip(score_kernel, -c, c), atol=1e-7):
        v.fail(
            "last layer's kernel",
            np.clip(score_kernel, -c, c),
            score[0],
            "every layer is clipped, the last one too: loop over model.trainable_variables",
        )
    v.ok()
    gamma_beta = norm.get_weights()[:2]
    if not np.allclose(gamma_beta[0], np.clip([1.5, -0.7], -c, c), atol=1e-7):
        v.fail(
            "batch norm's scale (trainable)",
            np.clip([1.5, -0.7], -c, c),
            gamma_beta[0],
            "clip every trainable variable (model.trainable_variables), whatever its layer",
        )
    v.ok()
    if not all(np.allclose(a, b) for a, b in zip(norm.get_weights()[2:], moving, strict=True)):
        v.fail(
            "batch norm's moving mean and variance (not trainable)",
            [m.tolist() for m in moving],
            [m.tolist() for m in norm.get_weights()[2:]],
            "only trainable weights are clipped: model.trainable_variables, not model.weights"
            " (a moving variance clipped to c is a wrong statistic, not a constraint)",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- 10 regularisers
# (this section's imports stay in it: the sections of this file are written in parallel)
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from gankit.checks._common import _call_array  # noqa: E402


class _Linear(keras.Model):
    """D(x) = w . flatten(x) + 1, with a known weight vector ``w``: R1 penalty ``||w||^2``."""

    def __init__(self, w):
        super().__init__()
        self.w = keras.Variable(np.asarray(w, "float32").reshape(-1, 1), name="w")

    def call(self, x, training=False):
        flat = keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))
        return keras.ops.matmul(flat, self.w) + 1.0


class _Quadratic(keras.Model):
    """D(x) = 0.5 * ||x||^2 per sample: its input gradient is x, R1 penalty ``mean_i ||x_i||^2``."""

    def call(self, x, training=False):
        return 0.5 * keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True)


@_keeps_random_state
def check_r1_penalty(fn):
    """Check ``fn(discriminator, real) -> mean over samples of ||grad_x D(x)||^2`` (unscaled R1,
    Mescheder et al. 2018) on stub discriminators with closed-form answers: a linear D (penalty
    ``||w||^2`` for vectors and for images), a quadratic D whose gradient differs per sample, and
    the penalty's own gradient with respect to D's weights (``2 w``), which training needs."""
    v = _Verdict("r1_penalty")
    w = np.array([2.0, 3.0, 6.0], "float32")  # ||w|| = 7, ||w||^2 = 49
    real = tf.constant(np.random.default_rng(0).normal(size=(4, 3)), "float32")
    got = _scalar(v, _call(v, fn, _Linear(w), real, what="a linear D"), "a linear D")
    if not _close(got, 49.0):
        mistake = "the penalty is the squared norm of D's input gradient, averaged over samples"
        if _close(got, 7.0):
            mistake = "the square is missing: R1 uses ||grad||^2, not ||grad||"
        elif _close(got, 49.0 * 4):
            mistake = "summed over the batch: take the mean over samples"
        elif _close(got, 49.0 / 16) or _close(got, 7.0 / 4):
            mistake = (
                "the gradient of mean(D(x)) divides every sample's gradient by the batch size:"
                " differentiate the sum of D's outputs (each sample only affects its own output)"
            )
        elif _close(got, 49.0 / 3):
            mistake = "averaged over features too: sum the squares within a sample, then average"
        v.fail("D(x) = w.x + 1 with w = [2, 3, 6], 4 samples", 49.0, got, mistake)
    v.ok()
    images = tf.constant(np.random.default_rng(1).normal(size=(3, 4, 4, 1)), "float32")
    w_img = np.linspace(-1.0, 1.0, 16).astype("float32")
    expected = float((w_img.astype("float64") ** 2).sum())
    got = _scalar(v, _call(v, fn, _Linear(w_img), images, what="images"), "images")
    if not _close(got, expected):
        v.fail(
            "a linear D on 3 images of 4x4x1 (R1 = ||w||^2)",
            expected,
            got,
            "sum the squared gradient over every axis but the batch (height, width, channels)",
        )
    v.ok()
    x = np.array([[1.0, 0.0], [0.0, 3.0], [2.0, 2.0]], "float32")  # ||x_i||^2 = 1, 9, 8
    got = _scalar(
        v, _call(v, fn, _Quadratic(), tf.constant(x), what="D(x) = ||x||^2 / 2"), "a quadratic D"
    )
    if not _close(got, 6.0):
        v.fail(
            "D(x) = ||x||^2 / 2, whose input gradient is x itself, on 3 samples",
            "mean(1, 9, 8) = 6.0",
            got,
            "take the gradient at the real samples you are given, one per sample",
        )
    v.ok()
    linear = _Linear(w)
    with tf.GradientTape() as tape:
        penalty = _call(v, fn, linear, real, what="a linear D, inside a tape")
    grad = tape.gradient(penalty, linear.w) if tf.is_tensor(penalty) else None
    if grad is None or not np.allclose(np.ravel(grad), 2 * w, atol=1e-4):
        v.fail(
            "gradient of the penalty with respect to D's weights w (linear D)",
            2 * w,
            None if grad is None else np.ravel(grad),
            "the penalty must stay differentiable in D's weights: keep it in TensorFlow (no"
            " NumPy, no stop_gradient) and make the inner tape persistent or nested in the outer",
        )
    v.ok()
    v.done()


def _brightness_cases(v, fn):
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2000, 4, 4, 1)), "float32")
    seed = keras.random.SeedGenerator(7)
    out = _call_array(v, fn, x, seed, what="2000 images of 4x4x1")
    if out.shape != tuple(x.shape):
        v.fail("shape of the output", tuple(x.shape), out.shape, "return one image per image")
    v.ok()
    shift = out - x.numpy()
    per_image = shift.reshape(len(shift), -1)
    if not np.allclose(per_image, per_image[:, :1], atol=1e-5):
        v.fail(
            "the change within one image",
            "the same offset on every pixel of an image",
            f"offsets ranging {per_image[0].min():.3f}..{per_image[0].max():.3f} in image 0",
            "brightness shifts a whole image: draw shape (n, 1, 1, 1), not one value per pixel",
        )
    v.ok()
    offsets = per_image[:, 0]
    if np.ptp(offsets) < 1e-6:
        v.fail(
            "offsets of 2000 images",
            "a different offset for each image",
            f"all {offsets[0]:.3f}",
            "one draw for the whole batch: draw shape (n, 1, 1, 1) so each image gets its own",
        )
    v.ok()
    if offsets.min() < -0.5 - 1e-6 or offsets.max() > 0.5 + 1e-6 or abs(offsets.mean()) > 0.05:
        v.fail(
            "range and mean of 2000 offsets",
            "within [-0.5, 0.5), mean near 0",
            f"[{offsets.min():.3f}, {offsets.max():.3f}], mean {offsets.mean():.3f}",
            "draw uniformly in [-0.5, 0.5): keras.random.uniform(..., minval=-0.5, maxval=0.5)",
        )
    v.ok()
    if abs(offsets.std() - 1 / np.sqrt(12)) > 0.03:
        v.fail(
            "standard deviation of 2000 offsets",
            f"{1 / np.sqrt(12):.3f} (uniform on an interval of length 1)",
            f"{offsets.std():.3f}",
            "uniform in [-0.5, 0.5), not normal",
        )
    v.ok()


@_keeps_random_state
def check_brightness(fn):
    """Check ``fn(x, seed) -> x + offset`` with one offset per image, uniform in [-0.5, 0.5),
    drawn from the ``keras.random.SeedGenerator`` ``seed`` (new draws at every call, also inside
    a compiled function) and differentiable with respect to ``x`` (gradient 1 everywhere)."""
    v = _Verdict("brightness")
    _brightness_cases(v, fn)
    x = tf.constant(np.zeros((8, 3, 3, 1)), "float32")
    compiled = tf.function(lambda images, s: fn(images, s))
    seed = keras.random.SeedGenerator(3)
    first = _call_array(v, compiled, x, seed, what="a compiled step")
    second = _call_array(v, compiled, x, seed, what="a compiled step, called again")
    if np.allclose(first, second):
        v.fail(
            "two calls of a compiled training step",
            "new offsets at every step",
            "the same offsets twice",
            "NumPy's (or Python's) random numbers are drawn once, when the step is compiled:"
            " draw with keras.random.uniform(..., seed=seed), the SeedGenerator you are given",
        )
    v.ok()
    x = tf.constant(np.random.default_rng(2).uniform(-1, 1, (5, 3, 3, 1)), "float32")
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = _call(v, fn, x, keras.random.SeedGenerator(5), what="images inside a tape")
        total = tf.reduce_sum(out) if tf.is_tensor(out) else None
    grad = None if total is None else tape.gradient(total, x)
    if grad is None or not np.allclose(grad.numpy(), 1.0, atol=1e-5):
        v.fail(
            "gradient of sum(output) with respect to the input images",
            "1 at every pixel (G's gradient must pass through the augmentation unchanged)",
            None if grad is None else f"values {np.unique(np.round(grad.numpy(), 4))[:5]}",
            "keep the operation in TensorFlow/keras.ops (no NumPy round trip, no stop_gradient)",
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_ema_update(fn):
    """Check ``fn(averaged, current, decay)``: assigns ``decay * a + (1 - decay) * w`` to every
    variable ``a`` of the list ``averaged`` (``w`` the matching one of ``current``), in place,
    leaving ``current`` unchanged; repeated ``t`` times towards a fixed ``w`` the gap shrinks as
    ``decay ** t``."""
    v = _Verdict("ema_update")
    a0 = [np.array([1.0, -2.0], "float32"), np.array([[4.0]], "float32")]
    w0 = [np.array([3.0, 2.0], "float32"), np.array([[0.0]], "float32")]
    averaged = [keras.Variable(a) for a in a0]
    current = [keras.Variable(w) for w in w0]
    _call(v, fn, averaged, current, 0.9, what="decay 0.9")
    got = [keras.ops.convert_to_numpy(a) for a in averaged]
    expected = [0.9 * a + 0.1 * w for a, w in zip(a0, w0, strict=True)]
    if not all(np.allclose(g, e, atol=1e-5) for g, e in zip(got, expected, strict=True)):
        mistake = "a <- decay * a + (1 - decay) * w, assigned to the averaged variables"
        if all(np.allclose(g, a, atol=1e-6) for g, a in zip(got, a0, strict=True)):
            mistake = (
                "the averaged variables did not change: assign the new value in place"
                " (a.assign(...)); returning it or rebinding a loop name changes nothing"
            )
        elif all(
            np.allclose(g, 0.1 * a + 0.9 * w, atol=1e-5)
            for g, a, w in zip(got, a0, w0, strict=True)
        ):
            mistake = "decay and 1 - decay swapped: the average keeps decay (0.9) of itself"
        v.fail(
            "one update with decay 0.9, a = [1, -2], [[4]], w = [3, 2], [[0]]",
            expected,
            got,
            mistake,
        )
    v.ok()
    now = [keras.ops.convert_to_numpy(w) for w in current]
    if not all(np.array_equal(n, w) for n, w in zip(now, w0, strict=True)):
        v.fail(
            "the current (trained) weights after the update",
            w0,
            now,
            "only the averaged copy moves: the generator's own weights must not be touched",
        )
    v.ok()
    for _ in range(49):
        _call(v, fn, averaged, current, 0.9, what="repeated updates")
    got = keras.ops.convert_to_numpy(averaged[0])
    expected = w0[0] + (a0[0] - w0[0]) * 0.9**50
    if not np.allclose(got, expected, atol=1e-4):
        v.fail(
            "50 updates with decay 0.9 towards fixed w = [3, 2] from a = [1, -2]",
            expected,
            got,
            "the gap to w shrinks by the factor decay at each update",
        )
    v.ok()
    v.done()


__all__ = sorted(name for name in dir() if name.startswith("check_"))
