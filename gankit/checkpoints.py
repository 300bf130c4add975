"""Checkpoints of a GAN run, written atomically, and resuming exactly where a run stopped.

A checkpoint holds everything the next training step depends on: the generator's, the
discriminator's and (if any) the EMA generator's weights, both optimizers' states (moments and
iteration counts), the state of the noise ``SeedGenerator``, and the number of finished epochs.
Arrays go to ``checkpoint.npz`` (plain NumPy arrays, loaded with ``allow_pickle=False``), the
epoch count and the caller's notes to ``checkpoint.json``. Both files are written to a temporary
name and then renamed, so a kill during a save leaves the previous checkpoint intact.

With the same seed, the same data pipeline (:func:`gankit.data.make_dataset`, fast-forwarded by
``start_epoch``) and the same settings, a run that is killed and resumed ends with the same
weights as a run that never stopped (tested with a real ``SIGKILL`` in ``tests/test_checkpoints``).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

ARRAYS, STATE = "checkpoint.npz", "checkpoint.json"


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success rename it onto ``path`` (atomic on
    one file system), on failure delete it. A reader never sees a half-written ``path``."""
    path = Path(path)
    # same folder (so the rename is atomic), same suffix (Keras and matplotlib read it)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        with open(tmp, "rb") as f:  # make the bytes durable before the rename
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _groups(gan):
    """The variables a checkpoint holds, by group, in a fixed order."""
    groups = {
        "generator": gan.generator.weights,
        "discriminator": gan.discriminator.weights,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "noise": [gan.seed_generator.state],
    }
    if getattr(gan, "ema_generator", None) is not None:
        groups["ema_generator"] = gan.ema_generator.weights
    return groups


def _build_optimizers(gan):
    """Create the optimizers' slot variables (Keras makes them lazily at the first step)."""
    for optimizer, network in (
        (gan.d_optimizer, gan.discriminator),
        (gan.g_optimizer, gan.generator),
    ):
        if not optimizer.built:
            optimizer.build(network.trainable_variables)


def save(gan, directory, epoch, notes=None):
    """Write a checkpoint of a compiled ``gan`` after ``epoch`` finished epochs into
    ``directory`` (created if needed), atomically. ``notes`` (a JSON-able dict, e.g. the run's
    settings and history so far) is stored alongside and returned by :func:`load_state`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _build_optimizers(gan)
    arrays = {
        f"{group}/{i:04d}": np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        for group, variables in _groups(gan).items()
        for i, v in enumerate(variables)
    }
    with atomic_path(directory / ARRAYS) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    state = {"epoch": int(epoch), "notes": notes or {}}
    with atomic_path(directory / STATE) as tmp:
        tmp.write_text(json.dumps(state, indent=1, default=float) + "\n")


def load_state(directory):
    """The ``{"epoch": ..., "notes": ...}`` of the checkpoint in ``directory``, or ``None`` if
    there is none. Raises ``ValueError`` for a damaged state file."""
    path = Path(directory) / STATE
    if not path.exists() or not (Path(directory) / ARRAYS).exists():
        return None
    try:
        state = json.loads(path.read_text())
        int(state["epoch"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"checkpoint: {path} is damaged ({exc}); delete the folder") from None
    return state


def restore(gan, directory):
    """Load the checkpoint in ``directory`` into a compiled ``gan`` built like the one that was
    saved; return the number of finished epochs (pass it to ``fit(initial_epoch=...)`` and to
    ``make_dataset(start_epoch=...)``). Raises ``FileNotFoundError`` if there is no checkpoint
    and ``ValueError`` naming the first variable that does not match this model."""
    state = load_state(directory)
    if state is None:
        raise FileNotFoundError(f"checkpoint: no checkpoint in {directory}")
    _build_optimizers(gan)
    try:
        with np.load(Path(directory) / ARRAYS, allow_pickle=False) as stored:
            stored = dict(stored)
    except ValueError as exc:  # object arrays: loading them would unpickle
        raise ValueError(
            f"checkpoint: {Path(directory) / ARRAYS} holds Python objects, not plain arrays;"
            f" gankit never unpickles files ({exc})"
        ) from None
    for group, variables in _groups(gan).items():
        names = sorted(k for k in stored if k.startswith(f"{group}/"))
        if len(names) != len(variables):
            raise ValueError(
                f"checkpoint: {group} has {len(names)} variables in {directory} but this model has"
                f" {len(variables)}: it was saved from a different architecture or optimizer"
            )
        for name, variable in zip(names, variables, strict=True):
            if tuple(stored[name].shape) != tuple(variable.shape):
                raise ValueError(
                    f"checkpoint: {name} has shape {stored[name].shape} in {directory} but"
                    f" {tuple(variable.shape)} in this model"
                )
            variable.assign(stored[name])
    return int(state["epoch"])
