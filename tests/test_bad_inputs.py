"""The table of bad inputs tried: every place a user hands gankit data answers with one clear
TypeError/ValueError that names the argument, what was expected and what came in."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gankit import data, metrics

GOOD = np.zeros((4, 8, 8, 1), "float32")
PENGUINS_LIKE = pd.DataFrame(
    {
        "species": ["a", "b", "a", "c"],
        "mass": [1.0, 2.0, np.nan, 4.0],
        "flag": [True, False, True, True],
    }
)

BAD_INPUTS = [
    # (what was tried, call, error type, message pattern)
    (
        "3-D images",
        lambda: data.check_images(np.zeros((4, 8, 8))),
        ValueError,
        r"images: expected 4-D.*x\[\.\.\., None\]",
    ),
    (
        "channels first",
        lambda: data.check_images(np.zeros((4, 1, 8, 8))),
        ValueError,
        r"1 or 3 channels last.*moveaxis",
    ),
    (
        "2 channels",
        lambda: data.check_images(np.zeros((4, 8, 8, 2))),
        ValueError,
        r"1 or 3 channels",
    ),
    (
        "uint8 0-255 pixels",
        lambda: data.check_images(np.full((4, 8, 8, 1), 255, np.uint8)),
        ValueError,
        r"\[-1, 1\].*to_unit_range",
    ),
    (
        "values just outside [-1, 1]",
        lambda: data.check_images(GOOD + 1.2),
        ValueError,
        r"expected values in \[-1, 1\], got range",
    ),
    (
        "NaN pixel",
        lambda: data.check_images(np.where(np.arange(256).reshape(4, 8, 8, 1) == 7, np.nan, 0.0)),
        ValueError,
        r"1 NaN or infinite",
    ),
    (
        "inf pixel",
        lambda: data.check_images(np.full((1, 8, 8, 1), np.inf)),
        ValueError,
        r"NaN or infinite",
    ),
    ("empty array", lambda: data.check_images(np.zeros((0, 8, 8, 1))), ValueError, r"empty array"),
    (
        "strings",
        lambda: data.check_images(np.full((1, 2, 2, 1), "x")),
        TypeError,
        r"numeric array, got dtype",
    ),
    (
        "labels out of range",
        lambda: data.check_labels([0, 10], 2, num_classes=10),
        ValueError,
        r"labels in \[0, 10\), got range \[0, 10\]",
    ),
    (
        "negative labels",
        lambda: data.check_labels([-1, 3], 2, num_classes=10),
        ValueError,
        r"got range \[-1, 3\]",
    ),
    (
        "fractional labels",
        lambda: data.check_labels([0.5, 1.0], 2),
        ValueError,
        r"integer class labels",
    ),
    ("2-D labels", lambda: data.check_labels(np.zeros((2, 1)), 2), ValueError, r"1-D array"),
    (
        "image/label count mismatch",
        lambda: data.make_dataset(GOOD, y=[0, 1, 2], batch_size=2),
        ValueError,
        r"y: got 3 labels for 4 images",
    ),
    (
        "batch larger than data",
        lambda: data.make_dataset(GOOD, batch_size=8),
        ValueError,
        r"batch_size: 8 is larger than the 4",
    ),
    (
        "zero batch size",
        lambda: data.make_dataset(GOOD, batch_size=0),
        ValueError,
        r"positive integer",
    ),
    (
        "negative start epoch",
        lambda: data.make_dataset(GOOD, batch_size=2, start_epoch=-1),
        ValueError,
        r"start_epoch",
    ),
    (
        "1-D points",
        lambda: data.make_dataset(np.zeros(5), batch_size=1),
        ValueError,
        r"points of shape \(n, d\)",
    ),
    (
        "NaN point",
        lambda: data.make_dataset(np.array([[0.0, np.nan]]), batch_size=1),
        ValueError,
        r"NaN",
    ),
    (
        "pixels above max",
        lambda: data.to_unit_range(np.array([0, 300])),
        ValueError,
        r"\[0, 255.0\], got \[0, 300\]",
    ),
    ("unknown dataset", lambda: data.load_images("cifar"), ValueError, r"unknown name 'cifar'"),
    ("unknown split", lambda: data.load_digits("valid"), ValueError, r"'train', 'test' or 'all'"),
    (
        "zero points",
        lambda: data.make_mixture("ring", n=0),
        ValueError,
        r"positive number of points",
    ),
    (
        "FID on mismatched widths",
        lambda: metrics.fid(np.random.rand(5, 3), np.random.rand(5, 4)),
        ValueError,
        r"fid: feature sizes differ: 3 vs 4",
    ),
    (
        "a list, not a table",
        lambda: data.TableEncoder().fit([[1, 2]]),
        TypeError,
        r"expected a pandas DataFrame, got list",
    ),
    (
        "empty table",
        lambda: data.TableEncoder().fit(pd.DataFrame({"a": []})),
        ValueError,
        r"expected rows and columns",
    ),
    (
        "all-NaN column",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(empty=np.nan)),
        ValueError,
        r"column 'empty' has no values \(all 4 missing\)",
    ),
    (
        "date column",
        lambda: data.TableEncoder().fit(
            PENGUINS_LIKE.assign(day=pd.date_range("2024-01-01", periods=4))
        ),
        TypeError,
        r"column 'day' has unsupported type datetime64",
    ),
    (
        "mixed objects",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(mixed=["a", 1, None, 2.0])),
        TypeError,
        r"column 'mixed' mixes value types",
    ),
    (
        "constant column",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(k=3.0)),
        ValueError,
        r"column 'k' is constant",
    ),
    (
        "unknown column",
        lambda: data.TableEncoder(columns=["mass", "wing"]).fit(PENGUINS_LIKE),
        ValueError,
        r"\['wing'\] not in the table",
    ),
    (
        "bad missing policy",
        lambda: data.TableEncoder(missing="zero"),
        ValueError,
        r"'drop' or 'impute'",
    ),
    (
        "decode wrong width",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE).inverse_transform(np.zeros((2, 3))),
        ValueError,
        r"expected shape \(rows, 6\)",
    ),
]


@pytest.mark.parametrize(
    ("what", "call", "error", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_gets_a_clear_error(what, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_table_encoder_round_trip_and_missing_values():
    enc = data.TableEncoder()
    x = enc.fit_transform(PENGUINS_LIKE)
    assert x.shape == (3, 6) and x.dtype == np.float32  # the row with a missing mass is dropped
    assert enc.feature_names == [
        "species=a",
        "species=b",
        "species=c",
        "mass",
        "flag=False",
        "flag=True",
    ]
    np.testing.assert_allclose(x[:, 3].mean(), 0, atol=1e-6)
    back = enc.inverse_transform(x)
    assert list(back["species"]) == ["a", "b", "c"]
    np.testing.assert_allclose(back["mass"], [1.0, 2.0, 4.0])
    imputed = data.TableEncoder(missing="impute").fit(PENGUINS_LIKE)
    assert imputed.transform(PENGUINS_LIKE).shape == (4, 6)
    assert imputed.fill_["mass"] == 2.0


def test_penguins_without_the_optional_package_is_one_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "palmerpenguins", None)
    with pytest.raises(
        ImportError,
        match=r"^penguins: the package palmerpenguins is not installed; pip install palmerpenguins$",
    ):
        data.load_penguins()


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=30),
    nan_at=st.integers(0, 29),
)
# found by hypothesis in CI: equal floats whose computed standard deviation is not exactly 0
@example(values=[699051.5567893607, 0.0, 699051.5567893607, 699051.5567893607], nan_at=1)
@example(values=[699051.5567893607, 0.0, 699051.5567893607], nan_at=1)
def test_table_encoder_numeric_round_trip(values, nan_at):
    if len(set(values)) < 2:
        values = values + [values[0] + 1.0]
    column = np.array(values, dtype=float)
    column[nan_at % len(column)] = np.nan
    df = pd.DataFrame({"v": column, "c": (["x", "y"] * len(column))[: len(column)]})
    enc = data.TableEncoder(missing="impute")
    if len(set(column[~np.isnan(column)])) < 2:  # constant once the NaN is imputed
        with pytest.raises(ValueError, match="constant"):
            enc.fit(df)
        return
    x = enc.fit_transform(df)
    assert np.all(np.isfinite(x))
    back = enc.inverse_transform(x)
    filled = np.where(np.isnan(column), np.nanmedian(column), column)
    np.testing.assert_allclose(back["v"], filled, rtol=1e-6, atol=1e-6 * (1 + np.abs(filled).max()))
    assert list(back["c"]) == list(df["c"])
