"""What a notebook ran with: Python, TensorFlow, Keras, gankit and the device it trains on.

Every lesson's first cell prints :func:`summary` so that a learner's question, a screenshot or a
stored output says which versions and which hardware produced it. The device is read from the
*physical* devices TensorFlow sees (listing them does not fix the logical-device layout that the
distribution tests set up later in a process).
"""

import ctypes
import ctypes.util
import os
import platform

from gankit import compile_cache


def versions():
    """``{name: version}`` of Python, TensorFlow, Keras, NumPy and gankit."""
    import keras
    import numpy as np
    import tensorflow as tf

    import gankit

    return {
        "Python": platform.python_version(),
        "TensorFlow": tf.__version__,
        "Keras": keras.__version__,
        "NumPy": np.__version__,
        "gankit": gankit.__version__,
    }


def device():
    """A short description of what TensorFlow trains on, e.g. ``"CPU (2 cores)"`` or ``"1 GPU"``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    compile_cache.settle()  # listing devices made TensorFlow read its flags
    cores = os.cpu_count() or 1
    if gpus:
        return f"{len(gpus)} GPU{'s' if len(gpus) > 1 else ''} + CPU ({cores} cores)"
    return f"CPU ({cores} core{'s' if cores > 1 else ''}, no GPU)"


def summary():
    """One line: the versions and the device, as every notebook prints it in its first cell."""
    parts = [f"{name} {version}" for name, version in versions().items()]
    return " · ".join([*parts, device()])


def _libc_malloc_trim():
    """glibc's ``malloc_trim`` if this process runs on glibc, else ``None``."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_MALLOC_TRIM = _libc_malloc_trim()


def release_memory():
    """Hand the heap memory that Python and TensorFlow have already freed back to the operating
    system; returns True where it could (Linux with glibc), False elsewhere (a no-op).

    glibc keeps freed blocks in its arenas for reuse, so after an XLA compile or a large eager
    batch a process can hold hundreds of MB it no longer uses, and each new model adds to that
    high-water mark. Measured on a 2-core CPU: one epoch of the conditional DCGAN recipe left
    0.26 GB that ``malloc_trim`` returned. gankit calls this after every trainer's ``fit`` and
    after :func:`gankit.models.predict_in_batches`, which keeps a lesson's peak memory under a
    free Binder session's 2 GB. It frees nothing still in use: results are unchanged.
    """
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True
