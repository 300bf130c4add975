"""What every gankit trainer shares, whatever its game: :class:`TrainerBase`.

Each trainer family (``gans.GAN`` and its Wasserstein and conditional subclasses, ``pix2pix.Pix2Pix``,
``cyclegan.CycleGAN``) is a ``keras.Model`` whose ``train_step`` is the algorithm. They all need the
same pieces of plumbing, kept here once:

* one ``keras.metrics.Mean`` tracker per History key (the names ``train_step`` returns), fed by
  :meth:`TrainerBase.track` so that it reports the global batch's loss under any number of
  ``tf.distribute`` replicas;
* ``metrics`` listing those trackers, so Keras resets them every epoch;
* ``fit`` with ``shuffle=False``: batches come from a ``tf.data`` pipeline that shuffles itself
  (:func:`gankit.data.make_dataset`);
* ``compile`` with one optimizer per network group (:meth:`TrainerBase.compile_networks`): Keras
  makes no unused optimizer of its own; under a ``tf.distribute`` strategy with several replicas
  XLA and ``steps_per_execution`` fall back, with a warning, to what works there; the
  optimizers' slot variables are made at compile (in the strategy's scope), so the traced step
  creates none and traces faster;
* no compile config: the optimizers are objects the caller owns, so after loading a saved trainer
  call ``compile()`` again;
* the disk cache of XLA-compiled steps (:mod:`gankit.compile_cache`, turned on by ``import
  gankit``), filled after every ``fit``.
"""

from __future__ import annotations

import warnings

import keras

from gankit import compile_cache, replicas, runtime

compile_cache.settle()  # TensorFlow has read the cache's folder (import gankit set it)


class TrainerBase(keras.Model):
    """A ``keras.Model`` with named loss trackers, ``fit(shuffle=False)`` and no compile config."""

    def make_trackers(self, names):
        """One mean tracker per History key, in ``names`` order."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def compile_networks(self, optimizers, **kwargs):
        """``keras.Model.compile`` without an optimizer of its own (``kwargs``: ``jit_compile``,
        ``steps_per_execution``, ...), for a trainer whose ``train_step`` applies its own
        ``optimizers``: pairs ``(optimizer, [networks it trains])``.

        Under a strategy with several replicas, ``jit_compile=True`` falls back to False (Keras
        compiles the whole step, ``strategy.run`` included, as one XLA cluster on one device, which
        cannot reach the other replicas' variables) and ``steps_per_execution`` to 1 (Keras 3.15's
        multi-step loop fails under ``MirroredStrategy``: "You must feed a value for placeholder
        tensor ... while/cond", for a plain Dense model too), each with a warning; and the slot
        variables are made here, in the strategy's scope, not lazily inside the replicated step,
        where TensorFlow cannot create mirrored variables.

        On one device too, the optimizers' slot variables are made here when the networks are
        built (Keras would make them inside the first traced step): a step that creates no
        variables is traced in less time, 1.2-1.9 s less for notebook 03's DCGAN (4.4-5.8 s
        instead of 5.7-7.7 s of tracing and compiling, three paired runs, Intel Xeon, one
        thread, stop 44), with the same weights after training. A network that is not built
        yet (a subclassed model before its first call) keeps Keras' lazy way."""
        n_replicas = self.distribute_strategy.num_replicas_in_sync
        if n_replicas > 1 and kwargs.get("jit_compile"):
            warnings.warn(
                f"jit_compile=True cannot run under a {n_replicas}-replica tf.distribute strategy "
                "(XLA compiles one device); proceeding with jit_compile=False",
                stacklevel=3,
            )
            kwargs["jit_compile"] = False
        if n_replicas > 1 and kwargs.get("steps_per_execution", 1) > 1:
            warnings.warn(
                f"steps_per_execution > 1 fails under a {n_replicas}-replica tf.distribute "
                "strategy in this Keras; proceeding with steps_per_execution=1",
                stacklevel=3,
            )
            kwargs["steps_per_execution"] = 1
        keras.Model.compile(self, optimizer=None, **kwargs)
        with self.distribute_strategy.scope():
            for optimizer, networks in optimizers:
                if optimizer is None or optimizer.built:  # None: a trainer used for one phase
                    continue
                if n_replicas > 1 or all(n.built for n in networks):
                    optimizer.build([v for n in networks for v in n.trainable_variables])

    def tracked(self):
        """The names History reports, one tracker each."""
        return tuple(self.trackers)

    def track(self, **losses):
        """Add this step's losses to their trackers and return History's row (every tracker).

        Each replica's loss is its share of the global batch's loss (gankit's losses divide by
        the global batch size), and a tracker sums over replicas both the values and their
        counts: scaling by the replica count makes it report the global batch's loss under any
        strategy, and changes nothing on one device."""
        scale = replicas.count()
        for name, value in losses.items():
            self.trackers[name].update_state(value * scale)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_compile_config(self):
        # Optimizers and losses are objects the caller owns: after loading, call compile() again.
        return None

    def fit(self, *args, **kwargs):
        # Data arrive as a tf.data pipeline that shuffles itself (gankit.data.make_dataset).
        kwargs.setdefault("shuffle", False)
        history = super().fit(*args, **kwargs)
        runtime.release_memory()  # what the XLA compile and the epochs freed goes back to the OS
        compile_cache.publish()  # the steps this fit compiled, for the next run
        return history
