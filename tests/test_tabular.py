"""gankit.tabular: the encoder's round trip, the mode-specific encoding, the scores on known
answers, a short TableGAN fit against the independent-columns baseline, and one-line errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from gankit import tabular


def every_dtype(n=40, seed=0):
    """One column of each kind the encoder promises to give back as it was, with holes where
    the dtype can hold them."""
    rng = np.random.default_rng(seed)
    holes = rng.random(n) < 0.2
    words = rng.choice(["red", "green", "blue"], n).astype(object)
    words[holes] = np.nan
    flags = rng.random(n) < 0.5
    return pd.DataFrame(
        {
            "count": rng.integers(0, 9, n),
            "small": rng.integers(0, 200, n).astype("uint8"),
            "f32": rng.normal(size=n).astype("float32"),
            "mass": np.where(holes, np.nan, rng.normal(3000, 500, n)),
            "nullable_int": pd.array(np.where(holes, None, rng.integers(0, 5, n)), dtype="Int64"),
            "flag": flags,
            "flag_with_holes": pd.Series(np.where(holes, None, flags), dtype=object),
            "boolean": pd.array(np.where(holes, None, flags), dtype="boolean"),
            "size": pd.Categorical(
                rng.choice(["S", "L"], n), categories=["XS", "S", "M", "L"], ordered=True
            ),
            "colour": pd.Series(words, dtype=object),
            "text": pd.Series(words).astype("str"),
            "constant": 7.0,
        }
    )


def correlated_table(n=256, seed=0):
    """A table whose columns hang together: y = 3x + a little noise (r > 0.99), a group decided
    by x, an integer count that rises with x; about 7 % of y and 6 % of the groups missing."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 3 * x + 0.3 * rng.normal(size=n)
    y[rng.random(n) < 0.1] = np.nan
    group = np.where(x + 0.3 * rng.normal(size=n) > 0, "high", "low").astype(object)
    group[rng.random(n) < 0.05] = np.nan
    count = np.clip(np.round(5 + 2 * x), 0, None).astype(int)
    return pd.DataFrame({"x": x, "group": group, "y": y, "count": count})


def assert_same_frame(got, want, rtol=1e-4):
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.to_dict() == want.dtypes.to_dict()
    for c in want:
        assert got[c].isna().equals(want[c].isna()), f"{c}: holes moved"
        if isinstance(want[c].dtype, pd.CategoricalDtype):
            assert list(got[c].cat.categories) == list(want[c].cat.categories), c
            assert got[c].cat.ordered == want[c].cat.ordered, c
        present = want[c].notna()
        a, b = got[c][present].to_numpy(), want[c][present].to_numpy()
        if pd.api.types.is_float_dtype(want[c].dtype):
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=rtol, err_msg=c)
        else:
            assert (a == b).all(), c


# --------------------------------------------------------------------------- the encoder
@pytest.mark.parametrize("mode_specific", [True, False])
def test_encoder_round_trip_keeps_columns_dtypes_categories_and_holes(mode_specific):
    df = every_dtype()
    encoder = tabular.TabularEncoder(mode_specific=mode_specific).fit(df)
    encoded = encoder.transform(df)
    assert encoded.dtype == np.float32 and encoded.shape == (len(df), encoder.width)
    assert_same_frame(encoder.inverse_transform(encoded), df)


def test_missing_values_get_blocks_of_their_own():
    df = every_dtype()
    blocks = {name: (kind, width) for name, kind, width in tabular.TabularEncoder().fit(df).blocks}
    assert blocks["mass.missing"] == ("categorical", 2)  # present / missing
    assert "count.missing" not in blocks  # no holes, no block
    assert blocks["colour.category"] == ("categorical", 4)  # red, green, blue, missing
    assert blocks["size.category"] == ("categorical", 2)  # only the categories seen
    assert blocks["flag.category"] == ("categorical", 2)


def test_mode_specific_encoding_keeps_a_bimodal_column_bimodal():
    rng = np.random.default_rng(0)
    humps = np.r_[rng.normal(-5, 0.5, 150), rng.normal(5, 0.5, 150)]
    df = pd.DataFrame({"v": humps})
    modes = tabular.TabularEncoder(mode_specific=True).fit(df)
    zscores = tabular.TabularEncoder(mode_specific=False).fit(df)
    assert [b[:2] for b in modes.blocks] == [("v.value", "numeric"), ("v.mode", "categorical")]
    # each hump is a mode of its own: the mode one-hot alone tells them apart
    hump = modes.transform(df)[:, 1:].argmax(1)
    assert len(set(hump[:150])) == 1 and len(set(hump[150:])) == 1 and hump[0] != hump[-1]
    # a generator whose outputs wander anywhere in the encoded range: per mode, every value
    # decodes into a hump; as one z-score, many land in the empty valley between them
    wander = rng.uniform(-1, 1, 2000)
    decoded_modes = modes.inverse_transform(np.c_[wander, np.eye(2)[rng.integers(0, 2, 2000)]])["v"]
    decoded_z = zscores.inverse_transform(wander[:, None])["v"]
    assert (decoded_modes.abs() > 2.5).all()
    assert (decoded_modes > 0).mean() == pytest.approx(0.5, abs=0.05)
    assert (decoded_z.abs() < 2.5).mean() > 0.4


