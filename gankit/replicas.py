"""Random draws and counts that stay correct under ``tf.distribute`` (one replica or many).

Under ``MirroredStrategy`` every replica holds the same ``keras.random.SeedGenerator`` state, so a
plain ``keras.random.normal((n, d), seed=...)`` inside the replicated step draws the *same* numbers
on every replica: with N devices each fake sample (or augmentation, or interpolation weight) would
be used N times. :func:`draw` instead lets every replica draw the numbers of the *global* batch and
keep its own rows (replica 0 the first ones), so the replicas together use exactly what one device
would draw for the same global batch, and no two replicas repeat each other.
"""

from __future__ import annotations

import tensorflow as tf


def count():
    """The number of replicas training in sync (1 outside a strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def draw(sample, n):
    """``sample(k)`` must return a tensor whose first axis has ``k`` rows; returns this replica's
    ``n`` rows of the global batch's draw (``sample(n)`` itself on one replica)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return sample(n)
    sizes = context.all_gather(tf.reshape(tf.cast(n, "int32"), [1]), axis=0)
    start = tf.reduce_sum(sizes[: context.replica_id_in_sync_group])
    return sample(tf.reduce_sum(sizes))[start : start + n]
