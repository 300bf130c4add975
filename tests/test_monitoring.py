"""Monitoring: FID/KID every k epochs into History, TensorBoard sample grids, checkpoints alongside."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from gan_helpers import tiny_gan

from gankit import callbacks, checkpoints, data


class FlatFeatures:
    """A stand-in evaluator: features are the flattened pixels."""

    def features(self, images):
        return np.asarray(images).reshape(len(images), -1)


@pytest.mark.parametrize("metric", ["fid", "kid"])
def test_metric_every_k_epochs_lands_in_history_and_checkpoints_still_save(
    metric, digits, tmp_path
):
    monitor = callbacks.FIDMonitor(FlatFeatures(), digits, n=64, every=2, metric=metric)
    history = tiny_gan().fit(
        data.make_dataset(digits, batch_size=32),
        epochs=4,
        verbose=0,
        callbacks=[monitor, callbacks.Checkpoint(tmp_path)],
    )
    values = history.history[metric]
    assert math.isnan(values[0]) and math.isnan(values[2])
    assert np.isfinite(values[1]) and np.isfinite(values[3])
    assert checkpoints.load_state(tmp_path)["epoch"] == 4, "a NaN metric is not a diverged loss"


def test_monitor_rejects_unknown_metric(digits):
    with pytest.raises(ValueError, match="'fid' or 'kid'"):
        callbacks.FIDMonitor(FlatFeatures(), digits, metric="is")


def test_sample_grids_and_scalars_reach_tensorboard(digits, tmp_path):
    tiny_gan().fit(
        data.make_dataset(digits, batch_size=32),
        epochs=2,
        verbose=0,
        callbacks=[
            callbacks.SampleGrid(n=16, log_dir=tmp_path),
            keras.callbacks.TensorBoard(tmp_path),
        ],
    )
    images, scalars = [], set()
    for event_file in tmp_path.rglob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            for value in event.summary.value:
                if value.tag == "samples":
                    images.append(event.step)
                else:
                    scalars.add(value.tag)
    assert sorted(images) == [1, 2]
    assert {"epoch_d_loss", "epoch_g_loss"} <= scalars


def test_decision_surface_records_the_listed_epochs_and_draws_one_legend():
    import matplotlib

    matplotlib.use("Agg")
    from gan_helpers import point_gan

    from gankit import plotting

    gan = point_gan(seed=0)
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    surface = callbacks.DecisionSurface(epochs=[1, 3], resolution=10, n_fake=20)
    gan.fit(
        data.make_dataset(points, batch_size=32, seed=0), epochs=4, callbacks=[surface], verbose=0
    )
    assert [epoch for epoch, *_ in surface.snapshots] == [1, 3]
    fig = plotting.decision_surface(surface.snapshots, points, ncols=2)
    assert all(ax.get_legend() is None for ax in fig.axes)  # none over the data
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["real", "generated"]
