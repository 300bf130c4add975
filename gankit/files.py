"""Atomic file writes: every file gankit writes goes through :func:`atomic_path`.

A file is written under a temporary name in the same folder, flushed to disk, and renamed onto
its final name (``os.replace``, atomic on one file system). A kill or an exception during the
write leaves the previous good file, never half a file; the temporary file is removed on failure.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; when the ``with`` body succeeds, make its bytes
    durable and rename it onto ``path``; when it fails, delete it and re-raise. A reader never
    sees a half-written ``path``. The temporary name keeps ``path``'s suffix, so writers that
    choose a format by suffix (Keras, matplotlib, pandas) work unchanged."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        with open(tmp, "rb") as f:  # make the bytes durable before the rename
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
