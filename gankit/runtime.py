"""What a notebook ran with: Python, TensorFlow, Keras, gankit and the device it trains on.

Every lesson's first cell prints :func:`summary` so that a learner's question, a screenshot or a
stored output says which versions and which hardware produced it. The device is read from the
*physical* devices TensorFlow sees (listing them does not fix the logical-device layout that the
distribution tests set up later in a process).
"""

import os
import platform


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
    cores = os.cpu_count() or 1
    if gpus:
        return f"{len(gpus)} GPU{'s' if len(gpus) > 1 else ''} + CPU ({cores} cores)"
    return f"CPU ({cores} core{'s' if cores > 1 else ''}, no GPU)"


def summary():
    """One line: the versions and the device, as every notebook prints it in its first cell."""
    parts = [f"{name} {version}" for name, version in versions().items()]
    return " · ".join([*parts, device()])
