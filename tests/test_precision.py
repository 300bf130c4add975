"""Mixed precision in the recipes and ``train --precision`` (issue 15: "keep jit_compile and mixed
precision switchable in the recipe").

Layers compute in 16 bits and keep float32 weights; each network's last layer stays float32, so
logits, losses and samples are float32. float16 needs loss scaling: the recipes wrap both
optimizers in ``keras.optimizers.LossScaleOptimizer`` and the trainers scale each loss inside the
gradient tape. These tests run on the CPU, where 16-bit compute is no faster (README); what they
pin is that training under each policy works, under XLA, and that the scaling really happens.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import cli, conditional, data, gans, models, recipes

MIXED = ["mixed_bfloat16", "mixed_float16"]


@pytest.fixture(scope="module")
def digits_and_labels():
    x, y = data.load_digits("train")
    return x[:96], y[:96]


def _fit(gan, x, y=None):
    return gan.fit(data.make_dataset(x, y, batch_size=32, seed=0), epochs=2, verbose=0).history


# each policy once, each recipe once (the MLP recipe in bfloat16 through the command line below):
# an XLA compile costs several seconds per trainer
@pytest.mark.parametrize(
    ("recipe", "policy"), [("dcgan", "mixed_float16"), ("cgan", "mixed_bfloat16")]
)
def test_the_recipes_train_under_xla_in_16_bits_with_float32_weights_and_samples(
    recipe, policy, digits_and_labels
):
    x, y = digits_and_labels
    options = {"n_classes": 10} if recipe == "cgan" else {}
    keras.utils.set_random_seed(0)
    gan, cfg = recipes.RECIPES[recipe](x.shape[1:], precision=policy, **options)
    assert cfg["precision"] == policy and gan.jit_compile
    assert keras.config.dtype_policy().name == "float32", "the global policy was not restored"
    hidden = [layer for layer in gan.generator.layers if layer.weights][0]
    assert hidden.compute_dtype == policy.removeprefix("mixed_")  # 16-bit compute ...
    assert all(w.dtype == "float32" for w in gan.trainable_weights)  # ... float32 weights
    scaled = policy == "mixed_float16"
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled
    before = [w.copy() for w in gan.get_weights()]
    history = _fit(gan, x, y if recipe == "cgan" else None)
    assert set(history) == set(gan.tracked())
    for name, values in history.items():
        assert np.all(np.isfinite(values)), (name, values)
    moved = [not np.array_equal(a, b) for a, b in zip(before, gan.get_weights(), strict=True)]
    assert sum(moved) > len(moved) // 2, "most weights should have moved"
    samples = gan.generate(16, seed=1)
    assert samples.dtype == np.float32 and np.all(np.abs(samples) <= 1.0)


def test_an_unknown_precision_is_refused_before_anything_is_built():
    with pytest.raises(ValueError, match="precision: expected one of float32, mixed_bfloat16"):
        recipes.dcgan((8, 8, 1), precision="float16")
    assert keras.config.dtype_policy().name == "float32"


def _one_sgd_step(policy, x):
    """D's and G's weight changes after one step with SGD (whose step is proportional to the
    gradient, unlike Adam's): float32 against a 16-bit policy from the same weights and noise."""
    keras.utils.set_random_seed(0)
    with recipes.precision("float32"):
        g, d = models.mlp_generator(8, (8, 8, 1), (32,)), models.mlp_discriminator((8, 8, 1), (32,))
    start = [w.copy() for w in g.get_weights()], [w.copy() for w in d.get_weights()]
    with recipes.precision(policy):
        g16 = models.mlp_generator(8, (8, 8, 1), (32,))
        d16 = models.mlp_discriminator((8, 8, 1), (32,))
    g16.set_weights(start[0])
    d16.set_weights(start[1])
    gan = gans.GAN(g16, d16, seed=0)
    optimizers = [keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)]
    if policy == "mixed_float16":
        optimizers = [keras.optimizers.LossScaleOptimizer(o) for o in optimizers]
    gan.compile(*optimizers)
    gan.train_step(tf.constant(x[:32]))
    return [a - b for a, b in zip(gan.get_weights(), [*start[0], *start[1]], strict=True)]


