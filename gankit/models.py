"""Network builders: MLP and DCGAN generators and discriminators as functional Keras models.

Generators map a latent vector (batch, latent_dim) to samples: images in [-1, 1] (tanh), NHWC,
or unbounded points for 2-D data. Discriminators map samples to one logit each (no sigmoid):
the losses in :mod:`gankit.losses` work on logits.
"""

from __future__ import annotations

import math
import os
import re
import weakref
import zipfile
from pathlib import Path

import keras
import numpy as np
from keras import layers

from gankit import runtime
from gankit.data import check_count
from gankit.layers import MinibatchStdDev

# The dtype of every network's last layer: float32 logits and samples, also when the rest computes
# in bfloat16 or float16 under a mixed-precision policy (see gankit.recipes.PRECISIONS).
OUT = "float32"


def _check_shape(shape, name, ranks=(1, 3)):
    expected = " or ".join({1: "(features,)", 3: "(height, width, channels)"}[r] for r in ranks)
    if isinstance(shape, str) or not hasattr(shape, "__len__"):
        raise TypeError(f"{name}: expected a tuple {expected}, got {shape!r}")
    if len(shape) not in ranks or not all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) and s > 0 for s in shape
    ):
        raise ValueError(f"{name}: expected {expected} of positive integers, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _check_widths(hidden, name="hidden"):
    if isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
        raise TypeError(
            f"{name}: expected a tuple of layer widths, e.g. (256, 512), got {hidden!r}"
        )
    return tuple(check_count(w, f"{name} width") for w in hidden)


def _check_dropout(dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0 <= dropout < 1:
        raise ValueError(f"dropout: expected a rate in [0, 1), got {dropout!r}")
    return dropout


def mlp_generator(latent_dim, output_shape, hidden=(256, 512), tanh=True, name="generator"):
    """An MLP generator: dense layers with LeakyReLU, reshaped to ``output_shape``.

    ``tanh=True`` squashes outputs to [-1, 1] (images); use ``tanh=False`` for 2-D points.
    Raises ``ValueError`` for a non-positive ``latent_dim`` or layer width and a shape that is
    neither (features,) nor (height, width, channels).
    """
    output_shape = _check_shape(output_shape, "output_shape")
    z = keras.Input((check_count(latent_dim, "latent_dim"),), name="z")
    h = z
    for width in _check_widths(hidden):
        h = layers.Dense(width)(h)
        h = layers.LeakyReLU(0.2)(h)
    # the last layers compute in float32 under a mixed-precision policy (recipes.PRECISIONS), as
    # Keras advises: samples come out in float32 whatever the network computes in
    h = layers.Dense(math.prod(output_shape), activation="tanh" if tanh else None, dtype=OUT)(h)
    return keras.Model(z, layers.Reshape(output_shape, dtype=OUT)(h), name=name)


def _sn(layer, spectral_norm):
    """Wrap ``layer`` in ``keras.layers.SpectralNormalization`` (Miyato et al. 2018) if asked.
    Keras normalises only when called with ``training=True`` (the trainers' D steps do)."""
    return layers.SpectralNormalization(layer, dtype=layer.dtype_policy) if spectral_norm else layer


def mlp_discriminator(
    input_shape,
    hidden=(512, 256),
    dropout=0.0,
    spectral_norm=False,
    minibatch_std=False,
    name="discriminator",
):
    """An MLP discriminator: flatten, dense layers with LeakyReLU (and optional dropout), one logit.

    ``spectral_norm=True`` wraps every dense layer in spectral normalisation; ``minibatch_std=True``
    appends the batch's standard deviation (:class:`gankit.layers.MinibatchStdDev`) before the last
    layer, so D can see a batch that lacks variety. For PacGAN, build D for
    ``gankit.layers.packed_shape(shape, m)``."""
    input_shape = _check_shape(input_shape, "input_shape")
    dropout = _check_dropout(dropout)
    x = keras.Input(input_shape, name="x")
    h = layers.Flatten()(x)
    for width in _check_widths(hidden):
        h = _sn(layers.Dense(width), spectral_norm)(h)
        h = layers.LeakyReLU(0.2)(h)
        if dropout:
            h = layers.Dropout(dropout)(h)
    if minibatch_std:
        h = MinibatchStdDev()(h)
    return keras.Model(
        x, _sn(layers.Dense(1, name="logit", dtype=OUT), spectral_norm)(h), name=name
    )


def check_blocks(blocks, encoder="TableEncoder"):
    """Check an encoder's ``blocks``, a non-empty list of ``(column, kind, width)`` with kind
    ``"numeric"`` or ``"categorical"`` and a positive integer width; ``ValueError`` otherwise
    (``encoder`` names the class whose ``blocks`` were expected)."""
    if isinstance(blocks, str) or not blocks:
        raise ValueError(f"blocks: expected the (column, kind, width) list of a fitted {encoder}")
    for entry in blocks:
        if (
            not isinstance(entry, tuple | list)
            or len(entry) != 3
            or entry[1] not in ("numeric", "categorical")
            or isinstance(entry[2], bool)
            or not isinstance(entry[2], int | np.integer)
            or entry[2] < 1
        ):
            raise ValueError(
                f"blocks: expected (column, 'numeric'/'categorical', width), got {entry!r}"
            )
    return blocks


def table_generator(latent_dim, blocks, hidden=(128, 128), name="generator"):
    """An MLP generator for a table encoded by :class:`gankit.data.TableEncoder`.

    ``blocks`` is the encoder's ``blocks`` list of ``(column, kind, width)``: each numeric column
    gets a linear output (z-scores are unbounded), each categorical column a softmax over its
    categories, so that every generated row holds a valid distribution over each column's values
    instead of free numbers that argmax-decoding would map to the most common category.
    """
    check_blocks(blocks, "TableEncoder")
    z = keras.Input((check_count(latent_dim, "latent_dim"),), name="z")
    h = z
    for width in _check_widths(hidden):
        h = layers.Dense(width)(h)
        h = layers.LeakyReLU(0.2)(h)
    outputs = []
    for column, kind, width in blocks:
        activation = None if kind == "numeric" else "softmax"
        outputs.append(
            layers.Dense(
                int(width), activation=activation, name="out_" + re.sub(r"\W", "_", str(column))
            )(h)
        )
    out = outputs[0] if len(outputs) == 1 else layers.Concatenate(name="row")(outputs)
    return keras.Model(z, out, name=name)


def _upsampling_plan(size):
    """Split an image side into start * 2**k with 2 <= start <= 7 and k >= 1 (28 = 7 * 2**2)."""
    for k in range(int(math.log2(size)), 0, -1):
        start, rest = divmod(size, 2**k)
        if rest == 0 and 2 <= start <= 7:
            return start, k
    raise ValueError(
        f"image size {size} cannot be reached by doubling a 2..7 pixel start (e.g. 8, 16, 28, 32, 64);"
        " resize or pad the images first"
    )


def dcgan_generator(latent_dim, image_shape, base_filters=64, bn_momentum=0.9, name="generator"):
    """A DCGAN generator for a square image of any side ``start * 2**k`` (e.g. 8, 28, 32, 64).

    Dense -> (start, start, filters) -> k blocks of stride-2 transposed convolution, batch norm and
    ReLU, halving the filters each time -> a 3x3 convolution to the channel count with tanh.
    ``bn_momentum`` 0.9 (the DCGAN paper's, PyTorch's default) rather than Keras' 0.99: a GAN's
    weights move fast, and inference-mode samples use the moving statistics, which must keep up.
    """
    h_, w_, channels = _check_shape(image_shape, "image_shape", ranks=(3,))
    if h_ != w_:
        raise ValueError(f"image_shape: expected a square image, got {h_}x{w_}")
    start, k = _upsampling_plan(h_)
    filters = check_count(base_filters, "base_filters") * 2 ** (k - 1)
    z = keras.Input((check_count(latent_dim, "latent_dim"),), name="z")
    h = layers.Dense(start * start * filters, use_bias=False)(z)
    h = layers.BatchNormalization(momentum=bn_momentum)(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((start, start, filters))(h)
    for _ in range(k):
        filters = max(filters // 2, 16)
        h = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization(momentum=bn_momentum)(h)
        h = layers.ReLU()(h)
    to_image = layers.Conv2D(
        channels, 3, padding="same", activation="tanh", name="to_image", dtype=OUT
    )
    return keras.Model(z, to_image(h), name=name)


def dcgan_discriminator(
    image_shape,
    base_filters=64,
    dropout=0.0,
    spectral_norm=False,
    minibatch_std=False,
    name="discriminator",
):
    """A DCGAN discriminator: stride-2 4x4 convolutions with LeakyReLU (no batch norm), one logit.

    It halves the side (rounding up) until it reaches 4 pixels or fewer, doubling the filters each
    time: 28 -> 14 -> 7 -> 4 with ``base_filters``, 2x and 4x that many filters (notebook 03,
    section 6, measures why the third layer matters).
    Batch norm is left out on purpose: it would make D's output for one image depend on the batch,
    and its moving statistics would change during the generator's step (and a WGAN-GP critic's
    per-sample gradient would mix samples). ``spectral_norm`` and ``minibatch_std`` as in
    :func:`mlp_discriminator` (the statistic is appended as a channel before the last convolution).
    """
    h_, w_, channels = _check_shape(image_shape, "image_shape", ranks=(3,))
    dropout = _check_dropout(dropout)
    x = keras.Input((h_, w_, channels), name="x")
    h, filters, side = x, check_count(base_filters, "base_filters"), h_
    while True:
        if minibatch_std and math.ceil(side / 2) <= 4:
            h = MinibatchStdDev()(h)
        h = _sn(layers.Conv2D(filters, 4, strides=2, padding="same"), spectral_norm)(h)
        h = layers.LeakyReLU(0.2)(h)
        if dropout:
            h = layers.Dropout(dropout)(h)
        side = math.ceil(side / 2)
        filters *= 2
        if side <= 4:
            break
    h = layers.Flatten()(h)
    return keras.Model(
        x, _sn(layers.Dense(1, name="logit", dtype=OUT), spectral_norm)(h), name=name
    )


def dcgan_features(image_shape, base_filters=64, spectral_norm=False, name="features"):
    """:func:`dcgan_discriminator`'s convolutions, flattened, without the logit: the trunk that
    the heads of a conditional, ACGAN or InfoGAN discriminator read."""
    plain = dcgan_discriminator(
        image_shape, base_filters=base_filters, spectral_norm=spectral_norm, name="trunk"
    )
    return keras.Model(plain.input, plain.layers[-2].output, name=name)


def predict_in_batches(model, x, batch_size=256):
    """Run ``model`` in inference mode (``training=False``) over ``x`` in batches; return NumPy.

    One batch runs as a plain eager call; more run through a ``tf.function`` traced once per
    model, row shape and dtype with the batch dimension left open (``_inference_graph``: about
    1.5x faster, the same outputs). Unlike ``Model.predict``, calling it on many models or input
    sizes (callbacks every epoch, a notebook re-run in the same kernel) never retraces, so
    TensorFlow's retracing warnings stay away. Raises ``TypeError`` for non-numeric
    ``x`` and ``ValueError`` for an empty ``x``, rows of another shape than the model's input or a
    non-positive ``batch_size``.
    """
    x = np.asarray(x)
    if x.dtype == object or not (
        np.issubdtype(x.dtype, np.integer)
        or np.issubdtype(x.dtype, np.floating)
        or np.issubdtype(x.dtype, np.bool_)
    ):
        raise TypeError(f"x: expected a numeric array, got dtype {x.dtype}")
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"x: expected at least one row, got shape {x.shape}")
    try:
        expected = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    except (AttributeError, ValueError):  # a model not built yet: Keras checks on the call
        expected = None
    if expected is not None and (
        len(expected) != x.ndim - 1
        or any(e is not None and e != s for e, s in zip(expected, x.shape[1:], strict=True))
    ):
        raise ValueError(
            f"x: {model.name} expects rows of shape {expected}, got {x.shape[1:]} (x: {x.shape})"
        )
    batch_size = check_count(batch_size, "batch_size")
    graph = _inference_graph(model, x) if len(x) > batch_size else None
    call = graph or (lambda batch: model(batch, training=False))
    parts = [
        keras.ops.convert_to_numpy(call(x[i : i + batch_size]))
        for i in range(0, len(x), batch_size)
    ]
    runtime.release_memory()  # the batches' activations, freed, go back to the OS
    return np.concatenate(parts)


# model -> {(row shape, dtype): tf.function}; weak keys, so a dropped model frees its graphs
_INFERENCE_GRAPHS = weakref.WeakKeyDictionary()


def _inference_graph(model, x):
    """``model(batch, training=False)`` as a ``tf.function`` traced once per model, row shape and
    dtype (the batch dimension left open, so no retracing), or ``None`` for a model that cannot be
    weakly referenced.

    :func:`predict_in_batches` uses it when ``x`` spans more than one batch: as a graph the DCGAN
    generator ran over 18,200 rows in 3.1 s against 4.7 s eagerly on a 2-core CPU (which of the
    graph's savings matter was not measured), with identical outputs
    (``tests/test_models.py`` compares the two paths). A single batch stays eager: tracing would
    cost more than it saves. The function holds the model only weakly."""
    import tensorflow as tf

    try:
        per_model = _INFERENCE_GRAPHS.setdefault(model, {})
    except TypeError:
        return None
    key = (x.shape[1:], x.dtype.str)
    if key not in per_model:
        ref = weakref.ref(model)
        spec = tf.TensorSpec((None, *x.shape[1:]), tf.as_dtype(x.dtype))
        per_model[key] = tf.function(
            lambda batch: ref()(batch, training=False), input_signature=[spec]
        )
    return per_model[key]


def restart(model, fresh):
    """Put the compiled ``model`` back at the start of a new run without compiling it again: its
    weights become those of ``fresh`` (a newly built network of the same architecture, e.g. built
    after ``keras.utils.set_random_seed(seed)``) and its optimizer's step count and moments go
    back to zero (the learning rate stays). Returns ``model``.

    The compiled training function (and its XLA program, if any) is kept, so a lesson that trains
    the same classifier on many data sets or seeds pays Keras' tracing once, not once per run;
    :meth:`gankit.gans.GAN.restart` does the same for a GAN. ``ValueError`` for a ``fresh``
    network with other weights, or a model that was never compiled."""
    shapes = [tuple(w.shape) for w in fresh.weights]
    if shapes != [tuple(w.shape) for w in model.weights]:
        raise ValueError(
            f"fresh: expected a network of the model's architecture ({len(model.weights)} weights),"
            f" got one with other weights ({len(shapes)})"
        )
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model: restart() needs a compiled model (call model.compile first)")
    model.set_weights(fresh.get_weights())
    for variable in model.optimizer.variables:
        if variable.name != "learning_rate":  # the step count and the moments
            variable.assign(np.zeros(variable.shape, variable.dtype))
    return model


def latent_dim(generator, what="generator"):
    """The size of the latent vector ``generator`` takes: its input must be ``(batch, latent_dim)``.

    Raises ``ValueError`` naming ``what`` for a model with any other input (e.g. a discriminator,
    whose input is an image), so a caller can say so before drawing noise for it.
    """
    shape = getattr(generator, "input_shape", None)
    if isinstance(shape, list) or shape is None or len(shape) != 2 or shape[1] is None:
        raise ValueError(
            f"{what}: expected a model that takes latent vectors (batch, latent_dim), got input"
            f" shape {shape} (is this a discriminator?)"
        )
    return int(shape[1])


class UnsafeModelError(ValueError):
    """A model file that would run Python code when loaded (e.g. a ``Lambda`` layer)."""


def load(path, what="model"):
    """Load a ``.keras`` model file in Keras **safe mode** and return the model, uncompiled.

    Safe mode refuses files whose layers carry Python code (a ``Lambda`` layer holding a lambda),
    because loading such a file runs that code. Raises ``TypeError`` for a ``path`` that is not a
    path, ``FileNotFoundError`` for a missing file, ``ValueError`` for a folder, a file that is
    not ``.keras`` (by name or content: a ``.keras`` file is a zip archive) or cannot be read, and
    :class:`UnsafeModelError` (a ``ValueError``) for a file with Python code, saying why. gankit
    never unpickles files; if you wrote such a file yourself and trust it, load it with
    ``keras.models.load_model(path, safe_mode=False)``.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{what}: expected a path to a .keras file, got {path!r}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what}: {path} is a folder; expected a .keras file")
    if not path.is_file():
        raise FileNotFoundError(f"{what}: no such file {path}")
    if path.suffix != ".keras":
        raise ValueError(f"{what}: expected a .keras file, got {path.name}")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{what}: {path} is not a Keras model file (a .keras file is a zip archive; this one"
            f" is {'empty' if path.stat().st_size == 0 else 'something else'})"
        )
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises several types for bad or unsafe files
        message = str(exc)
        if "safe_mode" in message or "Lambda" in message or "arbitrary code" in message:
            raise UnsafeModelError(
                f"{what}: refusing to load {path}: it contains Python code (a Lambda layer), which"
                " would run on loading. gankit loads models in Keras safe mode; use layers"
                " instead of lambdas, or, for a file you wrote yourself and trust,"
                " keras.models.load_model(path, safe_mode=False)"
            ) from None
        first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        raise ValueError(f"{what}: could not load {path}: {first}") from None
