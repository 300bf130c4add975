"""The table of bad inputs tried: every place a user hands gankit data (a function's argument or
a command-line argument) answers with one clear TypeError/ValueError (or, on the command line, one
line and exit status 2) that names the argument, what was expected and what came in.

``BAD_INPUTS`` is also the source of the README's "Bad input" paragraph:
``python tools/bad_inputs_table.py`` regenerates it, and a test below fails when it is stale.
"""

import contextlib
import functools
import io
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gankit import (
    augment,
    conditional,
    data,
    evaluator,
    gans,
    metrics,
    models,
    plotting,
    tuning,
    wasserstein,
)

ROOT = Path(__file__).resolve().parent.parent
GOOD = np.zeros((4, 8, 8, 1), "float32")
FEATURES = np.random.default_rng(0).random((10, 4))
PENGUINS_LIKE = pd.DataFrame(
    {
        "species": ["a", "b", "a", "c"],
        "mass": [1.0, 2.0, np.nan, 4.0],
        "flag": [True, False, True, True],
    }
)


class BadInput(NamedTuple):
    where: str  # the function or command that got it
    tried: str  # the bad input, as a learner would describe it
    call: object  # a function that hands it over
    error: type  # the error it must raise
    message: str  # a pattern its one-line message must match


class CLIExit(Exception):
    """``python -m gankit ...`` stopped with exit status 2 and this one-line message."""


@functools.cache
def _files():
    """Files a learner might hand to the CLI by mistake (made once, in a temporary folder)."""
    folder = Path(_TMP.name)
    (folder / "notes.keras").write_text("not a model")
    (folder / "empty.keras").write_bytes(b"")
    (folder / "folder.keras").mkdir()
    return folder


_TMP = tempfile.TemporaryDirectory(prefix="gankit-bad-inputs-")


@functools.cache
def _generator_file(kind):
    """A small saved generator, ``"plain"`` (G(z)) or ``"conditional"`` (G([z, y]), 10 classes)."""
    from gankit import conditional

    path = _files() / f"{kind}_generator.keras"
    if kind == "plain":
        models.mlp_generator(4, (8, 8, 1), (8,)).save(path)
    else:
        conditional.conditional_generator(4, (8, 8, 1), 10, base_filters=4).save(path)
    return path


def _generator_beside(name, metrics_text):
    """The conditional generator (10 classes) copied into a folder of its own, with
    ``metrics_text`` as the metrics.json that ``sample`` reads the groups' shares from."""
    folder = _files() / name
    folder.mkdir(exist_ok=True)
    path = folder / "generator.keras"
    path.write_bytes(_generator_file("conditional").read_bytes())
    (folder / "metrics.json").write_text(metrics_text)
    return path


def cli(*argv):
    """Run ``python -m gankit *argv`` in-process; raise :class:`CLIExit` with its last stderr line
    when it exits with status 2 and no traceback, fail otherwise."""
    from gankit import cli as gankit_cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = gankit_cli.main([str(a) for a in argv])
        except SystemExit as exc:
            status = exc.code
    text = err.getvalue().strip()
    if status == 2 and text and "Traceback" not in text:
        raise CLIExit(text.splitlines()[-1])
    raise AssertionError(f"exit status {status}, stderr: {text[-500:]!r}")


def _fitted_encoder():
    return data.TableEncoder().fit(PENGUINS_LIKE)


def _d():
    return models.mlp_discriminator((2,))


def _g2():
    return models.mlp_generator(2, (2,), (8,), tanh=False)


def _adams():
    import keras

    return keras.optimizers.Adam(), keras.optimizers.Adam()


def _cgan_networks():
    return (
        conditional.conditional_generator(4, (8, 8, 1), 10, base_filters=8),
        conditional.projection_discriminator((8, 8, 1), 10, base_filters=8),
    )


def _cgan():
    gan = conditional.ConditionalGAN(*_cgan_networks(), 10)
    gan.compile(*_adams())
    return gan


