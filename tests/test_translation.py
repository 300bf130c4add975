"""Image-to-image translation (gankit.pix2pix, gankit.cyclegan): shapes, the losses' bookkeeping,
a pool of past fakes that behaves as the paper's, both trainers under XLA, and a task each learns."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import cyclegan, data, pix2pix

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def digits():
    x, _ = data.load_digits("train")
    return x[:256]


def compiled_pix2pix(l1_weight=100.0, seed=0):
    keras.utils.set_random_seed(seed)
    model = pix2pix.Pix2Pix(
        pix2pix.unet_generator(SHAPE, 1, base_filters=8),
        pix2pix.patch_discriminator(SHAPE, source_shape=SHAPE, base_filters=8),
        l1_weight=l1_weight,
    )
    model.compile(
        keras.optimizers.Adam(2e-3, 0.5),
        keras.optimizers.Adam(2e-3, 0.5),
        jit_compile=True,
        steps_per_execution=4,
    )
    return model


def test_networks_have_the_documented_shapes():
    g = pix2pix.unet_generator((28, 28, 1), 3, base_filters=4, depth=2)
    assert g.output_shape == (None, 28, 28, 3)
    out = np.asarray(g(np.random.default_rng(0).normal(size=(2, 28, 28, 1)).astype("float32")))
    assert np.abs(out).max() <= 1.0
    conditional = pix2pix.patch_discriminator((28, 28, 3), source_shape=(28, 28, 1), base_filters=4)
    assert conditional.output_shape == (None, 7, 7, 1) and len(conditional.inputs) == 2
    plain = pix2pix.patch_discriminator((32, 32, 3), base_filters=4, depth=3)
    assert plain.output_shape == (None, 4, 4, 1) and len(plain.inputs) == 1
    norms = [layer for layer in g.layers if isinstance(layer, keras.layers.GroupNormalization)]
    # instance normalisation: as many groups as channels (groups=-1 becomes the channel count)
    assert norms and all(layer.groups == layer.gamma.shape[0] for layer in norms)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: pix2pix.unet_generator((28, 28, 1), 1, depth=3), r"divisible by 2\*\*depth = 8"),
        (lambda: pix2pix.unet_generator((28, 28), 1), r"input_shape: expected an image shape"),
        (
            lambda: pix2pix.patch_discriminator((8, 8, 1), source_shape=(16, 16, 1)),
            r"expected the same height and width",
        ),
        (lambda: pix2pix.Pix2Pix(None, None), r"expected two keras.Model"),
    ],
)
def test_bad_networks_get_one_clear_line(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_pix2pix_trains_under_xla_and_its_loss_is_adversarial_plus_weighted_l1(digits):
    model = compiled_pix2pix(l1_weight=7.0)
    source, target = digits, -digits  # the task: invert the digit
    history = model.fit(
        data.make_dataset(source, target, batch_size=32, seed=0), epochs=1, verbose=0
    ).history
    assert set(history) == {"d_loss", "g_loss", "g_adv", "l1"}
    (g_loss,), (g_adv,), (l1,) = history["g_loss"], history["g_adv"], history["l1"]
    assert g_loss == pytest.approx(g_adv + 7.0 * l1, rel=1e-4)
    with pytest.raises(ValueError, match=r"expected batches of \(source, target\)"):
        model.fit(data.make_dataset(source, batch_size=32), epochs=1, verbose=0)


def test_pix2pix_learns_a_paired_task(digits):
    model = compiled_pix2pix()
    source, target = digits, -digits
    before = float(np.abs(model.translate(source) - target).mean())
    model.fit(data.make_dataset(source, target, batch_size=32, seed=0), epochs=6, verbose=0)
    after = float(np.abs(model.translate(source) - target).mean())
    # an untrained U-Net is about 0.9 off on average; trained, a small fraction of that
    assert after < 0.3 * before, (before, after)


def test_the_pool_returns_fakes_while_it_fills_then_swaps_about_half():
    keras.utils.set_random_seed(0)
    pool = cyclegan.ImagePool(8, (2, 2, 1), seed=3)
    step = tf.function(pool.__call__, jit_compile=True)
    first = np.arange(8, dtype="float32")[:, None, None, None] * np.ones((8, 2, 2, 1), "float32")
    np.testing.assert_array_equal(step(first), first)  # filling: the fakes themselves
    assert int(pool.count) == 8
    np.testing.assert_array_equal(np.asarray(pool.images)[:8], first)
    swapped = 0
    for k in range(20):
        batch = np.full((10, 2, 2, 1), 100.0 + k, "float32")
        stored_before = set(np.asarray(pool.images)[:8, 0, 0, 0])
        out = np.asarray(step(batch))[:, 0, 0, 0]
        new = out == 100.0 + k
        # every image is either itself or one that was in the pool before this call
        assert all(v in stored_before for v in out[~new])
        swapped += int((~new).sum())
        # what was swapped out is replaced by the new image
        assert (np.asarray(pool.images)[:8, 0, 0, 0] == 100.0 + k).sum() >= 1 or not (~new).any()
    assert 0.35 < swapped / 200 < 0.65, swapped  # each image swapped with probability 1/2
    assert int(pool.count) == 8


def test_cyclegan_trains_under_xla_and_learns_to_cycle(digits):
    keras.utils.set_random_seed(0)

    def g():
        return pix2pix.unet_generator(SHAPE, 1, base_filters=8)

    def d():
        return pix2pix.patch_discriminator(SHAPE, base_filters=8)

    model = cyclegan.CycleGAN(g(), g(), d(), d(), pool_size=16, seed=0)
    assert model.identity_weight == 5.0  # 0.5 lambda by default
    model.compile(
        keras.optimizers.Adam(2e-3, 0.5),
        keras.optimizers.Adam(2e-3, 0.5),
        jit_compile=True,
        steps_per_execution=4,
    )
    order = np.random.default_rng(1).permutation(len(digits))
    domains = tf.data.Dataset.zip(
        (
            data.make_dataset(digits, batch_size=32, seed=0),
            data.make_dataset(
                -digits[order], batch_size=32, seed=1
            ),  # unpaired: inverted, shuffled
        )
    )
    history = model.fit(domains, epochs=5, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "g_adv", "cycle", "identity"}
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["cycle"][-1] < 0.6 * history["cycle"][0], history["cycle"]
    assert model.translate(digits[:4]).shape == (4, *SHAPE)


def test_cyclegan_bad_input_gets_one_clear_line():
    g1 = pix2pix.unet_generator(SHAPE, 3, base_filters=4)
    g3 = pix2pix.unet_generator((8, 8, 3), 1, base_filters=4)
    d1, d3 = (
        pix2pix.patch_discriminator(SHAPE, base_filters=4),
        pix2pix.patch_discriminator((8, 8, 3), base_filters=4),
    )
    with pytest.raises(ValueError, match="no identity mapping; pass identity_weight=0"):
        cyclegan.CycleGAN(g1, g3, d1, d3)
    cyclegan.CycleGAN(g1, g3, d1, d3, identity_weight=0)  # grey <-> colour without identity
    with pytest.raises(ValueError, match=r"g_ab, g_ba: expected A"):
        cyclegan.CycleGAN(g1, g1, d1, d3, identity_weight=0)
    with pytest.raises(ValueError, match=r"direction: expected 'ab' or 'ba'"):
        cyclegan.CycleGAN(g1, g3, d1, d3, identity_weight=0).translate(np.zeros((1, *SHAPE)), "x")


def test_paired_datasets_yield_source_and_target_and_refuse_a_length_mismatch(digits):
    source, target = digits[:64], -digits[:64]
    a, b = next(iter(data.make_dataset(source, target, batch_size=16, shuffle=False)))
    np.testing.assert_array_equal(np.asarray(b), -np.asarray(a))  # pairs stay together
    with pytest.raises(ValueError, match=r"y: expected 64 target images \(one per x\), got 63"):
        data.make_dataset(source, target[:63], batch_size=16)
