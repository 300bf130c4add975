"""Exercise checks of part 4, applications (notebooks 11-17): so far notebook 11's projection
discriminator and spherical interpolation.

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


__all__ = sorted(name for name in dir() if name.startswith("check_"))
