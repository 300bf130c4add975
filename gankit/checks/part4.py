"""Exercise checks of part 4a, applications to images (notebooks 11-13): notebook 11's projection
discriminator and spherical interpolation, notebook 12's pix2pix loss and PSNR, notebook 13's
cycle loss and output diversity. Part 4b (notebooks 14-17) is :mod:`gankit.checks.part4b`.

Every public ``check_*`` function here is exported by :mod:`gankit.checks` (see ``__all__`` at the
end), so notebooks call ``checks.check_x(...)`` as in the earlier parts.
"""

from __future__ import annotations

import numpy as np

from gankit.checks._common import _call_array, _Verdict


# --------------------------------------------------------------------------- 11 conditional GANs
def check_projection_logit(fn):
    """Check ``fn(features, unconditional, class_vectors, labels) -> (n,)``: the projection
    discriminator's logit ``unconditional[i] + <class_vectors[labels[i]], features[i]>`` for a
    batch of ``n`` feature vectors ``(n, k)``, their unconditional scores ``(n,)``, a table of one
    vector per class ``(n_classes, k)`` and integer labels ``(n,)``."""
    v = _Verdict("projection_logit")
    rng = np.random.default_rng(0)
    cases = []
    # by hand: two images, features (1, 2) and (3, 0), classes 0 and 1 with vectors (1, 1), (0, 2)
    cases.append(
        (
            "by hand: features [[1, 2], [3, 0]], scores [0.5, -1], labels [0, 1]",
            np.array([[1.0, 2.0], [3.0, 0.0]]),
            np.array([0.5, -1.0]),
            np.array([[1.0, 1.0], [0.0, 2.0], [5.0, 5.0]]),
            np.array([0, 1]),
        )
    )
    features = rng.standard_normal((6, 4))
    table = rng.standard_normal((10, 4))
    cases.append(
        (
            "6 random feature vectors of length 4, 10 classes, labels [9, 0, 3, 3, 7, 1]",
            features,
            rng.standard_normal(6),
            table,
            np.array([9, 0, 3, 3, 7, 1]),
        )
    )
    # square: as many classes as features and as images, where a transposed table still runs
    square = rng.standard_normal((4, 4))
    cases.append(
        (
            "4 feature vectors of length 4, 4 classes (a square table), labels [2, 2, 0, 1]",
            square,
            rng.standard_normal(4),
            rng.standard_normal((4, 4)),
            np.array([2, 2, 0, 1]),
        )
    )
    for what, feats, scores, vectors, labels in cases:
        expected = scores + np.sum(vectors[labels] * feats, axis=1)
        got = _call_array(v, fn, feats, scores, vectors, labels, what=what)
        if got.shape != expected.shape:
            mistake = (
                "one logit per image: sum the product over the feature axis (axis=-1), not over"
                " the batch"
                if got.size != expected.size
                else "return a flat array of shape (n,), one logit per image"
            )
            if got.shape == (len(labels), len(labels)):
                mistake = (
                    "a matrix of every image against every label: take the row-wise dot product"
                    " (multiply element by element, then sum over the features)"
                )
            v.fail(f"{what}: shape", expected.shape, got.shape, mistake)
        if np.allclose(got, expected, atol=1e-6):
            v.ok()
            continue
        mistake = None
        if np.allclose(got, np.sum(vectors[labels] * feats, axis=1), atol=1e-6):
            mistake = (
                "the unconditional score is missing: the logit is psi(phi(x)) + the projection"
            )
        elif np.allclose(got, scores, atol=1e-6):
            mistake = "the projection term is missing: add <embed(y), phi(x)>"
        elif np.allclose(got, scores + np.sum(vectors[: len(labels)] * feats, axis=1), atol=1e-6):
            mistake = "each image needs the vector of its own label: class_vectors[labels]"
        elif np.allclose(got, scores + np.sum(vectors[labels], axis=1), atol=1e-6):
            mistake = "the class vector must be multiplied by the image's features (a dot product)"
        elif np.allclose(got, scores + (feats @ vectors.T).sum(axis=1), atol=1e-6):
            mistake = "that sums the image's score for every class: pick its own label's vector"
        elif np.allclose(got, scores + np.sum(vectors[labels] * feats, axis=0), atol=1e-6):
            mistake = "sum the product over the feature axis (axis=-1), not over the batch"
        elif vectors.shape[0] == vectors.shape[1] and np.allclose(
            got, scores + np.sum(vectors.T[labels] * feats, axis=1), atol=1e-6
        ):
            mistake = "the table has one row per class: index its rows, class_vectors[labels]"
        v.fail(what, expected, got, mistake)
    v.done()


