"""Atomic file writes: every file gankit writes goes through :func:`atomic_path`.

A file is written under a temporary name in the same folder, flushed to disk, and renamed onto
its final name (``os.replace``, atomic on one file system); the folder is then flushed too, so
the rename itself survives a power cut. An exception during the write leaves the previous good
file, never half a file, and removes the temporary file. A kill (``SIGKILL``) cannot run any
clean-up: it leaves the previous good file plus a temporary one, which the next write of the
same file removes.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path


def _temporary_name(path, pid):
    """``.NAME.tmpPID.SUFFIX``: hidden, in the same folder, with ``path``'s suffix."""
    return path.with_name(f".{path.stem}.tmp{pid}{path.suffix}")


def _alive(pid):
    """Whether a process ``pid`` exists (a process of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def _remove_stale_temporaries(path):
    """Delete temporary files of ``path`` left by killed writers (their process is gone)."""
    pattern = re.compile(rf"\.{re.escape(path.stem)}\.tmp(\d+){re.escape(path.suffix)}")
    if not path.parent.is_dir():
        return
    for candidate in path.parent.iterdir():
        match = pattern.fullmatch(candidate.name)
        if match and int(match[1]) != os.getpid() and not _alive(int(match[1])):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _fsync_folder(folder):
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; when the ``with`` body succeeds, make its bytes
    durable and rename it onto ``path``; when it fails, delete it and re-raise. A reader never
    sees a half-written ``path``. The temporary name keeps ``path``'s suffix, so writers that
    choose a format by suffix (Keras, matplotlib, pandas) work unchanged. Temporary files of
    ``path`` left by killed processes are removed first. Raises ``FileNotFoundError`` if the body
    wrote nothing."""
    path = Path(path)
    _remove_stale_temporaries(path)
    tmp = _temporary_name(path, os.getpid())
    try:
        yield tmp
        with open(tmp, "rb") as f:  # make the bytes durable before the rename
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
