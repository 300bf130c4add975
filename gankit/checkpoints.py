"""Checkpoints of a GAN run: one file, written atomically, cross-checked when read, and resuming
exactly where a run stopped.

A checkpoint holds everything the next training step depends on: the generator's, the
discriminator's and (if any) the EMA generator's weights, both optimizers' states (moments and
iteration counts), the state of the noise ``SeedGenerator``, and the number of finished epochs.
It is one file, ``checkpoint.npz``: plain NumPy arrays (loaded with ``allow_pickle=False``, so
nothing is ever unpickled) plus a ``state`` entry, a JSON text stored as a 0-d unicode array,
holding the epoch count, the caller's notes and a record of every array (name and shape) and of
both optimizers' iteration counts. The file is written through :func:`gankit.files.atomic_path`
(temporary name, fsync, rename), so a kill during a save leaves the previous checkpoint, whole.
Reading checks the file against its own record (and, in :func:`restore`, against the model), so a
damaged, truncated or inconsistent file is refused with one ``ValueError``, never half-loaded.

With the same seed, the same data pipeline (:func:`gankit.data.make_dataset`, fast-forwarded by
``start_epoch``) and the same settings, a run that is killed and resumed ends with the same
weights as a run that never stopped (tested with a real ``SIGKILL`` in ``tests/test_checkpoints``).

A folder holding the two-file format of gankit before issue 12 (``checkpoint.npz`` without a
``state`` entry, next to ``checkpoint.json``) is refused with a message saying so: that format
could pair new weights with an old epoch count, and cannot be checked.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from gankit.files import atomic_path

FILE = "checkpoint.npz"
LEGACY_STATE = "checkpoint.json"  # the state file of the old two-file format, only recognised
_STATE_KEY = "state"
FORMAT = 2


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


def _name(group, i):
    return f"{group}/{i:04d}"


def _build_optimizers(gan):
    """Create the optimizers' slot variables if they are not there yet: ``compile`` makes them
    for built networks (``TrainerBase.compile_networks``); Keras would make them at the first
    step."""
    for optimizer, network in (
        (gan.d_optimizer, gan.discriminator),
        (gan.g_optimizer, gan.generator),
    ):
        if not optimizer.built:
            optimizer.build(network.trainable_variables)


def _iteration_names(gan):
    """The array names of the two optimizers' iteration counters."""
    return [
        _name(group, i)
        for group in ("d_optimizer", "g_optimizer")
        for i, variable in enumerate(getattr(gan, group).variables)
        if variable is getattr(gan, group).iterations
    ]