def check_slerp(fn):
    """Check ``fn(z0, z1, t)``: spherical interpolation between two vectors at the fraction
    ``t`` in [0, 1] (one number), ``sin((1-t)W)/sin W * z0 + sin(tW)/sin W * z1`` with ``W`` the
    angle between them, falling back to the straight line for (nearly) parallel vectors."""
    v = _Verdict("slerp")
    e0, e1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    for t in (0.0, 0.25, 0.5, 1.0):
        what = f"a quarter circle from (1, 0) to (0, 1), t = {t}"
        expected = np.array([np.cos(t * np.pi / 2), np.sin(t * np.pi / 2)])
        got = _call_array(v, fn, e0, e1, t, what=what)
        if got.shape != expected.shape:
            v.fail(f"{what}: shape", expected.shape, got.shape, "return one vector like z0")
        if np.allclose(got, expected, atol=1e-5):
            v.ok()
            continue
        mistake = None
        if np.allclose(got, (1 - t) * e0 + t * e1, atol=1e-5):
            mistake = (
                "that is the straight line (lerp): its midpoint is shorter than both ends."
                " Use the angle W = arccos(z0 . z1 / (|z0| |z1|)) and the sine weights"
            )
        elif np.allclose(got, [np.cos((1 - t) * np.pi / 2), np.sin((1 - t) * np.pi / 2)]):
            mistake = "the ends are swapped: t = 0 must give z0 and t = 1 give z1"
        v.fail(what, expected, got, mistake)
    # norms: between two vectors of norm 8 at 60 degrees every point has norm 8
    rng = np.random.default_rng(1)
    a = rng.standard_normal(64)
    a *= 8 / np.linalg.norm(a)
    b = rng.standard_normal(64)
    b -= a * (a @ b) / (a @ a)
    b *= 8 / np.linalg.norm(b)
    b = 0.5 * a + np.sqrt(3) / 2 * b  # 60 degrees from a, norm 8
    what = "two 64-dimensional vectors of norm 8, 60 degrees apart, t = 0.3"
    omega = np.pi / 3
    expected = np.sin(0.7 * omega) / np.sin(omega) * a + np.sin(0.3 * omega) / np.sin(omega) * b
    got = _call_array(v, fn, a, b, 0.3, what=what)
    if got.shape != expected.shape:
        v.fail(f"{what}: shape", expected.shape, got.shape, "return one vector like z0")
    if not np.allclose(got, expected, atol=1e-4):
        mistake = (
            "W is the angle between the vectors: arccos of their dot product divided by the"
            " product of their norms (not of the dot product alone)"
        )
        if np.allclose(got, np.sin(0.7 * omega) * a + np.sin(0.3 * omega) * b, atol=1e-4):
            mistake = "divide both weights by sin W (on the quarter circle sin W = 1 hid it)"
        elif np.allclose(got, 0.7 * a + 0.3 * b, atol=1e-4):
            mistake = (
                "right on unit vectors, but here the straight line: the cosine of W is the dot"
                " product divided by the product of the norms (unnormalised, it clips to 1 and"
                " W = 0)"
            )
        v.fail(
            what,
            f"a vector of norm 8.0 (first values {np.round(expected[:3], 4)})",
            f"norm {np.linalg.norm(got):.4f} (first values {np.round(got[:3], 4)})",
            mistake,
        )
    v.ok()
    # parallel vectors: sin W = 0
    what = "parallel vectors (1, 0) and (3, 0), t = 0.5: the angle is 0"
    got = _call_array(v, fn, e0, 3 * e0, 0.5, what=what)
    if not np.all(np.isfinite(got)) or not np.allclose(got, [2.0, 0.0], atol=1e-5):
        v.fail(
            what,
            np.array([2.0, 0.0]),
            got,
            "sin W is 0 for parallel vectors and the formula divides by it: when sin W is tiny"
            " (say below 1e-6) return the straight line (1 - t) z0 + t z1",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- 12 pix2pix
def check_pix2pix_generator_loss(fn):
    """Check ``fn(fake_logits, fake, target, l1_weight) -> scalar``: pix2pix's generator loss, the
    non-saturating adversarial loss ``mean softplus(-logit)`` over D's patch logits plus
    ``l1_weight`` times the mean absolute error between ``fake`` and ``target``."""
    from gankit.checks._common import _call, _scalar

    v = _Verdict("pix2pix_generator_loss")
    rng = np.random.default_rng(0)
    patches = rng.standard_normal((4, 7, 7, 1)).astype("float32")
    fake = np.tanh(rng.standard_normal((4, 28, 28, 1))).astype("float32")
    target = np.tanh(rng.standard_normal((4, 28, 28, 1))).astype("float32")

    def softplus(x):
        return np.logaddexp(0.0, x)

    cases = [
        (
            "D undecided (all patch logits 0), fake = target, weight 100",
            np.zeros_like(patches),
            target,
            target,
            100.0,
        ),
        (
            "D undecided, every pixel off by 0.5, weight 100",
            np.zeros_like(patches),
            target + 0.5,
            target,
            100.0,
        ),
        ("random patch logits and images, weight 100", patches, fake, target, 100.0),
        ("random patch logits and images, weight 7", patches, fake, target, 7.0),
        ("random patch logits and images, weight 0 (a plain GAN)", patches, fake, target, 0.0),
    ]
    for what, logits, out, tgt, weight in cases:
        adversarial = float(np.mean(softplus(-logits)))
        l1 = float(np.mean(np.abs(out - tgt)))
        expected = adversarial + weight * l1
        got = _scalar(v, _call(v, fn, logits, out, tgt, weight, what=what), what)
        if np.isclose(got, expected, rtol=1e-4, atol=1e-5):
            v.ok()
            continue
        mistake = None
        if np.isclose(got, adversarial + weight * float(np.mean((out - tgt) ** 2)), rtol=1e-4):
            mistake = "that is the squared error (L2): pix2pix uses the absolute error (L1)"
        elif np.isclose(got, adversarial + l1, rtol=1e-4):
            mistake = "the L1 term must be multiplied by l1_weight"
        elif np.isclose(got, adversarial, rtol=1e-4, atol=1e-5):
            mistake = "the L1 term is missing: G must also stay close to the target"
        elif np.isclose(got, weight * l1, rtol=1e-4, atol=1e-5):
            mistake = "the adversarial term is missing: G must also fool D"
        elif np.isclose(got, -float(np.mean(softplus(logits))) + weight * l1, rtol=1e-4):
            mistake = "that is the minimax (saturating) loss: use -log D = softplus(-logit)"
        elif np.isclose(got, float(np.mean(softplus(logits))) + weight * l1, rtol=1e-4):
            mistake = "wrong sign inside: G wants D to say real, so the loss is softplus(-logit)"
        elif np.isclose(
            got, float(np.sum(softplus(-logits))) / len(logits) + weight * l1, rtol=1e-4
        ):
            mistake = "average the adversarial loss over every patch, not only over the batch"
        elif np.isclose(
            got, adversarial + weight * float(np.sum(np.abs(out - tgt))) / len(out), rtol=1e-4
        ):
            mistake = "average the absolute error over every pixel, not only over the batch"
        v.fail(what, expected, got, mistake)
    v.done()


def check_psnr(fn):
    """Check ``fn(output, target) -> float``: the peak signal-to-noise ratio in decibels of images
    in [-1, 1] (so the peak-to-peak range is 2): ``10 log10(2**2 / MSE)`` per image, averaged over
    the images."""
    from gankit.checks._common import _call, _scalar

    v = _Verdict("psnr")
    rng = np.random.default_rng(1)
    target = np.tanh(rng.standard_normal((3, 8, 8, 1)))
    offsets = np.array([0.1, 0.2, 0.4])[:, None, None, None]
    colour = np.tanh(rng.standard_normal((2, 8, 8, 3)))
    cases = [
        ("every pixel of one image off by 0.2", target[:1] + 0.2, target[:1]),
        ("three images off by 0.1, 0.2 and 0.4", target + offsets, target),
        ("random noise of scale 0.3", target + 0.3 * rng.standard_normal(target.shape), target),
        (
            "two colour images off by (0.1, 0.2, 0.4) and (0.3, 0.05, 0.1) in (red, green, blue)",
            colour + np.array([[0.1, 0.2, 0.4], [0.3, 0.05, 0.1]])[:, None, None, :],
            colour,
        ),
    ]
    for what, out, tgt in cases:
        mse = np.mean((out - tgt) ** 2, axis=(1, 2, 3))
        expected = float(np.mean(10 * np.log10(4.0 / mse)))
        got = _scalar(
            v,
            _call(v, fn, out, tgt, what=what),
            what,
            "an image equal to its target"
            " has MSE 0: not one of these cases, so look for a division by the wrong thing",
        )
        if np.isclose(got, expected, atol=1e-3):
            v.ok()
            continue
        mistake = None
        if np.isclose(got, float(np.mean(10 * np.log10(1.0 / mse))), atol=1e-3):
            mistake = "the images are in [-1, 1]: the peak-to-peak range is 2, so the peak term is 2**2 = 4"
        elif np.isclose(got, float(10 * np.log10(4.0 / np.mean(mse))), atol=1e-3):
            mistake = "compute the PSNR of each image, then average (not the PSNR of the mean MSE)"
        elif np.isclose(got, float(np.mean(20 * np.log10(4.0 / mse))), atol=1e-3) or np.isclose(
            got, float(np.mean(10 * np.log10(2.0 / mse))), atol=1e-3
        ):
            mistake = "PSNR = 10 log10(peak**2 / MSE), or 20 log10(peak / RMSE)"
        elif np.isclose(got, float(np.mean(10 * np.log(4.0 / mse))), atol=1e-3):
            mistake = "decibels use log base 10 (np.log10), not the natural log"
        elif out.shape[-1] == 3:
            mistake = (
                "the MSE of an image is over all its pixels and channels (every axis but the"
                " first), not per channel"
            )
        v.fail(what, round(expected, 4), got, mistake)
    v.done()


# --------------------------------------------------------------------------- 13 CycleGAN
def check_cycle_loss(fn):
    """Check ``fn(real_a, real_b, g_ab, g_ba) -> scalar``: CycleGAN's cycle-consistency loss,
    ``mean |G_ba(G_ab(a)) - a| + mean |G_ab(G_ba(b)) - b|`` (means over every pixel), for
    generators given as callables on image batches."""
    import tensorflow as tf

    from gankit.checks._common import _call, _scalar

    v = _Verdict("cycle_loss")
    rng = np.random.default_rng(2)
    a = tf.constant(np.tanh(rng.standard_normal((4, 8, 8, 1))), "float32")
    b = tf.constant(0.5 * np.tanh(rng.standard_normal((4, 8, 8, 1))), "float32")  # fainter than a

    def identity(x):
        return x

    def shift(by):
        return lambda x: x + by

    def flip(x):  # its own inverse: flip then flip back is the identity
        return x[:, :, ::-1, :]

    cases = [
        (
            "both generators are the identity: every cycle returns its input",
            identity,
            identity,
            0.0,
        ),
        (
            "g_ab = flip left-right, g_ba = flip left-right: each cycle undoes itself",
            flip,
            flip,
            0.0,
        ),
        (
            "g_ab doubles, g_ba is the identity (b is fainter than a)",
            lambda x: 2 * x,
            identity,
            None,
        ),
        ("g_ab adds 0.5, g_ba is the identity: both cycles end 0.5 off", shift(0.5), identity, 1.0),
        ("g_ab adds 0.5, g_ba subtracts 0.5: both cycles return", shift(0.5), shift(-0.5), 0.0),
        ("g_ab adds 0.3, g_ba adds 0.2: both cycles end 0.5 off", shift(0.3), shift(0.2), 1.0),
        ("g_ab doubles, g_ba adds 0.5 (the order matters)", lambda x: 2 * x, shift(0.5), None),
    ]
    for what, g_ab, g_ba, expected in cases:
        if expected is None:  # the round trips, computed
            expected = float(
                np.mean(np.abs(g_ba(g_ab(a)) - a)) + np.mean(np.abs(g_ab(g_ba(b)) - b))
            )
        got = _scalar(v, _call(v, fn, a, b, g_ab, g_ba, what=what), what)
        if np.isclose(got, expected, atol=1e-5):
            v.ok()
            continue
        mistake = None
        one_way = float(np.mean(np.abs(g_ba(g_ab(a)) - a)))
        if np.isclose(got, one_way, atol=1e-5) and not np.isclose(one_way, expected, atol=1e-5):
            mistake = "only the A -> B -> A cycle: add the B -> A -> B one"
        elif np.isclose(
            got,
            float(np.mean(np.abs(g_ab(a) - a)) + np.mean(np.abs(g_ba(b) - b))),
            atol=1e-5,
        ):
            mistake = (
                "that compares each one-way translation with its input, penalising any change:"
                " the cycle goes there and back, g_ba(g_ab(a)) against a"
            )
        elif np.isclose(
            got,
            float(np.mean(np.abs(g_ab(g_ba(a)) - a)) + np.mean(np.abs(g_ba(g_ab(b)) - b))),
            atol=1e-5,
        ):
            mistake = (
                "the order is reversed: a from domain A goes through g_ab first (A -> B), then"
                " g_ba back"
            )
        elif np.isclose(
            got,
            float(np.mean((g_ba(g_ab(a)) - a) ** 2) + np.mean((g_ab(g_ba(b)) - b) ** 2)),
            atol=1e-5,
        ):
            mistake = "that is the squared error: CycleGAN's cycle loss is L1 (absolute error)"
        elif np.isclose(got, expected / 2, atol=1e-5):
            mistake = "the two cycles are added, not averaged"
        v.fail(what, expected, got, mistake)
    v.done()


def check_output_diversity(fn):
    """Check ``fn(images) -> float``: the mean L1 distance (mean absolute pixel difference) over
    all pairs of *different* images in the batch, a collapse detector (0 when every image is the
    same)."""
    from gankit.checks._common import _call, _scalar

    v = _Verdict("output_diversity")
    rng = np.random.default_rng(3)
    random = np.tanh(rng.standard_normal((5, 4, 4, 1)))
    flat = random.reshape(len(random), -1)
    pairs = [np.mean(np.abs(flat[i] - flat[j])) for i in range(5) for j in range(5) if i != j]
    cases = [
        ("five copies of one image (a collapsed generator)", np.repeat(random[:1], 5, axis=0), 0.0),
        (
            "two images, all -1 and all +1 (every pixel differs by 2)",
            np.stack([-np.ones((4, 4, 1)), np.ones((4, 4, 1))]),
            2.0,
        ),
        ("five random images", random, float(np.mean(pairs))),
    ]
    for what, images, expected in cases:
        got = _scalar(v, _call(v, fn, images, what=what), what)
        if np.isclose(got, expected, atol=1e-5):
            v.ok()
            continue
        mistake = None
        n = len(images)
        if np.isclose(got, expected * (n - 1) / n, atol=1e-5):
            mistake = "the pairs of an image with itself (distance 0) must be left out"
        elif np.isclose(got, expected * 16, atol=1e-4):
            mistake = "average the absolute difference over the pixels, not sum it"
        elif what.startswith("two") and np.isclose(got, 4.0, atol=1e-5):
            mistake = "that is the squared difference: use the absolute difference (L1)"
        v.fail(what, expected, got, mistake)
    v.done()


__all__ = sorted(name for name in dir() if name.startswith("check_"))
