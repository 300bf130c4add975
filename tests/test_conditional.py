"""Conditional GANs (gankit.conditional): the label reaches both networks, both trainers train under
XLA and report what they track, the auxiliary classifier's loss has its closed form, a saved
generator is a plain G([z, y]), and bad input gets one clear line. Under 2 replicas they match one
device (tests/test_distribute.py)."""

import shutil

import keras
import numpy as np
import pytest

from gankit import conditional, data, losses

SHAPE, CLASSES = (8, 8, 1), 10


@pytest.fixture(scope="module")
def digits_and_labels():
    x, y = data.load_digits("train")
    return x[:128], y[:128]


def make(kind, seed=0, **options):
    keras.utils.set_random_seed(seed)
    g = conditional.conditional_generator(8, SHAPE, CLASSES, base_filters=8)
    if kind == "acgan":
        d = conditional.acgan_discriminator(SHAPE, CLASSES, base_filters=8)
        gan = conditional.ACGAN(g, d, CLASSES, seed=seed, **options)
    else:
        d = conditional.projection_discriminator(SHAPE, CLASSES, base_filters=8)
        gan = conditional.ConditionalGAN(g, d, CLASSES, seed=seed, **options)
    gan.compile(
        keras.optimizers.Adam(1e-3, 0.5),
        keras.optimizers.Adam(1e-3, 0.5),
        jit_compile=True,
        steps_per_execution=2,
    )
    return gan


