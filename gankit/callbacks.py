"""Keras callbacks for GAN training: fixed-noise sample grids, 2-D decision surfaces, time budgets.

They work with any model that has ``latent_dim`` and a ``sampler`` generator (every trainer in
:mod:`gankit.gans`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np

from gankit.models import predict_in_batches


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs, generate from the *same* fixed noise and keep the samples.

    Fixed noise makes progress comparable: the same noise vector's sample, epoch after epoch.
    Snapshots are kept in ``self.snapshots`` as ``(epoch, images)`` (plot them with
    :func:`gankit.plotting.progress_grid`); with ``out_dir`` set, each is also written as
    ``out_dir/samples_epoch_NNN.png``; with ``log_dir`` set, the grid goes to TensorBoard as the
    image ``samples`` (use it next to ``keras.callbacks.TensorBoard(log_dir)`` for the scalars).
    """

    def __init__(self, n=64, every=1, seed=42, out_dir=None, log_dir=None):
        super().__init__()
        self.n, self.every, self.seed = n, every, seed
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self._writer = None
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        # the same seeded noise every time (a conditional GAN cycles through its classes)
        images = self.model.generate(self.n, seed=self.seed)
        self.snapshots.append((epoch + 1, images))
        if self.out_dir is not None:
            from gankit.plotting import save_image_grid

            save_image_grid(images, self.out_dir / f"samples_epoch_{epoch + 1:03d}.png")
        if self.log_dir is not None and images.ndim == 4:
            import tensorflow as tf

            from gankit.plotting import grid_array

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.log_dir / "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid_array(images)[None], step=epoch + 1)
            self._writer.flush()


class DecisionSurface(keras.callbacks.Callback):
    """For 2-D data: every ``every`` epochs (or after each epoch listed in ``epochs``, counted
    from 1) record D's probability over a grid and some samples.

    Snapshots ``(epoch, (xx, yy), probs, fake)`` go to ``self.snapshots`` for
    :func:`gankit.plotting.decision_surface`.
    """

    def __init__(self, every=10, lim=3.0, resolution=80, n_fake=500, seed=0, epochs=None):
        super().__init__()
        self.every, self.n_fake, self.seed = every, n_fake, seed
        self.epochs = None if epochs is None else {int(e) for e in epochs}
        axis = np.linspace(-lim, lim, resolution, dtype="float32")
        self.xx, self.yy = np.meshgrid(axis, axis)
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        wanted = (
            (epoch + 1) in self.epochs if self.epochs is not None else not (epoch + 1) % self.every
        )
        if not wanted:
            return
        grid = np.stack([self.xx.ravel(), self.yy.ravel()], axis=1)
        logits = predict_in_batches(self.model.discriminator, grid, batch_size=4096)
        probs = 1.0 / (1.0 + np.exp(-logits.reshape(self.xx.shape)))
        fake = self.model.generate(self.n_fake, seed=self.seed)
        self.snapshots.append((epoch + 1, (self.xx, self.yy), probs, fake))


class FIDMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, compute the FID of ``n`` samples against ``real`` images and write it
    into the epoch logs as ``fid`` (so ``History`` and other callbacks see it).

    ``evaluator`` is a :class:`gankit.evaluator.Evaluator`; the real features are computed once.
    Samples come from the same seeded noise each time, so the curve reflects training alone.
    Epochs without a measurement are logged as NaN, keeping History's columns aligned.
    ``metric="kid"`` logs the KID (:func:`gankit.metrics.kid`) as ``kid`` instead.
    """

    def __init__(self, evaluator, real, n=1000, every=1, seed=1, metric="fid"):
        super().__init__()
        if metric not in ("fid", "kid"):
            raise ValueError(f"metric: expected 'fid' or 'kid', got {metric!r}")
        self.evaluator, self.n, self.every, self.seed = evaluator, n, every, seed
        self.metric = metric
        self.real_features = evaluator.features(real)

    def on_epoch_end(self, epoch, logs=None):
        from gankit import metrics

        if logs is None:
            return
        if (epoch + 1) % self.every:
            logs[self.metric] = float("nan")
            return
        features = self.evaluator.features(self.model.generate(self.n, seed=self.seed))
        if self.metric == "fid":
            logs["fid"] = metrics.fid(features, self.real_features)
        else:  # KID: unbiased, so its curve does not depend on n; logged as the subset mean
            logs["kid"] = metrics.kid(features, self.real_features, subsets=10, seed=self.seed)[0]


class KeepBest(FIDMonitor):
    """Keep the generator of the epoch with the lowest FID, so more training never ends worse.

    After every ``every`` epochs it logs the FID of ``n`` samples from fixed noise (``seed``)
    against ``real`` as ``fid``, like :class:`FIDMonitor`; when that is the lowest so far it
    writes the sampler (the EMA generator when there is one) to ``path`` atomically, and sets
    ``best`` to ``{"epoch": e, "fid": f}``. A resumed run passes its History so far as
    ``history``: the best of those rows is the one to beat, and the file written then is kept.

    The selection uses this FID, so it is optimistic for the generator it picks: report the
    kept generator's FID on *other* samples (``python -m gankit train`` does, in ``metrics.json``).
    """

    def __init__(self, evaluator, real, path, n=1000, every=1, seed=2, history=()):
        super().__init__(evaluator, real, n=n, every=every, seed=seed)
        self.path = Path(path)
        self.best = None
        for epoch, row in enumerate(history, start=1):
            fid = row.get("fid", float("nan"))
            if math.isfinite(fid) and (self.best is None or fid < self.best["fid"]):
                self.best = {"epoch": epoch, "fid": float(fid)}

    def on_epoch_end(self, epoch, logs=None):
        from gankit.files import atomic_path

        logs = {} if logs is None else logs
        super().on_epoch_end(epoch, logs)
        fid = logs.get("fid", float("nan"))
        if math.isfinite(fid) and (self.best is None or fid < self.best["fid"]):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.path) as tmp:
                self.model.sampler.save(tmp)
            self.best = {"epoch": epoch + 1, "fid": float(fid)}


class TrainingDiverged(RuntimeError):
    """Raised by :class:`DivergenceGuard` when a loss becomes NaN or infinite."""


class DivergenceGuard(keras.callbacks.Callback):
    """Stop training the moment a logged loss becomes NaN or infinite, with a message that names
    the step and the usual causes, by raising :class:`TrainingDiverged`.

    Files other callbacks wrote before (sample grids of earlier epochs) are left as they were.
    With ``steps_per_execution`` > 1 Keras reports every that many steps, so the step named is the
    first report at which the loss was no longer finite.
    """

    def __init__(self, keys=("d_loss", "g_loss")):
        super().__init__()
        self.keys = keys

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = [k for k in self.keys if k in logs and not np.isfinite(float(logs[k]))]
        if not bad:
            return
        optimizer = getattr(self.model, "g_optimizer", None) or self.model.optimizer
        step = int(optimizer.iterations.numpy()) if optimizer is not None else batch
        raise TrainingDiverged(
            f"training diverged at step {step}: {', '.join(bad)} became NaN or infinite. "
            "Likely causes: a learning rate too high for this model (try 10x smaller); inputs "
            "not scaled to [-1, 1] (gankit.data.check_images tells); a loss computed on "
            "probabilities rather than logits. Samples saved so far are kept."
        )


class TimeBudget(keras.callbacks.Callback):
    """Stop training at the end of the first epoch that finishes after ``minutes`` of training
    have passed, counting ``spent`` seconds already used before this ``fit`` (a resumed run's
    earlier training time, as :class:`Checkpoint` records it in its notes as ``train_seconds``).
    Raises ``ValueError`` for a budget that is not positive or a negative ``spent``."""

    def __init__(self, minutes, spent=0.0):
        super().__init__()
        if not minutes > 0:
            raise ValueError(f"minutes: expected a positive time budget, got {minutes}")
        if not spent >= 0:
            raise ValueError(f"spent: expected seconds >= 0, got {spent}")
        self.seconds, self.spent = 60.0 * minutes, float(spent)
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self.spent + time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


class Checkpoint(keras.callbacks.Callback):
    """Every ``every`` epochs, write a checkpoint of the GAN into ``directory`` with
    :func:`gankit.checkpoints.save` (one file, atomically), with the per-epoch History so far
    (``history``) and the training seconds so far (``train_seconds``) in its notes.

    An epoch whose logged losses (``*loss`` keys) are NaN or infinite is never saved: the last
    good checkpoint stays in place. To resume, :func:`gankit.checkpoints.restore` the GAN, then
    pass the epoch it returns to ``make_dataset(start_epoch=...)`` and ``fit(initial_epoch=...)``,
    and the restored notes to ``Checkpoint(history=notes["history"],
    spent=notes["train_seconds"])`` (and ``TimeBudget(minutes, spent=...)`` to keep a budget).
    """

    def __init__(self, directory, every=1, notes=None, history=None, spent=0.0):
        super().__init__()
        self.directory, self.every = Path(directory), int(every)
        self.notes = dict(notes or {})
        self.history = [dict(row) for row in (history or [])]
        self.spent = float(spent)
        self.skipped = []
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        from gankit import checkpoints

        logs = {k: float(v) for k, v in (logs or {}).items()}
        # only losses decide: a metric logged as NaN on epochs it skips (FIDMonitor) is fine
        if not all(math.isfinite(v) for k, v in logs.items() if k.endswith("loss")):
            self.skipped.append(epoch + 1)
            return
        self.history.append(logs)
        if (epoch + 1) % self.every == 0:
            elapsed = 0.0 if self.start is None else time.perf_counter() - self.start
            seconds = self.spent + elapsed
            notes = {**self.notes, "history": self.history, "train_seconds": seconds}
            checkpoints.save(self.model, self.directory, epoch + 1, notes=notes)
