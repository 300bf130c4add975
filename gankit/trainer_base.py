"""What every gankit trainer shares, whatever its game: :class:`TrainerBase`.

Each trainer family (``gans.GAN`` and its Wasserstein and conditional subclasses, ``pix2pix.Pix2Pix``,
``cyclegan.CycleGAN``) is a ``keras.Model`` whose ``train_step`` is the algorithm. They all need the
same four pieces of plumbing, kept here once:

* one ``keras.metrics.Mean`` tracker per History key (the names ``train_step`` returns);
* ``metrics`` listing those trackers, so Keras resets them every epoch;
* ``fit`` with ``shuffle=False``: batches come from a ``tf.data`` pipeline that shuffles itself
  (:func:`gankit.data.make_dataset`);
* no compile config: the optimizers are objects the caller owns, so after loading a saved trainer
  call ``compile()`` again. Subclasses call ``super().compile(optimizer=None, ...)`` so Keras makes
  no third, unused optimizer of its own.
"""

from __future__ import annotations

import keras


class TrainerBase(keras.Model):
    """A ``keras.Model`` with named loss trackers, ``fit(shuffle=False)`` and no compile config."""

    def make_trackers(self, names):
        """One mean tracker per History key, in ``names`` order."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_compile_config(self):
        # Optimizers and losses are objects the caller owns: after loading, call compile() again.
        return None

    def fit(self, *args, **kwargs):
        # Data arrive as a tf.data pipeline that shuffles itself (gankit.data.make_dataset).
        kwargs.setdefault("shuffle", False)
        return super().fit(*args, **kwargs)
