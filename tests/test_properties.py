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


def _grid_array_by_hand(images, ncols=None, pad=1):
    """plotting.grid_array as it was written before it used skimage.util.montage (the reference)."""
    images = data.to_pixel_range(images)
    n, h, w, c = images.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    out = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), dtype=np.float32)
    for i, img in enumerate(images):
        r, q = divmod(i, ncols)
        y0, x0 = pad + r * (h + pad), pad + q * (w + pad)
        out[y0 : y0 + h, x0 : x0 + w] = img
    return out


@pytest.mark.parametrize(
    ("shape", "ncols", "pad"),
    [
        ((64, 28, 28, 1), None, 1),  # the CLI's and the callbacks' 8x8 grid
        ((10, 28, 28, 1), 4, 1),  # an incomplete last row
        ((7, 8, 8, 3), None, 0),  # colour, no padding, incomplete last row
        ((5, 6, 4, 1), 2, 3),  # not square, wide padding
        ((3, 8, 8, 1), 8, 1),  # more columns than images
    ],
)
def test_grid_array_is_pixel_identical_to_the_hand_written_tiling(shape, ncols, pad):
    from gankit import plotting

    images = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    got = plotting.grid_array(images, ncols=ncols, pad=pad)
    want = _grid_array_by_hand(images, ncols=ncols, pad=pad)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@FAST
@given(
    st.tuples(st.integers(1, 12), st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 3])),
    st.one_of(st.none(), st.integers(1, 13)),
    st.integers(0, 3),
)
def test_grid_array_matches_the_hand_written_tiling_for_any_shape(shape, ncols, pad):
    from gankit import plotting

    images = np.random.default_rng(sum(shape)).uniform(-1, 1, shape).astype(np.float32)
    np.testing.assert_array_equal(
        plotting.grid_array(images, ncols=ncols, pad=pad),
        _grid_array_by_hand(images, ncols=ncols, pad=pad),
    )


# every metric that takes arrays, with the name its error must give for its first argument
ARRAY_METRICS = {
    "fid": (lambda a, b: metrics.fid(a, b), "features_a"),
    "kid": (lambda a, b: metrics.kid(a, b, subsets=2, subset_size=5), "features_a"),
    "precision_recall": (lambda a, b: metrics.precision_recall(a, b), "real_features"),
    "energy_distance": (lambda a, b: metrics.energy_distance(a, b), "a"),
    "mode_coverage": (lambda a, b: metrics.mode_coverage(a, b, std=0.1), "points"),
    "nearest_neighbours": (lambda a, b: metrics.nearest_neighbours(a, b), "samples"),
}


@FAST
@given(
    st.sampled_from(sorted(ARRAY_METRICS)),
    st.sampled_from([np.nan, np.inf, -np.inf]),
    st.integers(0, 11),
    st.integers(0, 2),
    st.booleans(),
)
def test_every_metric_names_a_nan_or_inf_anywhere_in_either_argument(name, bad, row, col, first):
    call, first_name = ARRAY_METRICS[name]
    a = np.random.default_rng(0).normal(size=(12, 3))
    b = np.random.default_rng(1).normal(size=(12, 3))
    (a if first else b)[row, col] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite") as caught:
        call(a, b)
    assert str(caught.value).startswith(first_name) == first


@FAST
@given(st.text(max_size=12))
def test_command_line_numbers_accept_or_reject_any_text_in_one_line(text):
    import argparse

    from gankit import cli

    for parse in (cli._seed, cli._int_between(1, 10_000), cli._positive_float, cli._png_path):
        try:
            value = parse(text)
        except argparse.ArgumentTypeError as exc:
            assert "\n" not in str(exc)
            continue
        if parse is cli._seed:
            assert 0 <= value <= cli.SEED_MAX
        elif parse is cli._positive_float:
            assert 0 < value < float("inf")
        elif parse is cli._png_path:
            assert value.suffix.lower() == ".png"
        else:
            assert 1 <= value <= 10_000
