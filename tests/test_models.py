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


@pytest.mark.parametrize("family", ["dcgan generator", "evaluator", "mlp discriminator"])
def test_predict_in_batches_graph_path_gives_the_eager_outputs(family):
    """Several batches run through one traced graph per model and row shape, a single batch
    eagerly: both give the same numbers (a BatchNorm generator, the evaluator's features), the
    graph is traced once however many calls and batch counts follow, and it does not keep its
    model alive."""
    import gc
    import weakref

    import keras

    from gankit.evaluator import load_evaluator

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    if family == "dcgan generator":
        model, x = (
            models.dcgan_generator(16, (28, 28, 1), base_filters=8),
            rng.normal(size=(70, 16)),
        )
    elif family == "evaluator":
        model, x = load_evaluator().feature_model, rng.uniform(-1, 1, (70, 28, 28, 1))
    else:
        model, x = models.mlp_discriminator((5,), (8,)), rng.normal(size=(70, 5))
    x = x.astype("float32")
    eager = np.concatenate(
        [np.asarray(model(x[i : i + 16], training=False)) for i in range(0, 70, 16)]
    )
    graph = models.predict_in_batches(model, x, batch_size=16)  # 5 batches: the graph path
    single = models.predict_in_batches(model, x[:16], batch_size=16)  # one batch: eager
    np.testing.assert_allclose(graph, eager, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(single, eager[:16])
    (fn,) = models._INFERENCE_GRAPHS[model].values()
    models.predict_in_batches(model, x[:40], batch_size=8)  # other sizes, same graph
    models.predict_in_batches(model, x, batch_size=32)
    assert fn.experimental_get_tracing_count() == 1
    cells = [c.cell_contents for c in fn.python_function.__closure__]
    assert not any(c is model for c in cells), "the graph's function holds its model strongly"
    # and the model goes away with its last reference (checked where a model that never went
    # through the graph path goes away too: some earlier tests in a shared worker leave models
    # referenced from elsewhere)
    if family == "evaluator":
        control = load_evaluator().feature_model
    else:
        control = type(model).from_config(model.get_config())
    models.predict_in_batches(control, x[:16], batch_size=16)  # the eager path only
    refs = [weakref.ref(model), weakref.ref(control)]
    del model, fn, control
    gc.collect()
    if refs[1]() is None:
        assert refs[0]() is None, "the cached graph keeps its model alive"
