"""A disk cache of XLA-compiled training steps: a lesson run again skips the compiles it ran before.

Every gankit trainer compiles its step with XLA (``jit_compile=True``). On a 2-core CPU that
takes a few seconds per trainer, which in the short lessons is a good part of the time: notebook
10 compiles seven steps, and a second run of it with this cache took 110 s instead of 124 s, with
the same outputs (measured once each, alone, 2-core Intel Xeon, 2026-12-07). TensorFlow can keep
compiled programs on disk (``--tf_xla_persistent_cache_directory``), and :func:`enable` turns
that on with the guards TensorFlow lacks:

* **No half file is ever used.** TensorFlow writes a program in place, and a file cut short (a
  process killed while writing, or two writing the same program) is not compiled again: the step
  silently runs without XLA, and trains to other weights (tried by hand, 2026-12-07). So
  TensorFlow only writes into a folder of this process's own, which starts with hard links to
  every program already cached; :func:`publish` moves each finished program into the shared
  folder with an atomic rename, after every trainer's ``fit`` and when the process ends. A process
  killed mid-write leaves its partial file in its own folder, which the next :func:`enable` on
  that machine deletes unread.
* **Only the same machine code for the same machine.** The folder is named after the TensorFlow
  version, the CPU's instruction-set flags, the core count and ``XLA_FLAGS``, so a cache on a
  shared home folder is never loaded by another kind of CPU. TensorFlow itself compares the whole
  program before it uses a cached one, so a hit trains as a fresh compile would (the tests check
  the weights).
* **Bounded.** At most ``MAX_BYTES`` are kept; the oldest programs go first.
* **Not inherited.** A subprocess does not write into this process's folder: once TensorFlow has
  read the flag (:func:`settle`), it is removed from the environment again, and a subprocess that
  imports gankit before that replaces an inherited folder with its own.

Where: ``$GANKIT_XLA_CACHE`` if set, else ``~/.cache/gankit/xla`` (``$XDG_CACHE_HOME`` is
respected). ``GANKIT_XLA_CACHE=off`` turns it off; a ``--tf_xla_persistent_cache_directory`` the
user put in ``TF_XLA_FLAGS`` is left alone. TensorFlow reads its flags once per process, when it
first lists its devices or compiles, so ``import gankit`` calls :func:`enable`: a process that
used TensorFlow before importing gankit runs without the cache.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

MAX_BYTES = 512 * 2**20  # the whole suite, 17 lessons and the tests, wrote 146 MB (91 programs)
OFF = ("off", "0", "false", "no", "none")
_FLAG = "--tf_xla_persistent_cache_directory"
_WORK = ".work-"  # prefix of a process's own folder inside the shared one
_STALE_SECONDS = 24 * 3600

_state = {"shared": None, "private": None, "linked": frozenset()}


def _cpu_flags():
    """The CPU's instruction-set flags (Linux), or what the platform says about the processor."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _tensorflow_version():
    """TensorFlow's version, read from the installed package without importing it."""
    from importlib import metadata

    for name in ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def machine_tag():
    """A short name for what compiled code depends on: TensorFlow's version, the CPU's
    instruction-set flags, the core count and ``XLA_FLAGS``."""
    version = _tensorflow_version()
    parts = (
        version,
        platform.machine(),
        _cpu_flags(),
        str(os.cpu_count()),
        os.environ.get("XLA_FLAGS", ""),
    )
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return f"tf{version}-{platform.machine()}-{digest}"


def default_folder():
    """``~/.cache/gankit/xla`` (under ``$XDG_CACHE_HOME`` if set)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gankit" / "xla"


def folder():
    """The shared folder this process reads and publishes to, or None when the cache is off."""
    return _state["shared"]


def _alive(pid):
    if sys.platform == "win32":  # os.kill(pid, 0) would send Ctrl-C there: trust the age only
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _host():
    """This machine's name, as a folder name may hold it: a home folder shared between machines
    (a JupyterHub's network drive) holds folders of processes this machine cannot see."""
    return hashlib.sha256(platform.node().encode()).hexdigest()[:8]


def _own_prefix():
    return f"{_WORK}{os.getpid()}-{_host()}-"


def _remove_stale(shared):
    """Delete the own folders of processes that ended without publishing (killed): whatever
    they hold may be cut short, and is never read. Another machine's folders are left for a day,
    as this one cannot tell whether their processes still run."""
    now = time.time()
    for work in shared.glob(f"{_WORK}*"):
        try:
            pid, host = work.name[len(_WORK) :].split("-", 2)[:2]
            pid = int(pid)
        except ValueError:
            pid = host = None
        try:
            old = now - work.stat().st_mtime > _STALE_SECONDS
        except OSError:
            continue
        gone = host == _host() and not _alive(pid)
        if pid is None or old or gone:
            shutil.rmtree(work, ignore_errors=True)


def _programs(shared):
    return [p for p in shared.glob("*.pb") if p.is_file()]


def prune(shared, max_bytes=MAX_BYTES):
    """Delete the oldest programs of ``shared`` until at most ``max_bytes`` remain; returns how
    many were deleted. A process that linked one keeps its own copy until it ends."""
    entries = []
    for p in _programs(shared):
        try:
            stat = p.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime, stat.st_size, p))
    total = sum(size for _, size, _ in entries)
    deleted = 0
    for _, size, p in sorted(entries):
        if total <= max_bytes:
            break
        try:
            p.unlink()
        except OSError:
            continue
        total -= size
        deleted += 1
    return deleted