# --------------------------------------------------------------------------- the scores
def test_identical_frames_score_perfectly():
    df = correlated_table()
    result = tabular.evaluate(df, df.copy())
    assert result["column_shapes"]["mean"] == pytest.approx(1.0)
    assert result["pair_trends"]["mean"] == pytest.approx(1.0)
    assert len(result["pair_trends"]["per_pair"]) == 6  # 4 columns, 6 pairs
    assert result["detection_auc"] == pytest.approx(0.5, abs=0.1)


def test_independent_columns_keep_shapes_and_lose_pair_trends():
    df = correlated_table()
    baseline = tabular.independent_columns(df, 500, seed=1)
    assert baseline.dtypes.to_dict() == df.dtypes.to_dict() and len(baseline) == 500
    shapes = tabular.column_shapes(df, baseline)
    pairs = tabular.pair_trends(df, baseline)["per_pair"]
    assert min(shapes["per_column"].values()) > 0.9, shapes
    assert pairs["x", "y"] < 0.55  # r drops from 0.99 to about 0: 1 - 0.99 / 2
    assert pairs["x", "group"] < 0.75
    # and the classifier sees it: x and y no longer agree
    assert tabular.detection_auc(df, baseline) > 0.8


def test_a_shifted_column_lowers_its_shape_score_only():
    df = correlated_table()
    shifted = df.assign(x=df["x"] + 1.0)
    scores = tabular.column_shapes(df, shifted)["per_column"]
    assert scores["x"] < 0.7  # KS of N(0, 1) against N(1, 1) is about 0.38
    assert scores["y"] == scores["group"] == scores["count"] == 1.0


def test_pair_trends_on_closed_forms():
    n = 200
    a = np.linspace(-1, 1, n)
    word = np.where(a > 0, "pos", "neg")
    real = pd.DataFrame({"a": a, "b": a, "word": word, "same": word})
    flipped = pd.DataFrame({"a": a, "b": -a, "word": word, "same": word[::-1]})
    pairs = tabular.pair_trends(real, flipped)["per_pair"]
    assert pairs["a", "b"] == pytest.approx(0.0)  # r = 1 against r = -1
    assert pairs["word", "same"] == pytest.approx(0.0)  # every (word, same) cell moved
    assert pairs["a", "word"] == pytest.approx(1.0)  # kept as it was
    # NaN is a category of its own: a column that loses its holes moves its share
    holes = real.assign(word=real["word"].where(a < 0.5))
    assert tabular.column_shapes(holes, real)["per_column"]["word"] == pytest.approx(0.75, 0.01)


def test_utility_trains_on_synthetic_and_tests_on_real():
    df = correlated_table(300)
    train, test = df.iloc[:200], df.iloc[200:]
    shuffled = tabular.independent_columns(train, 200, seed=0)
    result = tabular.utility(train, shuffled, "group", test)
    assert result["task"] == "classification" and result["metric"] == "accuracy"
    assert result["model"] == "HistGradientBoostingClassifier"
    assert result["real"] > 0.8 > result["synthetic"] + 0.1  # links lost, nothing to learn
    regression = tabular.evaluate(train, train, target="y", test=test)["utility"]
    assert regression["metric"] == "r2" and regression["real"] > 0.9


# --------------------------------------------------------------------------- the GAN
@pytest.fixture(scope="module")
def table_and_gan():
    df = correlated_table()
    # 256 rows in batches of 64: 4 steps per epoch, 4,000 steps (half the default)
    return df, tabular.TableGAN(seed=0).fit(df, epochs=1000)


def test_a_short_fit_beats_independent_columns_on_pair_trends(table_and_gan):
    df, gan = table_and_gan
    assert gan.steps_ == 4000 and len(gan.history_["g_loss"]) == 40
    synthetic = gan.sample(len(df), seed=0)
    baseline = tabular.independent_columns(df, len(df), seed=0)
    gan_trends = tabular.pair_trends(df, synthetic)
    base_trends = tabular.pair_trends(df, baseline)
    assert gan_trends["mean"] > base_trends["mean"] + 0.1, (gan_trends, base_trends)
    assert gan_trends["per_pair"]["x", "y"] > 0.85  # r within 0.3 of 0.99
    # holes are learned, not filled: 7 % of y and 6 % of the groups are missing
    assert df["y"].isna().mean() == pytest.approx(0.07, abs=0.005)
    assert synthetic["y"].isna().mean() == pytest.approx(0.07, abs=0.04)
    assert synthetic["group"].isna().mean() == pytest.approx(0.06, abs=0.05)


