"""Input checks shared by every gankit module: counts, positive numbers, image batches, labels, 2-D
points, and the pixel-range conversions. Each raises a one-line error naming the argument.
(:mod:`gankit.data` re-exports them, so ``from gankit.data import check_count`` still works.)
"""

from __future__ import annotations

import numpy as np

DIGIT_CLASSES = 10


def check_count(value, name, minimum=1):
    """Check that ``value`` is an integer (Python or NumPy, not ``bool``) of at least ``minimum``;
    return it as ``int``. Raises ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(value, name):
    """Check that ``value`` is a finite real number > 0; return it as ``float``. Raises
    ``TypeError`` for a non-number and ``ValueError`` naming ``name`` for 0, negatives, NaN, inf."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name}: expected a positive number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a finite positive number, got {value!r}")
    return float(value)


def _numeric_array(values, name):
    """``np.asarray(values)`` for real numbers, or a ``TypeError`` naming ``name``."""
    try:
        arr = np.asarray(values)
    except ValueError:  # ragged nested lists
        raise ValueError(
            f"{name}: expected an array of equal-shaped rows, got ragged input"
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer)
        or np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    return arr


def check_images(images, name="images", *, allow_unnormalised=False):
    """Check that ``images`` is a float NHWC array in [-1, 1] and return it as float32.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` naming ``name`` for a wrong rank,
    an empty array, a channel count other than 1 or 3, NaN/inf values, or values outside [-1, 1]
    (with a hint to use :func:`to_unit_range` when the values look like 0-255 pixels).
    """
    arr = _numeric_array(images, name)
    if arr.ndim != 4:
        raise ValueError(
            f"{name}: expected 4-D images (N, height, width, channels), got shape {arr.shape}"
            + (" (add a channel axis with x[..., None])" if arr.ndim == 3 else "")
        )
    if arr.size == 0:
        raise ValueError(f"{name}: got an empty array of shape {arr.shape}")
    if arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name}: expected 1 or 3 channels last (NHWC), got shape {arr.shape}"
            " (channels-first data needs np.moveaxis(x, 1, -1))"
        )
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{name}: contains {bad} NaN or infinite values")
    lo, hi = float(arr.min()), float(arr.max())
    if not allow_unnormalised and (lo < -1.0 - 1e-3 or hi > 1.0 + 1e-3):
        hint = " (looks like 0-255 pixels: use gankit.data.to_unit_range)" if hi > 1.5 else ""
        raise ValueError(
            f"{name}: expected values in [-1, 1], got range [{lo:.3g}, {hi:.3g}]{hint}"
        )
    return arr


def check_labels(labels, n, name="labels", num_classes=None):
    """Check integer class labels: a 1-D array of length ``n`` in ``[0, num_classes)``.

    Returns them as int64; raises ``ValueError`` naming ``name`` on a length mismatch, a wrong
    rank, non-integer values or labels out of range.
    """
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of class labels, got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"{name}: got {len(arr)} labels for {n} images; the counts must match")
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0)):
            raise ValueError(f"{name}: expected integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if num_classes is not None and len(arr) and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name}: expected labels in [0, {num_classes}), got range [{arr.min()}, {arr.max()}]"
        )
    return arr


def to_unit_range(pixels, max_value=255.0):
    """Map pixels in ``[0, max_value]`` (e.g. uint8 0-255) to float32 in [-1, 1].

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for NaN/inf, values outside
    ``[0, max_value]`` or a ``max_value`` that is not a positive number.
    """
    max_value = check_positive(max_value, "max_value")
    arr = _numeric_array(pixels, "pixels").astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError("pixels: contains NaN or infinite values")
    if arr.size and (arr.min() < 0 or arr.max() > max_value):
        raise ValueError(
            f"pixels: expected values in [0, {max_value}], got [{arr.min():.3g}, {arr.max():.3g}]"
        )
    return arr / (max_value / 2.0) - 1.0


def to_pixel_range(images):
    """Map images in [-1, 1] back to float32 in [0, 1] (for plotting), clipping stray values.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for NaN/inf (clipping would
    keep them)."""
    arr = _numeric_array(images, "images").astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError("images: contains NaN or infinite values")
    return np.clip((arr + 1.0) / 2.0, 0.0, 1.0)


def _check_points(x, name):
    x = _numeric_array(x, name)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(
            f"{name}: expected points of shape (n, d) or images (N, H, W, C), got {x.shape}"
        )
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return x
