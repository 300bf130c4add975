"""gankit: the helper library of a notebook-first GAN course on Keras 3.

Modules, lowest layer first: ``data`` (embedded datasets, input checks, tf.data), ``models``
(network builders), ``losses`` (pure loss functions), ``gans`` (trainers with ``train_step``),
``metrics`` (array-in, number-out), ``evaluator`` (the kit's digit classifier behind its FID),
``callbacks``, ``plotting``, ``recipes`` (tested settings) and ``cli`` (``python -m gankit``).
Import the modules you need: ``from gankit import data, models, gans``.
"""

__version__ = "0.1.0"
