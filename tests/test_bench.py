"""The benchmark (``python -m gankit bench``, gankit/bench/): the hand FLOP counter against hand
numbers, the keras.io reference re-implemented layer for layer, its train_step, a smoke run that
writes every key, and the README block generated from a bench.json."""

import json
import os
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers
from project_tools import load_tool

from gankit import bench

ROOT = Path(__file__).resolve().parent.parent


def test_flops_of_a_tiny_model_by_hand():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, strides=2, padding="same"),  # 8x8x3 -> 4x4x4
            layers.Conv2DTranspose(2, 4, strides=2, padding="same"),  # 4x4x4 -> 8x8x2
            layers.Flatten(),
            layers.Dense(5),  # 128 -> 5
        ]
    )
    conv = 2 * 3 * 3 * 3 * 4 * 4 * 4  # 2 k^2 cin cout Hout Wout = 3,456
    transposed = 2 * 4 * 4 * 4 * 2 * 4 * 4  # 2 k^2 cin cout Hin Win = 4,096
    dense = 2 * 128 * 5  # 1,280
    assert bench.forward_flops(model) == conv + transposed + dense == 8832
    g = keras.Sequential([keras.Input((3,)), layers.Dense(7)])  # 42
    d = keras.Sequential([keras.Input((7,)), layers.Dense(2), layers.Dense(1)])  # 28 + 4
    assert bench.train_step_flops(g, d) == 4 * 42 + 9 * 32


def test_reference_networks_are_the_examples():
    d, g = bench.reference_discriminator(), bench.reference_generator()
    assert [type(layer).__name__ for layer in d.layers] == [
        "Conv2D", "LeakyReLU", "Conv2D", "LeakyReLU", "GlobalMaxPooling2D", "Dense",
    ]  # fmt: skip
    assert [type(layer).__name__ for layer in g.layers] == [
        "Dense", "LeakyReLU", "Reshape", "Conv2DTranspose", "LeakyReLU", "Conv2DTranspose",
        "LeakyReLU", "Conv2D",
    ]  # fmt: skip
    # the example's summaries: 640 + 73,856 + 129 and 809,088 + 2 * 262,272 + 6,273
    assert d.count_params() == 74_625
    assert g.count_params() == 1_339_905
    assert g.output_shape == (None, 28, 28, 1) and g.layers[-1].activation.__name__ == "sigmoid"
    assert bench.reference_generator("tanh").layers[-1].activation.__name__ == "tanh"
    assert all(layer.negative_slope == 0.2 for layer in g.layers if "LeakyReLU" in str(layer))
    # forward FLOPs by hand: 2*128*6272 + 2 * 2*16*128*128*(7*7, 14*14) + 2*49*128*784
    assert bench.forward_flops(g) == 1_605_632 + 25_690_112 + 102_760_448 + 9_834_496
    assert bench.forward_flops(d) == 225_792 + 7_225_344 + 256