@pytest.mark.parametrize("kind", ["projection", "acgan"])
def test_both_trainers_train_under_xla_and_report_what_they_track(digits_and_labels, kind):
    x, y = digits_and_labels
    gan = make(kind, ema=0.9, r1_gamma=1.0)
    g0 = [w.copy() for w in gan.generator.get_weights()]
    d0 = [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(data.make_dataset(x, y, batch_size=32, seed=0), epochs=2, verbose=0).history
    expected = {"d_loss", "g_loss", "d_real", "d_fake", "r1"}
    if kind == "acgan":
        expected |= {"d_class", "g_class"}
    assert set(history) == expected
    assert all(np.isfinite(v).all() for v in history.values())
    for before, network in ((g0, gan.generator), (d0, gan.discriminator)):
        assert any(
            not np.allclose(a, b) for a, b in zip(before, network.get_weights(), strict=True)
        )


def test_the_label_reaches_the_generator_and_the_projection_discriminator():
    gan = make("projection")
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    twos, sevens = (np.full(4, k, "int32") for k in (2, 7))
    assert not np.allclose(gan.generator([z, twos]), gan.generator([z, sevens]))
    images = np.asarray(gan.generator([z, twos]))
    assert not np.allclose(gan.discriminator([images, twos]), gan.discriminator([images, sevens]))


def test_generate_asks_for_classes_and_rejects_unknown_ones():
    gan = make("projection")
    assert gan.generate(20, seed=1).shape == (20, *SHAPE)
    cycled, explicit = gan.generate(12, seed=1), gan.generate(12, labels=np.arange(12) % 10, seed=1)
    np.testing.assert_array_equal(cycled, explicit)  # default: 0, 1, ..., 9, 0, 1, ...
    sevens = gan.generate(3, labels=7, seed=1)
    np.testing.assert_allclose(sevens, gan.generate(3, labels=[7, 7, 7], seed=1))
    with pytest.raises(ValueError, match=r"labels: expected classes 0\.\.9, got 0\.\.10"):
        gan.generate(2, labels=[0, 10])


def test_the_auxiliary_classifier_loss_is_cross_entropy_averaged_over_the_batch():
    uniform = np.zeros((5, CLASSES), "float32")
    assert float(losses.classification_loss(uniform, np.arange(5))) == pytest.approx(
        np.log(CLASSES), rel=1e-6
    )
    logits = np.array([[2.0, 0.0], [0.0, 1.0]], "float32")
    by_hand = np.mean([np.log(1 + np.exp(-2.0)), np.log(1 + np.exp(-1.0))])
    assert float(losses.classification_loss(logits, [0, 1])) == pytest.approx(by_hand, rel=1e-6)


def test_a_saved_generator_is_a_plain_keras_model_called_with_noise_and_labels(tmp_path):
    gan = make("acgan")
    gan.generator.save(tmp_path / "generator.keras")
    loaded = keras.models.load_model(tmp_path / "generator.keras", safe_mode=True)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    labels = np.array([0, 4, 9], "int32")
    np.testing.assert_allclose(loaded([z, labels]), gan.generator([z, labels]), atol=1e-6)
    assert loaded([z, labels]).shape == (3, *SHAPE)


def test_bad_input_gets_one_clear_line(digits_and_labels):
    x, _ = digits_and_labels
    gan = make("projection")
    with pytest.raises(ValueError, match=r"expected batches of \(images, labels\)"):
        gan.fit(data.make_dataset(x, batch_size=32), epochs=1, verbose=0)
    g = conditional.conditional_generator(8, SHAPE, CLASSES, base_filters=8)
    d = conditional.projection_discriminator(SHAPE, CLASSES, base_filters=8)
    with pytest.raises(ValueError, match="pack: PacGAN's packs mix labels"):
        conditional.ConditionalGAN(g, d, CLASSES, pack=2)
    with pytest.raises(ValueError, match="class_weight"):
        conditional.ACGAN(
            g, conditional.acgan_discriminator(SHAPE, CLASSES, 8), CLASSES, class_weight=-1
        )


def test_a_resumed_conditional_run_ends_with_the_weights_of_an_uninterrupted_one(
    digits_and_labels, tmp_path
):
    from gankit import callbacks, checkpoints

    x, y = digits_and_labels

    def weights(gan):
        return [np.array(v) for v in gan.variables] + [
            np.array(v) for v in gan.d_optimizer.variables + gan.g_optimizer.variables
        ]

    # the uninterrupted run writes a checkpoint every epoch; the one after epoch 1 is kept aside
    # (a run stopped there would have written the same: the callbacks do not touch training)
    kept = tmp_path / "after_epoch_1"

    def keep_the_first(epoch, logs):
        if epoch == 0:
            shutil.copytree(tmp_path / "run", kept)

    keep_first = keras.callbacks.LambdaCallback(on_epoch_end=keep_the_first)
    straight = make("projection", ema=0.9)
    straight.fit(
        data.make_dataset(x, y, batch_size=32, seed=5),
        epochs=2,
        verbose=0,
        callbacks=[callbacks.Checkpoint(tmp_path / "run"), keep_first],
    )
    resumed = make("projection", seed=7, ema=0.9)  # other weights, other noise and label streams
    done = checkpoints.restore(resumed, kept)
    assert done == 1
    keras.utils.set_random_seed(0)
    resumed.fit(
        data.make_dataset(x, y, batch_size=32, seed=5, start_epoch=done),
        epochs=2,
        initial_epoch=done,
        verbose=0,
    )
    for a, b in zip(weights(straight), weights(resumed), strict=True):
        np.testing.assert_array_equal(a, b)


def test_class_grid_rows_are_classes_and_columns_share_noise():
    g = conditional.conditional_generator(8, SHAPE, CLASSES, base_filters=8)
    assert conditional.signature(g) == (8, CLASSES)
    grid = conditional.class_grid(g, per_class=3, seed=4)
    assert grid.shape == (3 * CLASSES, *SHAPE)
    z = np.random.default_rng(4).standard_normal((3, 8)).astype("float32")
    for k in (0, 7):  # row k: class k, the same three noise vectors as every other row
        expected = g([z, np.full(3, k, "int32")], training=False)
        np.testing.assert_allclose(grid[3 * k : 3 * k + 3], expected, atol=1e-6)
    assert not np.allclose(grid[0], grid[3])  # the label changes the drawing of one noise vector
    plain = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64)])
    assert conditional.signature(plain) is None
    with pytest.raises(ValueError, match=r"D: expected G\(noise\) or a conditional G"):
        conditional.signature(conditional.projection_discriminator(SHAPE, CLASSES, 8), what="D")
