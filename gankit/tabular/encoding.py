"""Tables as a GAN learns them: input checks and :class:`TabularEncoder` (missing values as
blocks, numeric columns mode by mode). Part of :mod:`gankit.tabular`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from gankit.validation import check_count

# --------------------------------------------------------------------------- input checks


def _check_frame(df, name, min_rows=1):
    """Check that ``df`` is a DataFrame the module can read; return ``{column: kind}``, kind
    ``"numeric"`` or ``"categorical"``. The rules are :class:`gankit.tables.TableEncoder`'s, plus
    columns of ``True``/``False`` with holes (pandas stores them as ``object``), which count as
    categorical. Every problem is one ``TypeError``/``ValueError`` line naming ``name``."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame, got {type(df).__name__}")
    if df.columns.has_duplicates:
        dupes = sorted(map(str, set(df.columns[df.columns.duplicated()])))
        raise ValueError(f"{name}: duplicate column names {dupes}")
    if df.shape[1] == 0 or len(df) == 0:
        raise ValueError(f"{name}: expected rows and columns, got an empty table {df.shape}")
    if len(df) < min_rows:
        raise ValueError(f"{name}: expected at least {min_rows} rows, got {len(df)}")
    return {c: _column_kind(df[c], name, c) for c in df.columns}


def _column_kind(col, name, c):
    if col.isna().all():
        raise ValueError(f"{name}: column {c!r} has no values (all {len(col)} missing)")
    if pd.api.types.is_bool_dtype(col.dtype) or isinstance(col.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_complex_dtype(col.dtype):
        if np.isinf(col.to_numpy(float, na_value=np.nan)).any():
            raise ValueError(
                f"{name}: column {c!r} contains infinite values; replace them with NaN"
                " (learned as missing) or drop the rows"
            )
        return "numeric"
    if pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype):
        types = {type(v).__name__ for v in col.dropna()}
        if types <= {"str"} or types <= {"bool", "bool_"}:
            return "categorical"
        raise TypeError(
            f"{name}: column {c!r} holds Python objects of types {sorted(types)}; expected"
            " strings or True/False (categories) or numbers (convert with pd.to_numeric or"
            " .astype(str))"
        )
    raise TypeError(
        f"{name}: column {c!r} has unsupported type {col.dtype}; convert dates to numbers (e.g."
        " day of year) and complex numbers to two real columns, or drop the column"
    )


def _check_seed(seed, name="seed"):
    return check_count(seed, name, minimum=0)


# --------------------------------------------------------------------------- encoding