def test_float16_scales_the_loss_so_small_gradients_survive(digits_and_labels):
    """Each SGD step under mixed_float16 matches float32's within 16-bit rounding. The loss
    scaling is what makes it so: without it (the loss not scaled inside the tape, or not at all)
    LossScaleOptimizer divides unscaled gradients by its scale of 2**15 and the steps shrink
    32,768-fold, or the gradients are missing and training stops with an error."""
    x = digits_and_labels[0]
    reference = _one_sgd_step("float32", x)
    for policy in MIXED:
        steps = _one_sgd_step(policy, x)
        for i, (a, b) in enumerate(zip(reference, steps, strict=True)):
            scale = np.abs(a).max()
            assert scale > 0, f"weight {i} did not move in float32"
            # bfloat16 keeps 8 bits of mantissa: about 1 % per product, more after sums
            np.testing.assert_allclose(b, a, atol=0.1 * scale, err_msg=f"{policy}: weight {i}")
        ratio = np.abs(steps[0]).sum() / np.abs(reference[0]).sum()
        assert 0.8 < ratio < 1.25, f"{policy}: the steps are {ratio:.3g} of float32's"


def test_restart_puts_the_loss_scale_back(digits_and_labels):
    x = digits_and_labels[0]
    gan, cfg = recipes.dcgan(
        (8, 8, 1), precision="mixed_float16", steps_per_execution=1, jit_compile=False
    )
    assert not gan.jit_compile and not cfg["jit_compile"]  # XLA is switchable too
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    gan.g_optimizer.build(gan.generator.trainable_variables)
    gan.d_optimizer.dynamic_scale.assign(4.0)  # as after many overflowing steps
    fresh = recipes.dcgan((8, 8, 1), precision="mixed_float16")[0]  # builds under the policy
    gan.restart(fresh.generator, fresh.discriminator)
    assert float(gan.d_optimizer.dynamic_scale.numpy()) == gan.d_optimizer.initial_scale
    assert int(gan.d_optimizer.iterations.numpy()) == 0
    assert np.all(np.isfinite(_fit(gan, x)["d_loss"]))


def test_a_saved_16_bit_generator_reloads_and_samples_in_float32(tmp_path):
    with recipes.precision("mixed_bfloat16"):
        g = conditional.conditional_generator(8, (8, 8, 1), 3, base_filters=8)
    g.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras", safe_mode=True)
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    out = loaded.predict([z, np.arange(4) % 3], verbose=0)
    assert out.dtype == np.float32
    inner = [layer for layer in loaded.layers if isinstance(layer, keras.Model)][0]
    assert inner.layers[1].compute_dtype == "bfloat16"
    np.testing.assert_array_equal(out, g.predict([z, np.arange(4) % 3], verbose=0))


def test_train_precision_from_the_command_line_and_resume_only_with_the_same(tmp_path, capsys):
    out = tmp_path / "run"
    run = [
        "train",
        "mlp",
        "--dataset",
        "digits",
        "--precision",
        "mixed_bfloat16",
        "--out",
        str(out),
    ]
    assert cli.main([*run, "--epochs", "1"]) == 0
    said = capsys.readouterr().out
    assert "precision mixed_bfloat16: the layers compute in 16 bits" in said
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["precision"] == "mixed_bfloat16"
    g = keras.models.load_model(out / "generator.keras", safe_mode=True)
    assert g.layers[1].compute_dtype == "bfloat16" and g.output.dtype == "float32"
    # resuming in another precision would not continue the same run: refused in one line
    other = [a if a != "mixed_bfloat16" else "float32" for a in run]
    assert cli.main([*other, "--epochs", "2", "--resume"]) == 2
    err = capsys.readouterr().err
    assert (
        "made with precision 'mixed_bfloat16', not 'float32'" in err and len(err.splitlines()) == 1
    )
    assert cli.main([*run, "--epochs", "2", "--resume"]) == 0
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2
