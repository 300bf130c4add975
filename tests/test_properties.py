"""Property-based tests (hypothesis) over the loaders' preprocessing, input checks and metrics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from gankit import data, metrics

FAST = settings(max_examples=30, deadline=None)
image_shapes = st.tuples(
    st.integers(1, 4), st.integers(1, 8), st.integers(1, 8), st.sampled_from([1, 3])
)


@FAST
@given(arrays(np.uint8, array_shapes(min_dims=1, max_dims=4, max_side=6)))
def test_pixel_scaling_round_trips_and_stays_in_range(pixels):
    scaled = data.to_unit_range(pixels)
    assert scaled.dtype == np.float32
    assert scaled.min() >= -1.0 and scaled.max() <= 1.0
    np.testing.assert_allclose(data.to_pixel_range(scaled) * 255.0, pixels, atol=1e-3)


@FAST
@given(image_shapes.flatmap(lambda s: arrays(np.float32, s, elements=st.floats(-1, 1, width=32))))
def test_check_images_accepts_every_finite_nhwc_array_in_range(images):
    out = data.check_images(images)
    assert out.dtype == np.float32 and out.shape == images.shape


@FAST
@given(
    image_shapes.flatmap(lambda s: arrays(np.float32, s, elements=st.floats(-1, 1, width=32))),
    st.sampled_from([np.nan, np.inf, -np.inf, 1.5, -7.0]),
    st.data(),
)
def test_check_images_names_any_single_bad_value(images, bad, draw):
    index = tuple(draw.draw(st.integers(0, n - 1)) for n in images.shape)
    images = images.copy()
    images[index] = bad
    message = "NaN or infinite" if not np.isfinite(bad) else r"\[-1, 1\]"
    with pytest.raises(ValueError, match=message):
        data.check_images(images, "images")


@FAST
@given(st.integers(1, 50), st.integers(1, 50))
def test_check_labels_rejects_every_count_mismatch(n_labels, n_images):
    labels = np.zeros(n_labels, dtype=int)
    if n_labels == n_images:
        assert len(data.check_labels(labels, n_images)) == n_images
    else:
        with pytest.raises(ValueError, match="counts must match"):
            data.check_labels(labels, n_images)


@FAST
@given(st.sampled_from(["ring", "grid", "moons"]), st.integers(1, 500), st.integers(0, 2**16))
def test_mixtures_give_finite_points_of_the_requested_count(kind, n, seed):
    points, mode = data.make_mixture(kind, n=n, seed=seed)
    assert points.shape == (n, 2) and mode.shape == (n,)
    assert np.all(np.isfinite(points))


@FAST
@given(
    arrays(np.float64, (40, 3), elements=st.floats(-10, 10)),
    arrays(np.float64, (40, 3), elements=st.floats(-10, 10)),
)
def test_fid_is_non_negative_symmetric_and_zero_on_itself(a, b):
    fid_ab = metrics.fid(a, b)
    assert fid_ab >= -1e-6
    assert fid_ab == pytest.approx(metrics.fid(b, a), rel=1e-6, abs=1e-6)
    assert metrics.fid(a, a) == pytest.approx(0.0, abs=1e-6)
