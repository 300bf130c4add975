"""gankit: the helper library of a notebook-first GAN course on Keras 3.

Modules, lowest layer first: ``data`` (embedded datasets, input checks, tf.data), ``models``
(network builders), ``losses`` (pure loss functions), ``gans`` (trainers with ``train_step``),
``metrics`` (array-in, number-out), ``evaluator`` (the kit's digit classifier behind its FID),
``callbacks``, ``plotting``, ``recipes`` (tested settings) and ``cli`` (``python -m gankit``).
Import the modules you need: ``from gankit import data, models, gans``.
"""

import warnings

__version__ = "0.1.0"

# Keras 3.13's export module probes ``hasattr(np, "object")`` when Keras is imported, and NumPy
# 1.25-1.26 (the floor of our range) answers with a FutureWarning the learner can do nothing about;
# NumPy 2 is silent. Silence exactly that one, from exactly that module, before anything imports Keras.
warnings.filterwarnings(
    "ignore",
    message=r"In the future `np\.object` will be defined",
    category=FutureWarning,
    module=r"keras\.src\.export\.tf2onnx_lib",
)

# The disk cache of XLA-compiled steps: set before TensorFlow first reads its flags (it imports
# nothing heavy; GANKIT_XLA_CACHE=off turns it off). See gankit.compile_cache.
from gankit import compile_cache as _compile_cache  # noqa: E402

_compile_cache.enable()
