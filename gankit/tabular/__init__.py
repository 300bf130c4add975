"""Synthetic tables: a GAN for any pandas DataFrame, a baseline, and the scores that compare them.

Notebook 07 trains a GAN on the penguins after :class:`gankit.tables.TableEncoder` drops the rows
with holes and turns numbers into z-scores. This module is that idea grown up for any table of
numeric and categorical columns, with the two additions CTGAN (Xu et al. 2019, "Modeling Tabular
Data using Conditional GAN") showed matter most:

* :class:`TabularEncoder` keeps missing values as something the GAN learns (a present/missing
  block per numeric column with holes, a category of its own per categorical one) and encodes a
  numeric column *mode by mode* (a one-hot of the Gaussian mode a value belongs to, plus the value's
  position within that mode), so that a column with two humps is not one blurred z-score.
* :class:`TableGAN` wires the encoder to the kit's own trainer (:class:`gankit.gans.GAN`, PacGAN
  packing and an EMA of G on) and networks (:func:`table_generator`, a softmax per block, and
  :func:`gankit.models.mlp_discriminator`): ``TableGAN().fit(df).sample(500)``.
* :func:`independent_columns` is the baseline every synthesiser must beat: each column resampled
  on its own, so every column looks right and every link between columns is gone.
* :func:`evaluate` scores synthetic rows against real ones: column shapes, pair trends, how well a
  classifier tells them apart, and (optionally) train-on-synthetic, test-on-real.

What is hand-written, because it teaches: the mode-specific encoding and decoding (the mixture
itself is scikit-learn's ``BayesianGaussianMixture``) and the missing-value blocks. The statistics
of :func:`evaluate` are scipy's and scikit-learn's; only their bookkeeping is written here.

The package holds one concept per module: :mod:`gankit.tabular.encoding` (input checks and the
encoder), :mod:`gankit.tabular.model` (the GAN and the baseline) and
:mod:`gankit.tabular.evaluation` (the scores). Every public name is importable from here.
"""

from gankit.tabular.encoding import TabularEncoder
from gankit.tabular.evaluation import (
    column_shapes,
    detection_auc,
    evaluate,
    pair_trends,
    utility,
)
from gankit.tabular.model import (
    CHUNK_STEPS,
    TABLE_GAN_DEFAULTS,
    BlockSoftmax,
    TableGAN,
    independent_columns,
    table_generator,
)

__all__ = [
    "CHUNK_STEPS",
    "TABLE_GAN_DEFAULTS",
    "BlockSoftmax",
    "TableGAN",
    "TabularEncoder",
    "column_shapes",
    "detection_auc",
    "evaluate",
    "independent_columns",
    "pair_trends",
    "table_generator",
    "utility",
]