def save(gan, directory, epoch, notes=None):
    """Write a checkpoint of a compiled ``gan`` after ``epoch`` finished epochs (an integer >= 0)
    into ``directory`` (created if needed) as one file, atomically: a kill or an error during the
    save leaves the previous checkpoint as it was. ``notes`` (a JSON-able dict, e.g. the run's
    settings and History so far) is stored in the same file and returned by :func:`load_state`.
    Raises ``ValueError`` for a negative or non-integer ``epoch`` and ``TypeError`` for notes
    that are not a dict."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch: expected an integer >= 0, got {epoch!r}")
    if notes is not None and not isinstance(notes, dict):
        raise TypeError(f"notes: expected a dict or None, got {type(notes).__name__}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _build_optimizers(gan)
    arrays = {
        _name(group, i): np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        for group, variables in _groups(gan).items()
        for i, v in enumerate(variables)
    }
    state = {
        "format": FORMAT,
        "epoch": int(epoch),
        "notes": notes or {},
        "arrays": {name: list(a.shape) for name, a in arrays.items()},
        "iterations": {name: int(arrays[name]) for name in _iteration_names(gan)},
    }
    arrays[_STATE_KEY] = np.array(json.dumps(state, default=float))
    with atomic_path(directory / FILE) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    legacy = directory / LEGACY_STATE
    if legacy.exists():  # the folder's old two-file checkpoint is superseded
        legacy.unlink()


def _damaged(path, why):
    return ValueError(
        f"checkpoint: {path} is damaged or inconsistent ({why}); it cannot be resumed from:"
        " delete it and start the run again"
    )


def _read(directory):
    """(state, arrays) of the checkpoint in ``directory`` after checking the file against its
    own record; ``None`` if there is no checkpoint. Raises ``ValueError`` if it is damaged."""
    directory = Path(directory)
    path = directory / FILE
    if not path.exists():
        return None
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # np.load would read anything else as one array or pickle
            raise _damaged(path, "not a NumPy .npz archive")
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise _damaged(path, f"ValueError: {exc}") from None
        raise ValueError(  # object arrays: loading them would unpickle
            f"checkpoint: {path} holds Python objects, not plain arrays; gankit never unpickles"
            f" files ({exc})"
        ) from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:  # truncated, bad CRC, ...
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from None
    if _STATE_KEY not in arrays:
        if (directory / LEGACY_STATE).exists():
            raise ValueError(
                f"checkpoint: {directory} holds the two-file checkpoint of gankit before issue 12"
                f" ({FILE} + {LEGACY_STATE}), which can pair new weights with an old epoch and"
                " cannot be checked; delete the folder and start the run again"
            )
        raise _damaged(path, f"no {_STATE_KEY!r} entry")
    state_text = arrays.pop(_STATE_KEY)
    try:
        if state_text.shape != () or state_text.dtype.kind != "U":
            raise TypeError(f"expected a 0-d text array, got {state_text.dtype}{state_text.shape}")
        state = json.loads(state_text.item())
        epoch, notes, record = state["epoch"], state["notes"], state["arrays"]
        iterations = state["iterations"]
        if state.get("format") != FORMAT:
            raise ValueError(f"format {state.get('format')!r}, expected {FORMAT}")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"epoch {epoch!r} is not an integer >= 0")
        if not isinstance(notes, dict) or not isinstance(record, dict):
            raise TypeError("notes and arrays must be objects")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _damaged(path, f"state: {type(exc).__name__}: {exc}") from None
    if sorted(record) != sorted(arrays):
        missing, extra = sorted(set(record) - set(arrays)), sorted(set(arrays) - set(record))
        raise _damaged(
            path,
            f"its state lists {len(record)} arrays, it holds {len(arrays)};"
            f" missing {missing[:3]}, unlisted {extra[:3]}",
        )
    for name, shape in record.items():
        if list(arrays[name].shape) != shape:
            raise _damaged(
                path, f"{name} has shape {arrays[name].shape}, its state says {tuple(shape)}"
            )
    for name, count in iterations.items():
        if name not in arrays or arrays[name].shape != () or int(arrays[name]) != count:
            found = arrays[name] if name in arrays else "nothing"
            raise _damaged(path, f"optimizer step count {name} is {found}, its state says {count}")
    history = notes.get("history")
    if isinstance(history, list) and len(history) > epoch:
        raise _damaged(path, f"{len(history)} History rows for epoch {epoch}")
    return state, arrays


def load_state(directory):
    """The ``{"epoch": ..., "notes": ...}`` of the checkpoint in ``directory``, or ``None`` if
    there is none. Raises ``ValueError`` for a damaged or inconsistent checkpoint (and for the old
    two-file format)."""
    read = _read(directory)
    if read is None:
        return None
    state = read[0]
    return {"epoch": state["epoch"], "notes": state["notes"]}


def restore(gan, directory):
    """Load the checkpoint in ``directory`` into a compiled ``gan`` built like the one that was
    saved; return the number of finished epochs (pass it to ``fit(initial_epoch=...)`` and to
    ``make_dataset(start_epoch=...)``). Nothing is assigned unless every check passes. Raises
    ``FileNotFoundError`` if there is no checkpoint, and ``ValueError`` for a damaged or
    inconsistent file or naming the first variable that does not match this model."""
    read = _read(directory)
    if read is None:
        raise FileNotFoundError(f"checkpoint: no checkpoint in {directory}")
    state, stored = read
    _build_optimizers(gan)
    pairs = []
    groups = _groups(gan)
    extra = sorted({name.split("/")[0] for name in stored} - set(groups))
    if extra:
        raise ValueError(
            f"checkpoint: {directory} holds {extra[0]} variables but this model has none: it was"
            " saved from a different model (e.g. with or without an EMA generator)"
        )
    for group, variables in groups.items():
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
            pairs.append((variable, stored[name]))
    for name in state["iterations"]:
        if name not in _iteration_names(gan):
            raise ValueError(
                f"checkpoint: {name} is an optimizer step count in {directory} but not in this"
                " model's optimizer: it was saved with a different optimizer"
            )
    for variable, value in pairs:
        variable.assign(value)
    return int(state["epoch"])