def test_sample_is_reproducible_and_shaped_like_the_table(table_and_gan):
    df, gan = table_and_gan
    first = gan.sample(50, seed=3)
    pd.testing.assert_frame_equal(first, gan.sample(50, seed=3))
    assert not first.equals(gan.sample(50, seed=4))
    assert list(first.columns) == list(df.columns) and len(first) == 50
    assert first.dtypes.to_dict() == df.dtypes.to_dict()
    assert set(first["group"].dropna()) <= {"high", "low"}
    assert first["count"].between(df["count"].min(), df["count"].max()).all()


def test_fit_stops_at_the_wall_time_budget():
    df = pd.DataFrame({"v": np.arange(8.0), "w": list("abababab")})
    gan = tabular.TableGAN(seed=0, pack=2, batch_size=4, g_hidden=(8,), d_hidden=(8,))
    gan.fit(df, minutes=1e-6)  # the budget runs out during the first chunk of steps
    assert gan.steps_ == tabular.CHUNK_STEPS
    assert gan.sample(3).dtypes.to_dict() == df.dtypes.to_dict()


# --------------------------------------------------------------------------- bad input
GOOD = correlated_table(20)
BAD_INPUTS = [
    (lambda: tabular.TableGAN().fit([[1, 2]]), TypeError, "expected a pandas DataFrame, got list"),
    (lambda: tabular.TableGAN().fit(pd.DataFrame()), ValueError, "empty table"),
    (lambda: tabular.TableGAN().fit(GOOD.iloc[:1]), ValueError, "at least 2 rows, got 1"),
    (lambda: tabular.TableGAN().fit(GOOD.iloc[:3]), ValueError, "3 rows are fewer than pack=4"),
    (lambda: tabular.TableGAN().fit(GOOD.assign(y=np.nan)), ValueError, "'y' has no values"),
    (
        lambda: tabular.TableGAN().fit(GOOD.assign(y=np.inf)),
        ValueError,
        "'y' contains infinite values",
    ),
    (
        lambda: tabular.TableGAN().fit(GOOD.assign(when=pd.Timestamp("2024-01-01"))),
        TypeError,
        "'when' has unsupported type datetime64",
    ),
    (
        lambda: tabular.TableGAN().fit(GOOD.assign(z=GOOD["x"] + 1j)),
        TypeError,
        "'z' has unsupported type complex",
    ),
    (
        lambda: tabular.TableGAN().fit(GOOD.assign(group=["a", 1] * 10)),
        TypeError,
        r"'group' holds Python objects of types \['int', 'str'\]",
    ),
    (lambda: tabular.TableGAN().sample(5), NotFittedError, r"call fit\(df\) before sample"),
    (lambda: tabular.TableGAN().fit(GOOD, epochs=0), ValueError, "epochs: expected an integer"),
    (lambda: tabular.TableGAN().fit(GOOD, minutes=-1), ValueError, "minutes: expected a finite"),
    (lambda: tabular.TableGAN(widht=3), TypeError, r"unknown setting\(s\) \['widht'\]"),
    (lambda: tabular.TableGAN(seed=-1), ValueError, "seed: expected an integer >= 0"),
    (lambda: tabular.TableGAN(pack=0), ValueError, "pack: expected an integer >= 1"),
    (lambda: tabular.TableGAN(batch_size=2), ValueError, "at least pack=4 rows, got 2"),
    (lambda: tabular.TableGAN(dropout=1.5), ValueError, r"dropout: expected a rate in \[0, 1\)"),
    (lambda: tabular.TableGAN(ema=2.0), ValueError, "ema: expected None or a decay"),
    (lambda: tabular.TableGAN(g_hidden="wide"), TypeError, "g_hidden: expected a tuple"),
    (lambda: tabular.TableGAN(mode_specific="yes"), TypeError, "mode_specific: expected True"),
    (lambda: tabular.TableGAN(g_learning_rate=0), ValueError, "g_learning_rate: expected a"),
    (lambda: tabular.independent_columns(GOOD, 0), ValueError, "n: expected an integer >= 1"),
    (
        lambda: tabular.evaluate(GOOD, GOOD.drop(columns="y")),
        ValueError,
        "synthetic: expected the columns of real",
    ),
    (
        lambda: tabular.evaluate(GOOD, GOOD.assign(x=GOOD["x"].astype(str))),
        ValueError,
        "synthetic: column 'x' is numeric in real but categorical here",
    ),
    (
        lambda: tabular.evaluate(GOOD, GOOD, target="group"),
        ValueError,
        "test: evaluate.* needs held-out real rows",
    ),
    (
        lambda: tabular.utility(GOOD, GOOD, "colour", GOOD),
        ValueError,
        "target: 'colour' is not a column",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_one_clear_line(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_sample_rejects_a_bad_count(table_and_gan):
    _, gan = table_and_gan
    for n in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n: expected an integer >= 1") as info:
            gan.sample(n)
        assert "\n" not in str(info.value)
