import numpy as np
import pytest

from gankit import models


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_dcgan_generator_and_discriminator_fit_any_small_square_size(shape):
    g = models.dcgan_generator(16, shape, base_filters=8)
    d = models.dcgan_discriminator(shape, base_filters=8)
    z = np.random.default_rng(0).standard_normal((3, 16)).astype("float32")
    images = g.predict(z, verbose=0)
    assert images.shape == (3, *shape)
    assert images.min() >= -1 and images.max() <= 1, "tanh output must lie in [-1, 1]"
    assert d.predict(images, verbose=0).shape == (3, 1)


def test_mlp_builders_for_points_and_images():
    g = models.mlp_generator(2, (2,), hidden=(16,), tanh=False)
    d = models.mlp_discriminator((2,), hidden=(16,))
    pts = g.predict(np.ones((5, 2), "float32"), verbose=0)
    assert pts.shape == (5, 2) and d.predict(pts, verbose=0).shape == (5, 1)
    gi = models.mlp_generator(8, (28, 28, 1), hidden=(32,))
    assert gi.output_shape == (None, 28, 28, 1)


def test_builders_reject_impossible_shapes():
    with pytest.raises(ValueError, match="cannot be reached by doubling"):
        models.dcgan_generator(8, (25, 25, 1))
    with pytest.raises(ValueError, match="square"):
        models.dcgan_generator(8, (28, 32, 1))
    with pytest.raises(ValueError, match="image_shape"):
        models.dcgan_discriminator((28, 28))


@pytest.mark.parametrize(
    "side, sides",
    [(8, [4]), (14, [7, 4]), (28, [14, 7, 4]), (32, [16, 8, 4]), (64, [32, 16, 8, 4])],
)
def test_dcgan_discriminator_downsamples_to_four_pixels(side, sides):
    # Notebook 03 measured it: stopping at 7x7 for 28x28 digits (two layers) stalled near FID 14.
    d = models.dcgan_discriminator((side, side, 1), base_filters=8)
    convs = [layer for layer in d.layers if layer.__class__.__name__ == "Conv2D"]
    assert [c.output.shape[1] for c in convs] == sides
    assert [c.filters for c in convs] == [8 * 2**i for i in range(len(sides))]


def test_restart_trains_a_compiled_model_exactly_as_a_new_one():
    """models.restart: a compiled classifier put back at a fresh start trains to the same weights
    as a newly built and compiled one, without tracing its training function again."""
    import keras

    from gankit import models

    def build(seed):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
        )
        model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
        return model

    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    reused = build(0)
    reused.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    function = reused.train_function
    models.restart(reused, build(1))
    reused.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    new = build(1)
    new.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    assert reused.train_function is function
    for a, b in zip(reused.get_weights(), new.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match="fresh: expected a network of the model's architecture"):
        models.restart(reused, keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="needs a compiled model"):
        models.restart(
            keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]),
            keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]),
        )