def test_reference_train_step_moves_both_networks():
    keras.utils.set_random_seed(0)
    gan = bench.reference_gan(seed=0)
    assert not gan.jit_compile  # Keras' defaults on a CPU-only machine: no XLA
    before_d = [w.copy() for w in gan.discriminator.get_weights()]
    before_g = [w.copy() for w in gan.generator.get_weights()]
    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    ds = bench.reference_dataset(x, seed=0)
    batch = next(iter(ds))
    assert batch.shape == (64, 28, 28, 1) and float(np.min(batch)) >= 0.0  # in [0, 1]
    gan.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)
    for before, net in ((before_d, gan.discriminator), (before_g, gan.generator)):
        after = net.get_weights()
        assert all(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_machine_peak_states_its_assumption():
    peak = bench.machine_peak()
    assert peak["cores"] >= 1 and peak["flop_per_cycle"] in (16, 32, 64)
    if peak["ghz"]:
        assert peak["peak_gflops"] == pytest.approx(
            peak["cores"] * peak["ghz"] * peak["flop_per_cycle"], abs=0.1
        )
    assert "FLOP/cycle" in peak["peak_assumption"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One tiny run (128 images, 64 FID samples, one chunk of one or two steps per phase, no XLA,
    one step per call): (result, folder, printed lines)."""
    from gankit import recipes

    out, lines = tmp_path_factory.mktemp("bench"), []
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(recipes.DCGAN_DEFAULTS, "steps_per_execution", 1)
        result = bench.run(
            minutes=0.01,
            out=out,
            n_images=128,
            fid_samples=64,
            eval_images=64,
            throughput_seconds=0.1,
            xla=False,
            log=lines.append,
        )
    return result, out, lines


def test_smoke_run_writes_every_key(smoke):
    result, tmp_path, lines = smoke
    written = json.loads((tmp_path / "bench.json").read_text())
    assert written == json.loads(json.dumps(result))
    assert {"date", "machine", "settings", "flops_formula", "same_architecture"} < set(written)
    assert {"cpu", "cores", "peak_gflops", "peak_assumption", "tensorflow", "keras"} <= set(
        written["machine"]
    )
    same, quality = written["same_architecture"], written["time_to_quality"]
    per_trainer = {
        "images_per_second", "gflops", "peak_fraction", "peak_rss_mib", "flops_per_image",
        "warmup_seconds", "batch_size", "jit_compile", "steps_per_execution",
    }  # fmt: skip
    for name in ("reference", "gankit"):
        assert per_trainer <= set(same[name])
        assert per_trainer | {
            "seconds_to_fid", "seconds_to_fid_after_warmup", "final_fid", "best_fid",
            "evaluations", "train_seconds", "eval_seconds", "config",
        } <= set(quality[name])  # fmt: skip
        assert set(quality[name]["seconds_to_fid"]) == {"30", "15", "10", "5"}
        assert quality[name]["evaluations"] and quality[name]["images_per_second"] > 0
    assert same["reference"]["batch_size"] == 64 and not same["reference"]["jit_compile"]
    # the tests run with TF_ENABLE_ONEDNN_OPTS=0 (conftest): the file says the kernels were off
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        assert written["machine"]["onednn"] is False
    assert {"ratio_images_per_second"} <= set(same)
    assert {"reference_final_fid", "times_sooner", "times_sooner_after_warmup", "ratios"} <= set(
        quality
    )
    assert "| gankit / reference |" in (tmp_path / "bench.md").read_text()
    assert any("FID" in line and "chunk" in line for line in lines)  # a line per evaluation


def _tool():
    return load_tool("bench_table")


def test_readme_bench_blocks_are_generated():
    tool = _tool()
    readme = (ROOT / "README.md").read_text()
    blocks = (
        (tool.MAIN, ""),
        (tool.ONEDNN, " --onednn"),
        (tool.XEON, " --xeon"),
        (tool.XEON_ONEDNN, " --xeon-onednn"),
    )
    for block, flag in blocks:
        assert tool.update(readme, tool.load(None, block), block) == readme, (
            f"README.md's benchmark block is stale: run python tools/bench_table.py{flag}"
        )


def test_bench_table_renders_a_result(smoke):
    tool = _tool()
    result = json.loads((smoke[1] / "bench.json").read_text())
    block = tool.render(result)
    assert block.startswith(tool.START) and block.endswith(tool.END)
    assert "| seconds of training to FID ≤ 5 |" in block and "× sooner" in block
    assert tool.update(f"a\n{tool.START}\nold\n{tool.END}\nb", result).startswith("a\n")
    with pytest.raises(ValueError, match="one <!-- bench:start -->"):
        tool.update("no markers", result)
    # the oneDNN block: its own markers, and the caption says which kernels ran
    assert "TensorFlow's oneDNN kernels " in block
    other = tool.render(result, tool.ONEDNN)
    assert other.startswith("<!-- bench-onednn:start -->") and "TF_ENABLE_ONEDNN_OPTS=1" in other
    readme = f"{tool.START}\nold\n{tool.END}\n{tool.ONEDNN['start']}\nold\n{tool.ONEDNN['end']}"
    assert tool.update(readme, result, tool.ONEDNN).startswith(f"{tool.START}\nold\n")
    # the Intel Xeon host's block: its own markers, and its caption names that host
    xeon = tool.render(result, tool.XEON)
    assert xeon.startswith("<!-- bench-xeon:start -->") and "Intel Xeon host" in xeon
    readme += f"\n{tool.XEON['start']}\nold\n{tool.XEON['end']}"
    old_xeon = f"{tool.XEON['start']}\nold\n{tool.XEON['end']}"
    assert tool.update(readme, result, tool.XEON) == readme.replace(old_xeon, xeon)
    # the Xeon host under oneDNN: its own markers, not mistaken for the Xeon block's or oneDNN's
    both = tool.render(result, tool.XEON_ONEDNN)
    assert both.startswith("<!-- bench-xeon-onednn:start -->")
    assert "Intel Xeon host under TensorFlow's default oneDNN" in both
    readme += f"\n{tool.XEON_ONEDNN['start']}\nold\n{tool.XEON_ONEDNN['end']}"
    old_both = f"{tool.XEON_ONEDNN['start']}\nold\n{tool.XEON_ONEDNN['end']}"
    assert tool.update(readme, result, tool.XEON_ONEDNN) == readme.replace(old_both, both)
    assert tool.update(readme, result, tool.XEON).count(old_both) == 1


def test_time_to_quality_hands_its_training_clock_to_extra_callbacks():
    """benchmarks/recipe_time_to_quality.py's schedules read the clock that excludes evaluation
    time: ``extra(clock)`` callbacks run in the same ``fit``, and ``elapsed()`` grows with it."""
    from gankit.bench import runner

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 2), "float32")
    ds = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(4).repeat()
    trainer = runner._Trainer("stub", model, ds, 4, 4, 10, lambda n, s: np.zeros((n, 1)))
    seen = []

    class Spy(keras.callbacks.Callback):
        def __init__(self, clock):
            super().__init__()
            self.clock = clock

        def on_train_batch_end(self, batch, logs=None):
            seen.append(self.clock.elapsed())

    class Evaluator:
        def fid(self, samples, real):
            return 1.0

    result = runner._time_to_quality(
        trainer, x, 0.02, 8, 4, 0, None, Evaluator(), lambda line: None, extra=lambda c: [Spy(c)]
    )
    assert len(seen) == result["images"] // 4 >= 2  # every step of every chunk
    assert seen == sorted(seen)
    assert 0 < seen[-1] <= result["train_seconds"] + 0.005  # train_seconds is rounded to 0.01


@pytest.mark.parametrize(
    "kind, done, factor",
    [("linear", 0.25, 1.0), ("linear", 0.75, 0.5), ("linear", 1.0, 0.02), ("cosine", 0.75, 0.5)],
)
def test_the_recipe_experiments_learning_rate_schedule(kind, done, factor):
    script = load_tool("recipe_time_to_quality", folder="benchmarks")

    class Clock:
        def elapsed(self):
            return done * 60.0

    class Model:
        g_optimizer = keras.optimizers.Adam(1e-3)
        d_optimizer = keras.optimizers.Adam(5e-4)

    anneal = script.Anneal(Clock(), 60.0, kind, 0.5)
    anneal.set_model(Model())
    anneal.on_train_begin()
    anneal.on_train_batch_begin(0)
    assert float(Model.g_optimizer.learning_rate) == pytest.approx(1e-3 * factor, rel=1e-5)
    assert float(Model.d_optimizer.learning_rate) == pytest.approx(5e-4 * factor, rel=1e-5)