class _NumericColumn:
    """One numeric column: its value (mode by mode, or a z-score), then a present/missing block
    if it had holes. Blocks as :func:`table_generator` reads them: ``"numeric"`` is a linear
    output, ``"categorical"`` a softmax."""

    def __init__(self, name, mode_specific, max_modes, seed):
        self.name = name
        self.mode_specific = mode_specific
        self.max_modes = max_modes
        self.seed = seed  # of the mixture fit and of the draws that fill holes

    def fit(self, col):
        x = col.to_numpy(float, na_value=np.nan)
        present = x[~np.isnan(x)]
        self.dtype = col.dtype
        # whole numbers come back whole: an integer dtype, or floats that are all whole numbers
        # (pandas turns an integer column with holes into floats)
        self.integer = pd.api.types.is_integer_dtype(col.dtype) or bool(
            np.all(present == np.round(present))
        )
        self.has_missing = bool(np.isnan(x).any())
        self.low, self.high = float(present.min()), float(present.max())
        self.mean = float(present.mean())
        self.std = float(present.std()) or 1.0  # a constant column encodes as 0
        self.observed = (present - self.mean) / self.std  # for filling holes while training
        self.mu = self.sd = None
        if self.mode_specific and len(np.unique(present)) > 1:
            self._fit_modes(self.observed)
        return self

    def _fit_modes(self, z):
        """Fit up to ``max_modes`` Gaussians to the column (in z-score units) with a Dirichlet
        process prior, which switches off the modes it does not need; keep the modes that carry
        at least 0.5 % of the weight (CTGAN's threshold)."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import BayesianGaussianMixture

        k = min(self.max_modes, len(np.unique(z)))
        mixture = BayesianGaussianMixture(
            n_components=k,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=1e-3,
            max_iter=200,
            random_state=self.seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(z[:, None])
        self.mixture = mixture
        self.keep = np.flatnonzero(mixture.weights_ > 0.005)
        self.mu = mixture.means_[self.keep, 0]
        self.sd = np.sqrt(mixture.covariances_[self.keep, 0, 0])
        if len(self.keep) == 1:  # one mode: the column's z-score says it all
            self.mu = self.sd = None

    @property
    def modes(self):
        return 1 if self.mu is None else len(self.mu)

    def blocks(self):
        out = [(f"{self.name}.value", "numeric", 1)]
        if self.modes > 1:
            out.append((f"{self.name}.mode", "categorical", self.modes))
        if self.has_missing:
            out.append((f"{self.name}.missing", "categorical", 2))
        return out

    def encode(self, col):
        x = col.to_numpy(float, na_value=np.nan)
        z = (x - self.mean) / self.std
        holes = np.isnan(z)
        if holes.any():
            # a hole gets a random observed value, not the median: a spike of identical values
            # would be one more thing for D to check and for G to copy, and it is dropped anyway
            rng = np.random.default_rng(self.seed)
            z[holes] = rng.choice(self.observed, size=int(holes.sum()))
        parts = []
        if self.modes > 1:
            # the mode each value most probably came from, then the value within that mode in
            # that mode's standard deviations, (x - mu_k) / sigma_k, clipped to [-4, 4]
            proba = self.mixture.predict_proba(z[:, None])[:, self.keep]
            mode = proba.argmax(1)
            alpha = np.clip((z - self.mu[mode]) / self.sd[mode], -4, 4)
            parts += [alpha[:, None], np.eye(self.modes)[mode]]
        else:
            parts.append(z[:, None])
        if self.has_missing:
            parts.append(np.eye(2)[holes.astype(int)])
        return np.concatenate(parts, axis=1)

    def decode(self, block):
        value = block[:, 0]
        if self.modes > 1:
            mode = block[:, 1 : 1 + self.modes].argmax(1)
            value = np.clip(value, -4, 4) * self.sd[mode] + self.mu[mode]
        x = np.clip(value * self.std + self.mean, self.low, self.high)
        if self.integer:
            x = np.round(x)
        if self.has_missing:
            x[block[:, -2:].argmax(1) == 1] = np.nan
        return pd.Series(x).astype(self.dtype)


class _CategoricalColumn:
    """One categorical column: a one-hot block over its categories, plus one slot for "missing"
    if it had holes."""

    def __init__(self, name):
        self.name = name

    def fit(self, col):
        self.dtype = col.dtype
        if isinstance(col.dtype, pd.CategoricalDtype):  # keep the dtype's order
            seen = set(col.dropna())
            self.categories = [v for v in col.dtype.categories if v in seen]
        else:
            self.categories = sorted(col.dropna().unique())
        self.has_missing = bool(col.isna().any())
        return self

    def blocks(self):
        return [(f"{self.name}.category", "categorical", self.width)]

    @property
    def width(self):
        return len(self.categories) + self.has_missing

    def encode(self, col):
        codes = pd.Categorical(col, categories=self.categories).codes.astype(int)
        unseen = sorted(map(str, set(col[(codes == -1) & col.notna().to_numpy()])))
        if unseen or (col.isna().any() and not self.has_missing):
            what = f"categories {unseen}" if unseen else "missing values"
            raise ValueError(f"table: column {self.name!r} has {what} that fit() never saw")
        codes[codes == -1] = len(self.categories)  # the "missing" slot
        return np.eye(self.width)[codes]

    def decode(self, block):
        values = np.array([*self.categories, np.nan], dtype=object)[block.argmax(1)]
        if isinstance(self.dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical(values, dtype=self.dtype))
        if self.dtype == bool:
            return pd.Series(values.astype(bool))
        return pd.Series(values, dtype=object).astype(self.dtype)


class TabularEncoder:
    """Turn a DataFrame into a float32 matrix a GAN can learn, holes and all, and rows back.

    Unlike :class:`gankit.tables.TableEncoder` (notebook 07: z-scores, one-hot, rows with holes
    dropped), it keeps every row and teaches the GAN where values are missing:

    * **Missing values.** A numeric column with NaNs gets an extra two-way block (present,
      missing), and each hole is filled, for training only, with a random observed value of that
      column; a categorical column's NaN becomes a category of its own. Decoding puts NaN back
      wherever the block says "missing", so synthetic rows have holes where real ones tend to.
    * **Mode-specific normalisation** (``mode_specific=True``; CTGAN's idea). A z-score squeezes a
      column with several humps (a bimodal mass, a price with a cheap and a dear cluster) into one
      range, and a GAN's smooth generator then fills the valley between them. Instead, a
      Bayesian Gaussian mixture with up to ``max_modes`` modes is fitted to each numeric column;
      a value is encoded as a one-hot of its most probable mode *k* (a softmax block for the
      generator) plus its distance from that mode's mean in the mode's standard deviations,
      ``(x - mu_k) / sigma_k`` clipped to [-4, 4], and decoded with the mode of the largest
      output. (CTGAN divides by ``4 sigma_k``, which leaves the value a quarter of the spread of
      every other input of D; in sigmas it measured a little better here.) A column with one
      mode stays a single z-score. ``mode_specific=False`` encodes every numeric column as a
      plain z-score.
    * Categories (strings, ``bool``, ``category``) are one-hot blocks, decoded by the largest
      entry. Decoded numbers are clipped to the fitted column's range and rounded when the column
      held whole numbers only (an integer dtype, or floats such as an integer column with holes);
      every column gets back its name, position and dtype (a ``category`` keeps its categories).

    ``blocks`` lists the layout as ``(name, kind, width)``, kind ``"numeric"`` (a linear output)
    or ``"categorical"`` (a softmax): :func:`table_generator` builds a generator for it.
    Errors are one line: ``TypeError`` for a non-DataFrame or an unsupported column (dates,
    complex numbers, mixed Python objects), ``ValueError`` for an empty table, duplicate names,
    an all-missing or infinite column, or (in ``transform``) columns or categories ``fit`` never
    saw; ``NotFittedError`` (a ``ValueError``) before ``fit``.
    """

    def __init__(self, mode_specific=True, max_modes=5, seed=0):
        if not isinstance(mode_specific, bool):
            raise TypeError(f"mode_specific: expected True or False, got {mode_specific!r}")
        self.mode_specific = mode_specific
        self.max_modes = check_count(max_modes, "max_modes")
        self.seed = _check_seed(seed)

    def fit(self, df):
        """Learn each column's kind, scale, modes and categories from ``df``; return ``self``."""
        kinds = _check_frame(df, "table")
        self.columns_ = list(df.columns)
        self.encoders_ = [
            _NumericColumn(c, self.mode_specific, self.max_modes, self.seed + i)
            if kind == "numeric"
            else _CategoricalColumn(c)
            for i, (c, kind) in enumerate(kinds.items())
        ]
        for column in self.encoders_:
            column.fit(df[column.name])
        return self

    def _check_fitted(self, what="TabularEncoder"):
        if not hasattr(self, "encoders_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"{what}: call fit() first")

    @property
    def blocks(self):
        """The encoded layout, in order: ``(name, "numeric" or "categorical", width)``."""
        self._check_fitted()
        return [block for column in self.encoders_ for block in column.blocks()]

    @property
    def width(self):
        """Features per encoded row."""
        return sum(width for _, _, width in self.blocks)

    def transform(self, df):
        """Encode ``df`` (the fitted columns) as float32 of shape ``(rows, width)``."""
        self._check_fitted()
        kinds = _check_frame(df, "table")
        missing = [c for c in self.columns_ if c not in kinds]
        if missing:
            raise ValueError(f"table: columns {missing} were fitted but are not in the table")
        for column in self.encoders_:
            kind = "numeric" if isinstance(column, _NumericColumn) else "categorical"
            if kinds[column.name] != kind:
                raise ValueError(
                    f"table: column {column.name!r} was {kind} when fitted, now"
                    f" {kinds[column.name]} (dtype {df[column.name].dtype})"
                )
        parts = [column.encode(df[column.name]) for column in self.encoders_]
        return np.concatenate(parts, axis=1).astype(np.float32)

    def fit_transform(self, df):
        return self.fit(df).transform(df)

    def inverse_transform(self, encoded):
        """Decode rows of shape ``(rows, width)`` (e.g. a generator's) to a DataFrame with the
        fitted columns, order and dtypes. ``ValueError`` for another width or NaN/inf values."""
        self._check_fitted()
        encoded = np.asarray(encoded, dtype=np.float64)
        if encoded.ndim != 2 or encoded.shape[1] != self.width:
            raise ValueError(f"encoded: expected shape (rows, {self.width}), got {encoded.shape}")
        if not np.all(np.isfinite(encoded)):
            raise ValueError(
                "encoded: contains NaN or infinite values (did the generator diverge?)"
            )
        out, i = {}, 0
        for column in self.encoders_:
            width = sum(w for _, _, w in column.blocks())
            out[column.name] = column.decode(encoded[:, i : i + width])
            i += width
        return pd.DataFrame(out, columns=self.columns_)