B = BadInput
BAD_INPUTS = [
    # ----------------------------------------------------------------- images and labels
    B(
        "data.check_images",
        "3-D images",
        lambda: data.check_images(np.zeros((4, 8, 8))),
        ValueError,
        r"images: expected 4-D.*x\[\.\.\., None\]",
    ),
    B(
        "data.check_images",
        "channels first",
        lambda: data.check_images(np.zeros((4, 1, 8, 8))),
        ValueError,
        r"1 or 3 channels last.*moveaxis",
    ),
    B(
        "data.check_images",
        "2 channels",
        lambda: data.check_images(np.zeros((4, 8, 8, 2))),
        ValueError,
        r"1 or 3 channels",
    ),
    B(
        "data.check_images",
        "uint8 0-255 pixels",
        lambda: data.check_images(np.full((4, 8, 8, 1), 255, np.uint8)),
        ValueError,
        r"\[-1, 1\].*to_unit_range",
    ),
    B(
        "data.check_images",
        "values just outside [-1, 1]",
        lambda: data.check_images(GOOD + 1.2),
        ValueError,
        r"expected values in \[-1, 1\], got range",
    ),
    B(
        "data.check_images",
        "one NaN pixel",
        lambda: data.check_images(np.where(np.arange(256).reshape(4, 8, 8, 1) == 7, np.nan, 0.0)),
        ValueError,
        r"1 NaN or infinite",
    ),
    B(
        "data.check_images",
        "inf pixel",
        lambda: data.check_images(np.full((1, 8, 8, 1), np.inf)),
        ValueError,
        r"NaN or infinite",
    ),
    B(
        "data.check_images",
        "empty array",
        lambda: data.check_images(np.zeros((0, 8, 8, 1))),
        ValueError,
        r"empty array",
    ),
    B(
        "data.check_images",
        "images of 0x0 pixels",
        lambda: data.check_images(np.zeros((2, 0, 0, 1))),
        ValueError,
        r"images: got an empty array of shape \(2, 0, 0, 1\)",
    ),
    B(
        "data.check_images",
        "strings",
        lambda: data.check_images(np.full((1, 2, 2, 1), "x")),
        TypeError,
        r"numeric array, got dtype",
    ),
    B(
        "data.check_images",
        "complex numbers",
        lambda: data.check_images(np.zeros((1, 2, 2, 1), complex)),
        TypeError,
        r"images: expected a numeric array, got dtype complex128",
    ),
    B(
        "data.check_images",
        "ragged list of images",
        lambda: data.check_images([np.zeros((2, 2, 1)), np.zeros((3, 3, 1))]),
        ValueError,
        r"images: expected an array of equal-shaped rows",
    ),
    B(
        "data.check_labels",
        "labels out of range",
        lambda: data.check_labels([0, 10], 2, num_classes=10),
        ValueError,
        r"labels in \[0, 10\), got range \[0, 10\]",
    ),
    B(
        "data.check_labels",
        "negative labels",
        lambda: data.check_labels([-1, 3], 2, num_classes=10),
        ValueError,
        r"got range \[-1, 3\]",
    ),
    B(
        "data.check_labels",
        "fractional labels",
        lambda: data.check_labels([0.5, 1.0], 2),
        ValueError,
        r"integer class labels",
    ),
    B(
        "data.check_labels",
        "2-D labels",
        lambda: data.check_labels(np.zeros((2, 1)), 2),
        ValueError,
        r"1-D array",
    ),
    B(
        "data.to_unit_range",
        "pixels above max",
        lambda: data.to_unit_range(np.array([0, 300])),
        ValueError,
        r"\[0, 255.0\], got \[0, 300\]",
    ),
    B(
        "data.to_unit_range",
        "max_value 0",
        lambda: data.to_unit_range(np.zeros(3), max_value=0),
        ValueError,
        r"max_value: expected a finite positive number, got 0",
    ),
    B(
        "data.to_unit_range",
        "strings",
        lambda: data.to_unit_range(["a"]),
        TypeError,
        r"pixels: expected a numeric array",
    ),
    B(
        "data.to_pixel_range",
        "NaN pixel",
        lambda: data.to_pixel_range(np.full((1, 2, 2, 1), np.nan)),
        ValueError,
        r"images: contains NaN",
    ),
    # ----------------------------------------------------------------- loaders
    B(
        "data.load_images",
        "unknown dataset",
        lambda: data.load_images("cifar"),
        ValueError,
        r"unknown name 'cifar'",
    ),
    B(
        "data.load_images",
        "a list of names",
        lambda: data.load_images(["mnist"]),
        ValueError,
        r"dataset: unknown name \['mnist'\]",
    ),
    B(
        "data.load_digits",
        "unknown split",
        lambda: data.load_digits("valid"),
        ValueError,
        r"'train', 'test' or 'all'",
    ),
    B(
        "data.load_digits",
        "test_fraction 0",
        lambda: data.load_digits("test", test_fraction=0),
        ValueError,
        r"test_fraction: expected a number in \(0, 1\), got 0",
    ),
    B(
        "data.load_digits",
        "test_fraction 1.5",
        lambda: data.load_digits(test_fraction=1.5),
        ValueError,
        r"test_fraction: expected a number in \(0, 1\)",
    ),
    B(
        "data.load_digits",
        "negative seed",
        lambda: data.load_digits(seed=-1),
        ValueError,
        r"seed: expected an integer >= 0, got -1",
    ),
    B(
        "data.load_digits",
        "seed as text",
        lambda: data.load_digits(seed="a"),
        ValueError,
        r"seed: expected an integer >= 0, got 'a'",
    ),
    # ----------------------------------------------------------------- 2-D mixtures
    B(
        "data.make_mixture",
        "zero points",
        lambda: data.make_mixture("ring", n=0),
        ValueError,
        r"positive number of points",
    ),
    B(
        "data.make_mixture",
        "2.5 points",
        lambda: data.make_mixture("ring", n=2.5),
        ValueError,
        r"n: expected a positive number of points \(an integer\), got 2.5",
    ),
    B(
        "data.make_mixture",
        "negative std",
        lambda: data.make_mixture("ring", n=10, std=-1),
        ValueError,
        r"std: expected a finite number >= 0, got -1",
    ),
    B(
        "data.make_mixture",
        "NaN std",
        lambda: data.make_mixture("grid", n=10, std=np.nan),
        ValueError,
        r"std: expected a finite number >= 0, got nan",
    ),
    B(
        "data.make_mixture",
        "negative noise for moons",
        lambda: data.make_mixture("moons", n=10, std=-1),
        ValueError,
        r"std: expected a finite number >= 0",
    ),
    B(
        "data.make_mixture",
        "unknown kind",
        lambda: data.make_mixture("square"),
        ValueError,
        r"kind: expected 'ring', 'grid' or 'moons', got 'square'",
    ),
    B(
        "data.mixture_density",
        "1-D points",
        lambda: data.mixture_density(np.zeros(2)),
        ValueError,
        r"points: expected points of shape \(n, d\)",
    ),
    B(
        "data.mixture_density",
        "3-D points",
        lambda: data.mixture_density(np.zeros((4, 3))),
        ValueError,
        r"points: expected 2-D points of shape \(n, 2\), got \(4, 3\)",
    ),
    B(
        "data.mixture_density",
        "std 0",
        lambda: data.mixture_density(np.zeros((4, 2)), std=0),
        ValueError,
        r"std: expected a finite positive number, got 0",
    ),
    # ----------------------------------------------------------------- pipelines
    B(
        "data.make_dataset",
        "image/label count mismatch",
        lambda: data.make_dataset(GOOD, y=[0, 1, 2], batch_size=2),
        ValueError,
        r"y: got 3 labels for 4 images",
    ),
    B(
        "data.make_dataset",
        "batch larger than data",
        lambda: data.make_dataset(GOOD, batch_size=8),
        ValueError,
        r"batch_size: 8 is larger than the 4",
    ),
    B(
        "data.make_dataset",
        "zero batch size",
        lambda: data.make_dataset(GOOD, batch_size=0),
        ValueError,
        r"positive integer",
    ),
    B(
        "data.make_dataset",
        "batch_size=True",
        lambda: data.make_dataset(GOOD, batch_size=True),
        ValueError,
        r"batch_size: expected a positive integer, got True",
    ),
    B(
        "data.make_dataset",
        "negative start epoch",
        lambda: data.make_dataset(GOOD, batch_size=2, start_epoch=-1),
        ValueError,
        r"start_epoch",
    ),
    B(
        "data.make_dataset",
        "seed as text",
        lambda: data.make_dataset(GOOD, batch_size=2, seed="a"),
        TypeError,
        r"seed: expected an integer \(or None\), got 'a'",
    ),
    B(
        "data.make_dataset",
        "1-D points",
        lambda: data.make_dataset(np.zeros(5), batch_size=1),
        ValueError,
        r"points of shape \(n, d\)",
    ),
    B(
        "data.make_dataset",
        "NaN point",
        lambda: data.make_dataset(np.array([[0.0, np.nan]]), batch_size=1),
        ValueError,
        r"NaN",
    ),
    B(
        "data.balanced_dataset",
        "steps_per_epoch 0",
        lambda: data.balanced_dataset(GOOD, [0, 1, 0, 1], batch_size=2, steps_per_epoch=0),
        ValueError,
        r"steps_per_epoch: expected an integer >= 1, got 0",
    ),
    B(
        "data.balanced_dataset",
        "steps_per_epoch 1.5",
        lambda: data.balanced_dataset(GOOD, [0, 1, 0, 1], batch_size=2, steps_per_epoch=1.5),
        ValueError,
        r"steps_per_epoch: expected an integer >= 1, got 1.5",
    ),
    # ----------------------------------------------------------------- tables
    B(
        "data.TableEncoder",
        "a list, not a table",
        lambda: data.TableEncoder().fit([[1, 2]]),
        TypeError,
        r"expected a pandas DataFrame, got list",
    ),
    B(
        "data.TableEncoder",
        "empty table",
        lambda: data.TableEncoder().fit(pd.DataFrame({"a": []})),
        ValueError,
        r"expected rows and columns",
    ),
    B(
        "data.TableEncoder",
        "all-NaN column",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(empty=np.nan)),
        ValueError,
        r"column 'empty' has no values \(all 4 missing\)",
    ),
    B(
        "data.TableEncoder",
        "date column",
        lambda: data.TableEncoder().fit(
            PENGUINS_LIKE.assign(day=pd.date_range("2024-01-01", periods=4))
        ),
        TypeError,
        r"column 'day' has unsupported type datetime64",
    ),
    B(
        "data.TableEncoder",
        "mixed objects",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(mixed=["a", 1, None, 2.0])),
        TypeError,
        r"column 'mixed' mixes value types",
    ),
    B(
        "data.TableEncoder",
        "constant column",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(k=3.0)),
        ValueError,
        r"column 'k' is constant",
    ),
    B(
        "data.TableEncoder",
        "infinite value",
        lambda: data.TableEncoder().fit(PENGUINS_LIKE.assign(mass=[1.0, np.inf, 2.0, 3.0])),
        ValueError,
        r"column 'mass' contains infinite values",
    ),
    B(
        "data.TableEncoder",
        "duplicate column names",
        lambda: data.TableEncoder().fit(pd.DataFrame([[1.0, 2.0], [3.0, 5.0]], columns=["a", "a"])),
        ValueError,
        r"table: duplicate column names \['a'\]",
    ),
    B(
        "data.TableEncoder",
        "unknown column",
        lambda: data.TableEncoder(columns=["mass", "wing"]).fit(PENGUINS_LIKE),
        ValueError,
        r"\['wing'\] not in the table",
    ),
    B(
        "data.TableEncoder",
        "columns='mass' (a string)",
        lambda: data.TableEncoder(columns="mass").fit(PENGUINS_LIKE),
        TypeError,
        r"columns: expected a list of column names, got the string 'mass'",
    ),
    B(
        "data.TableEncoder",
        "bad missing policy",
        lambda: data.TableEncoder(missing="zero"),
        ValueError,
        r"'drop' or 'impute'",
    ),
    B(
        "data.TableEncoder",
        "transform without a fitted column",
        lambda: _fitted_encoder().transform(PENGUINS_LIKE.drop(columns="flag")),
        ValueError,
        r"columns \['flag'\] were fitted but are not in the table",
    ),
    B(
        "data.TableEncoder",
        "transform with an unseen category",
        lambda: _fitted_encoder().transform(PENGUINS_LIKE.assign(species=["a", "b", "c", "z"])),
        ValueError,
        r"column 'species' has categories \['z'\] that fit\(\) never saw",
    ),
    B(
        "data.TableEncoder",
        "transform with text in a numeric column",
        lambda: _fitted_encoder().transform(PENGUINS_LIKE.assign(mass=["1", "2", "3", "4"])),
        ValueError,
        r"column 'mass' was numeric when fitted, now categorical",
    ),
    B(
        "data.TableEncoder",
        "decode wrong width",
        lambda: _fitted_encoder().inverse_transform(np.zeros((2, 3))),
        ValueError,
        r"expected shape \(rows, 6\)",
    ),
    B(
        "data.TableEncoder",
        "decode NaN rows",
        lambda: _fitted_encoder().inverse_transform(np.full((2, 6), np.nan)),
        ValueError,
        r"encoded: contains NaN or infinite values",
    ),
    B(
        "data.TableEncoder",
        "decode before fit",
        lambda: data.TableEncoder().inverse_transform(np.zeros((1, 1))),
        ValueError,
        r"TableEncoder: call fit\(\) first",
    ),
    # ----------------------------------------------------------------- metrics
    B(
        "metrics.fid",
        "mismatched feature widths",
        lambda: metrics.fid(np.random.rand(5, 3), np.random.rand(5, 4)),
        ValueError,
        r"fid: feature sizes differ: 3 vs 4",
    ),
    B(
        "metrics.fid",
        "strings",
        lambda: metrics.fid([["a"]], FEATURES),
        TypeError,
        r"features_a: expected a numeric 2-D array",
    ),
    B(
        "metrics.frechet_distance",
        "NaN mean",
        lambda: metrics.frechet_distance([np.nan, 0.0], np.eye(2), [0.0, 0.0], np.eye(2)),
        ValueError,
        r"mu1: contains NaN",
    ),
    B(
        "metrics.frechet_distance",
        "non-symmetric covariance",
        lambda: metrics.frechet_distance([0.0, 0], [[1.0, 5.0], [0.0, 1.0]], [0.0, 0], np.eye(2)),
        ValueError,
        r"sigma1: expected a symmetric covariance matrix",
    ),
    B(
        "metrics.class_histogram",
        "fewer classes than columns",
        lambda: metrics.class_histogram(np.full((4, 3), 1 / 3), 2),
        ValueError,
        r"num_classes: expected an integer >= 3, got 2",
    ),
    B(
        "metrics.confident_share",
        "threshold as text",
        lambda: metrics.confident_share(FEATURES, "0.5"),
        TypeError,
        r"threshold: expected a probability in \(0, 1\), got '0.5'",
    ),
    B(
        "metrics.energy_distance",
        "mismatched point sizes",
        lambda: metrics.energy_distance(FEATURES, FEATURES[:, :3]),
        ValueError,
        r"energy_distance: point sizes differ: 4 vs 3",
    ),
    B(
        "metrics.energy_distance",
        "max_points 0",
        lambda: metrics.energy_distance(FEATURES, FEATURES, max_points=0),
        ValueError,
        r"max_points: expected an integer >= 1, got 0",
    ),
    B(
        "metrics.mode_coverage",
        "negative std",
        lambda: metrics.mode_coverage(FEATURES, FEATURES, -0.1),
        ValueError,
        r"std: expected a finite positive number, got -0.1",
    ),
    B(
        "metrics.mode_coverage",
        "mismatched point sizes",
        lambda: metrics.mode_coverage(FEATURES, FEATURES[:, :3], 0.1),
        ValueError,
        r"mode_coverage: point sizes differ: 4 vs 3",
    ),
    B(
        "metrics.kid",
        "subset_size 1",
        lambda: metrics.kid(FEATURES, FEATURES, subset_size=1),
        ValueError,
        r"subset_size: expected an integer >= 2, got 1",
    ),
    B(
        "metrics.kid",
        "0.5 subsets",
        lambda: metrics.kid(FEATURES, FEATURES, subsets=0.5),
        ValueError,
        r"subsets: expected an integer >= 1, got 0.5",
    ),
    B(
        "metrics.precision_recall",
        "k=1.5",
        lambda: metrics.precision_recall(FEATURES, FEATURES, k=1.5),
        ValueError,
        r"k: expected an integer >= 1, got 1.5",
    ),
    B(
        "metrics.precision_recall",
        "max_points below k",
        lambda: metrics.precision_recall(FEATURES, FEATURES, max_points=2),
        ValueError,
        r"k: expected 1 <= k < number of points used \(2\), got 3",
    ),
    B(
        "metrics.real_vs_real",
        "n=2.5",
        lambda: metrics.real_vs_real(metrics.fid, FEATURES, 2.5),
        ValueError,
        r"n: expected an integer >= 1, got 2.5",
    ),
    B(
        "metrics.real_vs_real",
        "metric name instead of function",
        lambda: metrics.real_vs_real("fid", FEATURES, 2),
        TypeError,
        r"metric: expected a function metric\(a, b\), got 'fid'",
    ),
    B(
        "metrics.nearest_neighbours",
        "no samples",
        lambda: metrics.nearest_neighbours(np.zeros((0, 4)), FEATURES),
        ValueError,
        r"samples: need at least 1 samples, got 0",
    ),
    B(
        "metrics.nearest_neighbours",
        "None",
        lambda: metrics.nearest_neighbours(None, FEATURES),
        ValueError,
        r"samples: expected rows \(images or feature vectors\), got shape \(\)",
    ),
    # ----------------------------------------------------------------- pictures
    B(
        "plotting.grid_array",
        "3-D images",
        lambda: plotting.grid_array(np.zeros((4, 8, 8))),
        ValueError,
        r"images: expected 4-D images",
    ),
    B(
        "plotting.grid_array",
        "no images",
        lambda: plotting.grid_array(np.zeros((0, 8, 8, 1))),
        ValueError,
        r"images: got an empty array",
    ),
    B(
        "plotting.grid_array",
        "0-255 pixels (a white grid before)",
        lambda: plotting.grid_array(np.full((4, 8, 8, 1), 255.0)),
        ValueError,
        r"images: expected values in \[-1, 1\].*to_unit_range",
    ),
    B(
        "plotting.grid_array",
        "ncols=-1",
        lambda: plotting.grid_array(GOOD, ncols=-1),
        ValueError,
        r"ncols: expected an integer >= 1, got -1",
    ),
    B(
        "plotting.grid_array",
        "pad=-1",
        lambda: plotting.grid_array(GOOD, pad=-1),
        ValueError,
        r"pad: expected an integer >= 0, got -1",
    ),
    # ----------------------------------------------------------------- networks and model files
    B(
        "models.mlp_generator",
        "latent_dim 0",
        lambda: models.mlp_generator(0, (2,)),
        ValueError,
        r"latent_dim: expected an integer >= 1, got 0",
    ),
    B(
        "models.mlp_generator",
        "latent_dim '8'",
        lambda: models.mlp_generator("8", (2,)),
        ValueError,
        r"latent_dim: expected an integer >= 1, got '8'",
    ),
    B(
        "models.mlp_generator",
        "output_shape 2 (not a tuple)",
        lambda: models.mlp_generator(4, 2),
        TypeError,
        r"output_shape: expected a tuple \(features,\) or",
    ),
    B(
        "models.mlp_generator",
        "a zero-width hidden layer",
        lambda: models.mlp_generator(4, (2,), hidden=(0,)),
        ValueError,
        r"hidden width: expected an integer >= 1, got 0",
    ),
    B(
        "models.mlp_discriminator",
        "dropout 1.5",
        lambda: models.mlp_discriminator((2,), dropout=1.5),
        ValueError,
        r"dropout: expected a rate in \[0, 1\), got 1.5",
    ),
    B(
        "models.dcgan_generator",
        "base_filters 0",
        lambda: models.dcgan_generator(8, (28, 28, 1), base_filters=0),
        ValueError,
        r"base_filters: expected an integer >= 1, got 0",
    ),
    B(
        "models.dcgan_discriminator",
        "a 1-D shape",
        lambda: models.dcgan_discriminator((2,)),
        ValueError,
        r"image_shape: expected \(height, width, channels\)",
    ),
    B(
        "models.table_generator",
        "blocks of pairs",
        lambda: models.table_generator(4, [("a", "numeric")]),
        ValueError,
        r"blocks: expected \(column, 'numeric'/'categorical', width\)",
    ),
    B(
        "models.predict_in_batches",
        "rows of the wrong width",
        lambda: models.predict_in_batches(_d(), np.zeros((3, 5))),
        ValueError,
        r"x: discriminator expects rows of shape \(2,\), got \(5,\)",
    ),
    B(
        "models.predict_in_batches",
        "batch_size 0",
        lambda: models.predict_in_batches(_d(), np.zeros((3, 2)), 0),
        ValueError,
        r"batch_size: expected an integer >= 1, got 0",
    ),
    B(
        "models.latent_dim",
        "a discriminator as the generator",
        lambda: models.latent_dim(models.dcgan_discriminator((8, 8, 1), base_filters=4)),
        ValueError,
        r"generator: expected a model that takes latent vectors",
    ),
    B(
        "models.load",
        "None as the path",
        lambda: models.load(None),
        TypeError,
        r"model: expected a path to a .keras file, got None",
    ),
    B(
        "models.load",
        "a folder",
        lambda: models.load(_files() / "folder.keras"),
        ValueError,
        r"folder.keras is a folder; expected a .keras file",
    ),
    B(
        "models.load",
        "a text file named .keras",
        lambda: models.load(_files() / "notes.keras"),
        ValueError,
        r"notes.keras is not a Keras model file \(a .keras file is a zip archive",
    ),
    B(
        "models.load",
        "an empty .keras file",
        lambda: models.load(_files() / "empty.keras"),
        ValueError,
        r"empty.keras is not a Keras model file.*this one is empty",
    ),
    B(
        "evaluator.Evaluator",
        "a model without a features layer",
        lambda: evaluator.Evaluator(_d()),
        ValueError,
        r"model: expected a layer named 'features'",
    ),
    B(
        "evaluator.Evaluator",
        "None as the model",
        lambda: evaluator.Evaluator(None),
        TypeError,
        r"model: expected a keras.Model, got NoneType",
    ),
    # ----------------------------------------------------------------- hyperparameter search
    B(
        "tuning.sample",
        "a range up to inf",
        lambda: tuning.sample({"lr": (1, np.inf)}, 2),
        ValueError,
        r"space\['lr'\]: expected a list, \(low, high\)",
    ),
    B(
        "tuning.sample",
        "a range of strings",
        lambda: tuning.sample({"lr": ("a", "b")}, 2),
        ValueError,
        r"space\['lr'\]: expected a list",
    ),
    B(
        "tuning.run_trials",
        "a space instead of trials",
        lambda: tuning.run_trials(lambda p, b: {"fid": 1.0}, {"lr": [1e-3]}, verbose=False),
        TypeError,
        r"trials: expected a list of parameter dicts .*got dict",
    ),
    B(
        "tuning.run_trials",
        "no trials",
        lambda: tuning.run_trials(lambda p, b: {"fid": 1.0}, [], verbose=False),
        ValueError,
        r"trials: expected at least one trial",
    ),
    B(
        "tuning.run_trials",
        "an objective returning a float",
        lambda: tuning.run_trials(lambda p, b: 3.0, [{"a": 1}], verbose=False),
        TypeError,
        r"objective: expected it to return a dict of metrics",
    ),
    B(
        "tuning.best",
        "a table without a status column",
        lambda: tuning.best(pd.DataFrame({"fid": [1.0]})),
        TypeError,
        r"results: expected the DataFrame of run_trials",
    ),
    B(
        "tuning.plot_trials",
        "an unknown parameter",
        lambda: tuning.plot_trials(pd.DataFrame({"fid": [1.0], "status": ["ok"]}), "lr"),
        ValueError,
        r"x: 'lr' is not a column",
    ),
    # ----------------------------------------------------------------- command line
    # (train's --out lies under a file: were a bad argument let through, the run would stop at
    # once with "cannot write" instead of training)
    B(
        "python -m gankit sample",
        "--out samples.txt (KeyError 'TXT' before)",
        lambda: cli("sample", "G.keras", "-n", "4", "--out", _files() / "samples.txt"),
        CLIExit,
        r"argument --out: expected a file name ending in .png, got '.*samples.txt'",
    ),
    B(
        "python -m gankit sample",
        "--seed -1",
        lambda: cli("sample", "G.keras", "--seed", "-1", "--out", _files() / "g.png"),
        CLIExit,
        r"argument --seed: expected an integer seed in 0..4294967295, got '-1'",
    ),
    B(
        "python -m gankit sample",
        "-n 100000000",
        lambda: cli("sample", "G.keras", "-n", "100000000", "--out", _files() / "g.png"),
        CLIExit,
        r"argument -n: expected an integer from 1 to 10,000",
    ),
    B(
        "python -m gankit sample",
        "a text file named .keras",
        lambda: cli("sample", _files() / "notes.keras", "--out", _files() / "g.png"),
        CLIExit,
        r"generator: .*notes.keras is not a Keras model file",
    ),
    B(
        "python -m gankit sample",
        "a folder as the generator",
        lambda: cli("sample", _files() / "folder.keras", "--out", _files() / "g.png"),
        CLIExit,
        r"generator: .*folder.keras is a folder",
    ),
    B(
        "python -m gankit sample",
        "--label on a generator of noise alone",
        lambda: cli(
            "sample", _generator_file("plain"), "--label", "3", "--out", _files() / "g.png"
        ),
        CLIExit,
        r"--label: .*plain_generator.keras is not a conditional generator",
    ),
    B(
        "python -m gankit sample",
        "--label 10 for a generator of digits 0..9",
        lambda: cli(
            "sample", _generator_file("conditional"), "--label", "10", "--out", _files() / "g.png"
        ),
        CLIExit,
        r"--label: .*conditional_generator.keras draws classes 0\.\.9, got 10",
    ),
    B(
        "python -m gankit sample",
        "another run's metrics.json beside the generator (3 groups' shares for 10 classes)",
        lambda: cli(
            "sample",
            _generator_beside("other_run", '{"shares": [0.5, 0.3, 0.2]}'),
            "--out",
            _files() / "g.png",
        ),
        CLIExit,
        r"metrics.json: 3 group shares, but .*generator.keras draws 10 groups: is it this run's",
    ),
    B(
        "python -m gankit sample",
        "a metrics.json beside the generator cut short by a full disk",
        lambda: cli(
            "sample",
            _generator_beside("cut_short", '{"model": "self_cond'),
            "--out",
            _files() / "g.png",
        ),
        CLIExit,
        r"metrics.json: cannot read it \(.*\); move it away to sample the classes in turn",
    ),
    B(
        "python -m gankit sample",
        "a group share of 0 in metrics.json",
        lambda: cli(
            "sample",
            _generator_beside("zero_share", '{"shares": [0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]}'),
            "--out",
            _files() / "g.png",
        ),
        CLIExit,
        r"metrics.json: shares: every cluster needs a share > 0",
    ),
    B(
        "python -m gankit train",
        "--seed 4294967296",
        lambda: cli(
            "train", "mlp", "--seed", "4294967296", "--out", _files() / "notes.keras" / "run"
        ),
        CLIExit,
        r"argument --seed: expected an integer seed in 0..4294967295",
    ),
    B(
        "python -m gankit train",
        "--minutes inf (ran for ever)",
        lambda: cli("train", "mlp", "--minutes", "inf", "--out", _files() / "notes.keras" / "run"),
        CLIExit,
        r"argument --minutes: expected a positive number, got inf \(it must be finite\)",
    ),
    B(
        "python -m gankit train",
        "--devices 0",
        lambda: cli("train", "mlp", "--devices", "0", "--out", _files() / "run"),
        CLIExit,
        r"argument --devices: expected an integer from 1 to 64, got '0'",
    ),
    B(
        "python -m gankit train",
        "--fid-samples 1 (failed after training)",
        lambda: cli(
            "train", "mlp", "--fid-samples", "1", "--out", _files() / "notes.keras" / "run"
        ),
        CLIExit,
        r"argument --fid-samples: expected an integer from 2 to 100,000, got '1'",
    ),
    B(
        "python -m gankit train",
        "--keep worst",
        lambda: cli("train", "mlp", "--keep", "worst", "--out", _files() / "run"),
        CLIExit,
        r"argument --keep: invalid choice: 'worst'",
    ),
    B(
        "python -m gankit train",
        "--precision float16 (not a mixed policy)",
        lambda: cli("train", "mlp", "--precision", "float16", "--out", _files() / "run"),
        CLIExit,
        r"argument --precision: invalid choice: 'float16'",
    ),
    B(
        "python -m gankit bench",
        "--minutes 0",
        lambda: cli("bench", "--minutes", "0", "--out", _files() / "bench"),
        CLIExit,
        r"argument --minutes: expected a positive number, got 0",
    ),
    B(
        "python -m gankit bench",
        "--minutes inf",
        lambda: cli("bench", "--minutes", "inf", "--out", _files() / "bench"),
        CLIExit,
        r"argument --minutes: expected a positive number, got inf \(it must be finite\)",
    ),
    # ----------------------------------------------------------------- Part 3: stability
    B(
        "gans.GAN",
        "a negative R1 weight",
        lambda: gans.GAN(_g2(), _d(), r1_gamma=-1.0),
        ValueError,
        r"r1_gamma: expected a number in \[0\.0, inf\), got -1\.0",
    ),
    B(
        "gans.GAN",
        "label smoothing of 0.6 (labels real samples 0.4)",
        lambda: gans.GAN(_g2(), _d(), label_smoothing=0.6),
        ValueError,
        r"label_smoothing: expected a number in \[0\.0, 0\.5\)",
    ),
    B(
        "gans.GAN",
        "NaN instance noise",
        lambda: gans.GAN(_g2(), _d(), instance_noise=float("nan")),
        ValueError,
        r"instance_noise: expected a number",
    ),
    B(
        "gans.GAN",
        "annealing over 0 steps",
        lambda: gans.GAN(_g2(), _d(), instance_noise=0.1, noise_steps=0),
        ValueError,
        r"noise_steps: expected a number of D updates >= 1, got 0",
    ),
    B(
        "gans.GAN",
        "an unknown augmentation",
        lambda: gans.GAN(_g2(), _d(), augment="zoom"),
        ValueError,
        r"augment: expected a comma-separated subset of translation, cutout, color",
    ),
    B(
        "gans.GAN",
        "packs of 0 samples",
        lambda: gans.GAN(_g2(), _d(), pack=0),
        ValueError,
        r"pack: expected a whole number of samples per pack >= 1, got 0",
    ),
    B(
        "gans.GAN.compile",
        "label smoothing with the least-squares loss",
        lambda: gans.GAN(_g2(), _d(), label_smoothing=0.1).compile(*_adams(), loss="least_squares"),
        ValueError,
        r"label_smoothing: works with the cross-entropy losses",
    ),
    B(
        "wasserstein.WGANGP",
        "0 critic steps",
        lambda: wasserstein.WGANGP(_g2(), _d(), n_critic=0),
        ValueError,
        r"n_critic: expected a whole number >= 1, got 0",
    ),
    B(
        "wasserstein.WGANGP",
        "a zero penalty weight",
        lambda: wasserstein.WGANGP(_g2(), _d(), gp_weight=0),
        ValueError,
        r"gp_weight: expected a number > 0",
    ),
    B(
        "wasserstein.WGAN",
        "R1 on a Wasserstein critic",
        lambda: wasserstein.WGAN(_g2(), _d(), r1_gamma=1.0),
        ValueError,
        r"r1_gamma: not used by a Wasserstein critic",
    ),
    B(
        "conditional.ConditionalGAN.fit",
        "images without labels",
        lambda: _cgan().fit(data.make_dataset(np.zeros((8, 8, 8, 1), "float32"), batch_size=4)),
        ValueError,
        r"ConditionalGAN: expected batches of \(images, labels\)",
    ),
    B(
        "conditional.ConditionalGAN.generate",
        "a class the GAN does not know",
        lambda: _cgan().generate(2, labels=[3, 10]),
        ValueError,
        r"labels: expected classes 0\.\.9, got 3\.\.10",
    ),
    B(
        "conditional.ConditionalGAN",
        "packing (PacGAN) labelled samples",
        lambda: conditional.ConditionalGAN(*_cgan_networks(), 10, pack=2),
        ValueError,
        r"pack: PacGAN's packs mix labels",
    ),
    B(
        "wasserstein.WGANGP.compile",
        "the hinge loss",
        lambda: wasserstein.WGANGP(_g2(), _d()).compile(*_adams(), loss="hinge"),
        ValueError,
        r"loss: a Wasserstein GAN trains with loss='wasserstein', got 'hinge'",
    ),
    B(
        "augment.diff_augment",
        "2-D points",
        lambda: augment.diff_augment(np.zeros((4, 2), "float32")),
        ValueError,
        r"augment: expected a batch of images \(n, h, w, c\)",
    ),
    B(
        "data.stability_mixture",
        "an unknown name",
        lambda: data.stability_mixture("ring"),
        ValueError,
        r"name: expected one of \['grid25', 'ring8'\], got 'ring'",
    ),
    B(
        "metrics.mixture_modes",
        "3-D samples for 2-D centres",
        lambda: metrics.mixture_modes(np.zeros((5, 3)), np.zeros((8, 2)), 0.01),
        ValueError,
        r"point sizes differ: 3 vs 2",
    ),
    B(
        "metrics.mixture_modes",
        "a zero sigma",
        lambda: metrics.mixture_modes(np.zeros((5, 2)), np.zeros((8, 2)), 0.0),
        ValueError,
        r"sigma: expected a finite positive number, got 0\.0",
    ),
]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[f"{b.where}: {b.tried}" for b in BAD_INPUTS])
def test_bad_input_gets_a_clear_error(bad):
    with pytest.raises(bad.error, match=bad.message) as caught:
        bad.call()
    message = str(caught.value)
    assert "\n" not in message.strip(), f"a one-line error, got {message!r}"
    if bad.error is not CLIExit:  # the CLI's line comes from argparse or gankit.cli via cli()
        where = Path(caught.traceback[-1].path)
        assert where.is_relative_to(ROOT / "gankit"), f"raised by gankit, not deep in {where}"


def test_the_table_names_each_bad_input_once():
    keys = [(b.where, b.tried) for b in BAD_INPUTS]
    assert len(keys) == len(set(keys))


def test_readme_bad_input_paragraph_is_generated_from_this_table():
    from project_tools import load_tool

    tool = load_tool("bad_inputs_table")
    readme = (ROOT / "README.md").read_text()
    assert tool.update(readme, BAD_INPUTS) == readme, (
        "README.md's bad-input paragraph is stale: run python tools/bad_inputs_table.py"
    )
    assert f"{len(BAD_INPUTS)} bad inputs" in readme


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
