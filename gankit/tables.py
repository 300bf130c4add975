"""Tables for a GAN: the penguins table and :class:`TableEncoder`, which turns a pandas DataFrame
into a float32 matrix and generated rows back (Part 2, notebook 07). Moved out of
:mod:`gankit.data`, which still re-exports both names.
"""

from __future__ import annotations

import numpy as np

from gankit.validation import _numeric_array


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