def _ours(flags):
    """The value of our flag in ``flags`` if it names a process's own folder, else None."""
    for token in flags.split():
        if token.startswith(f"{_FLAG}="):
            value = token.split("=", 1)[1]
            return value if Path(value).name.startswith(_WORK) else None
    return None


def enable():
    """Turn the cache on for this process (once; later calls return the same folder). Returns the
    shared folder, or None when it is off (``GANKIT_XLA_CACHE=off``, the user's own
    ``--tf_xla_persistent_cache_directory``, or a folder that cannot hold hard links).

    It imports nothing heavy: ``import gankit`` calls it, before TensorFlow reads its flags (it
    reads them once, when it first lists devices or compiles). :func:`settle` then takes the flag
    back out of the environment."""
    if _state["private"] is not None:
        return _state["shared"]
    setting = os.environ.get("GANKIT_XLA_CACHE", "").strip()
    flags = os.environ.get("TF_XLA_FLAGS", "")
    inherited = _ours(flags)  # a parent's own folder, handed down before it settled: not ours
    if inherited is not None:
        flags = " ".join(t for t in flags.split() if not t.startswith(f"{_FLAG}="))
        _restore(flags)
    if (setting and setting.lower() in OFF) or _FLAG in flags:
        return None
    try:
        shared = Path(setting or default_folder()).expanduser() / machine_tag()
        shared.mkdir(parents=True, exist_ok=True)
        _remove_stale(shared)
        prune(shared)
        private = Path(tempfile.mkdtemp(prefix=_own_prefix(), dir=shared))
    except (OSError, RuntimeError):  # no writable cache folder, or no home folder to put it in
        return None  # compile as without a cache
    linked = set()
    try:
        for program in _programs(shared):
            try:
                os.link(program, private / program.name)
            except FileNotFoundError:  # pruned or replaced meanwhile
                continue
            linked.add(program.name)
    except OSError:  # no hard links on this file system
        shutil.rmtree(private, ignore_errors=True)
        return None
    os.environ["TF_XLA_FLAGS"] = f"{flags} {_FLAG}={private}".strip()
    _state.update(shared=shared, private=private, linked=frozenset(linked), previous=flags)
    atexit.register(_finish)
    if "tensorflow" in sys.modules:  # it may read its flags any moment: hand them over now
        settle()
    return shared


def _restore(flags):
    if flags:
        os.environ["TF_XLA_FLAGS"] = flags
    else:
        os.environ.pop("TF_XLA_FLAGS", None)


def settle():
    """Make TensorFlow read its XLA flags now, if it has not yet, then give ``TF_XLA_FLAGS`` its
    previous value back, so subprocesses do not inherit this process's own folder. gankit calls
    it once TensorFlow is imported (the trainers, ``runtime.device``)."""
    if _state["private"] is None or "previous" not in _state:
        return
    from tensorflow.python.client import pywrap_tf_session

    pywrap_tf_session.TF_GetXlaAutoJitEnabled()  # parses every TF_XLA_FLAGS flag, once
    _restore(_state.pop("previous"))


def publish():
    """Move every program this process compiled since the last call into the shared folder
    (atomic renames); returns how many. Call it only between compiles: gankit's trainers call it
    after ``fit`` returns, when TensorFlow has finished writing."""
    private, shared = _state["private"], _state["shared"]
    if private is None:
        return 0
    moved = 0
    for program in private.glob("*.pb"):
        if program.name in _state["linked"]:
            continue
        try:
            os.replace(program, shared / program.name)
        except OSError:
            continue
        moved += 1
    return moved


def _finish():
    publish()
    private = _state["private"]
    if private is not None:
        shutil.rmtree(private, ignore_errors=True)
