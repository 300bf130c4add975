"""The benchmark behind ``python -m gankit bench``: gankit against the keras.io DCGAN, side by side.

Two trainers run on the same data, machine and process:

* **the reference**: a faithful Keras 3 re-implementation of the keras.io example "GAN overriding
  ``Model.train_step``" (fchollet, ``examples/generative/dcgan_overriding_train_step.py`` of
  keras-team/keras-io, the 2020 MNIST revision). Its numbers are used here, not the issue's
  shorthand ("128->64->32-style generator, Adam 2e-4 / beta_1 0.5, batch 64"): the real example
  has a Dense(7*7*128) -> two 128-filter Conv2DTranspose(4, stride 2) -> Conv2D(1, 7, sigmoid)
  generator with LeakyReLU(0.2), a Conv2D(64, 3, s2) -> Conv2D(128, 3, s2) -> GlobalMaxPooling ->
  Dense(1) discriminator, a 128-d latent, images in [0, 1], batch 64 from
  ``shuffle(1024).batch(64).prefetch(32)``, and Adam(3e-4) with Keras' other defaults for both
  networks. Its ``train_step`` labels fakes 1 and reals 0 (plus 0.05 uniform label noise), takes
  one D step on the concatenated batch, then one G step with fresh noise and "misleading" zero
  labels, binary cross-entropy from logits. It is compiled with Keras' defaults, which leave XLA
  off on a CPU-only machine and run one step per call. The one liberty: noise comes from a
  ``keras.random.SeedGenerator`` (the example used ``tf.random.normal``), for reproducibility.
* **gankit**: the default DCGAN recipe, :func:`gankit.recipes.dcgan`, as ``python -m gankit train
  dcgan`` trains it (whatever the recipe is on the day the benchmark runs).

Both train on the kit's MNIST training split (:func:`gankit.data.load_mnist`, 4,000 images; the
reference gets them rescaled to [0, 1], as it expects) and both are judged by the kit's evaluator:
FID of ``fid_samples`` generated images (the reference's rescaled to [-1, 1]) against the training
images, as the CLI computes it.

What is measured (:func:`run`):

1. **Same architecture**: the reference's networks trained by the reference's own ``train_step``
   and pipeline, and by gankit's machinery (:class:`gankit.gans.GAN` around the same D and the same
   G with a tanh output instead of sigmoid, as gankit's images are in [-1, 1]; XLA,
   ``steps_per_execution`` as in the recipe, :func:`gankit.data.make_dataset`'s cache and prefetch;
   Adam(3e-4) and batch 64 as in the reference). Images per second after a warm-up chunk
   (tracing, XLA compilation), whose seconds are reported separately.
2. **Time to quality**: each trainer trains in chunks of about ``eval_images`` images; after each
   chunk the FID is computed (outside the clock, its time reported separately) and one line is
   printed. Recorded: training seconds (warm-up included: a user waits for it too) to first reach
   FID <= 30, 15, 10, 5 (``None`` if never), the final and the best FID, and how many seconds
   gankit needed to reach the FID the reference ended at ("times sooner").
3. For each trainer: images per second, the process's peak resident memory during its phase
   (``VmRSS`` sampled in a thread; the process already holds TensorFlow and the earlier phases, so
   compare the peaks, not their absolute size), achieved GFLOP/s (:func:`train_step_flops` per
   image times images per second) against the machine's peak (:func:`machine_peak`), and the
   ratios gankit / reference.

FLOPs are counted by hand from the layer shapes (:func:`forward_flops`): Dense ``2 * in * out``,
Conv2D ``2 * k_h * k_w * c_in * c_out * H_out * W_out``, Conv2DTranspose ``2 * k_h * k_w * c_in *
c_out * H_in * W_in``, per image; biases, activations, normalisation, pooling and the optimizer
are left out (element-wise, small next to the convolutions). A train step, per real image, is
``4 * F_G + 9 * F_D`` (:func:`train_step_flops`): D's step runs G forward once (``F_G``, outside
the tape) and D forward and backward on a real and a fake image (``2 * 3 * F_D``, backward
counted as twice the forward); G's step runs G and D forward and backward (``3 * F_G + 3 * F_D``).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import threading
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# ---------------------------------------------------------------------------------------------
# The reference: keras.io's "GAN overriding Model.train_step" (2020, MNIST), in Keras 3
# ---------------------------------------------------------------------------------------------

REFERENCE = {
    "latent_dim": 128,
    "batch_size": 64,
    "learning_rate": 3e-4,  # Adam, Keras' defaults otherwise (beta_1 0.9, beta_2 0.999)
    "shuffle_buffer": 1024,
    "prefetch": 32,
    "label_noise": 0.05,
}


def reference_discriminator():
    """The example's discriminator: 28x28x1 images in [0, 1] -> one logit (74,625 weights)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def reference_generator(output_activation="sigmoid"):
    """The example's generator: 128-d noise -> 28x28x1 images (1,339,905 weights). Its images are
    in [0, 1] (sigmoid); ``output_activation="tanh"`` gives the same network for [-1, 1] data."""
    return keras.Sequential(
        [
            keras.Input((REFERENCE["latent_dim"],)),
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation=output_activation),
        ],
        name="generator",
    )


class ReferenceGAN(keras.Model):
    """The example's ``GAN(keras.Model)``, with its ``train_step`` (labels: fake 1, real 0)."""

    def __init__(self, discriminator, generator, latent_dim, seed=None):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        # Sample random points in the latent space
        batch_size = keras.ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)
        # Combine them with real images
        combined_images = keras.ops.concatenate([generated_images, real_images], axis=0)
        # Assemble labels discriminating real from fake images
        labels = keras.ops.concatenate(
            [keras.ops.ones((batch_size, 1)), keras.ops.zeros((batch_size, 1))], axis=0
        )
        # Add random noise to the labels - important trick!
        labels += REFERENCE["label_noise"] * keras.random.uniform(
            keras.ops.shape(labels), seed=self.seed_generator
        )
        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True)
        )
        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Assemble labels that say "all real images"
        misleading_labels = keras.ops.zeros((batch_size, 1))
        # Train the generator (note that we should *not* update the weights of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))
        return {"d_loss": d_loss, "g_loss": g_loss}


def reference_gan(seed=0):
    """The example's GAN, compiled as the example does (Keras' defaults: no XLA on a CPU)."""
    gan = ReferenceGAN(
        reference_discriminator(), reference_generator(), REFERENCE["latent_dim"], seed=seed
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        g_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


def reference_dataset(x, seed=0):
    """The example's pipeline over images ``x`` in [-1, 1] (rescaled to [0, 1] for it):
    ``shuffle(1024).batch(64).prefetch(32)``, repeated so training can be cut into chunks."""
    x01 = ((np.asarray(x, "float32") + 1.0) / 2.0).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(x01)
    ds = ds.shuffle(buffer_size=REFERENCE["shuffle_buffer"], seed=seed)
    return ds.batch(REFERENCE["batch_size"]).prefetch(REFERENCE["prefetch"]).repeat()


def reference_samples(gan, n, seed):
    """``n`` images from the reference's generator, rescaled from [0, 1] to [-1, 1]."""
    from gankit.models import predict_in_batches

    z = np.random.default_rng(seed).standard_normal((n, gan.latent_dim)).astype("float32")
    return np.clip(predict_in_batches(gan.generator, z) * 2.0 - 1.0, -1.0, 1.0)


# ---------------------------------------------------------------------------------------------
# FLOPs, by hand from the layer shapes
# ---------------------------------------------------------------------------------------------


def _layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model):
    """Floating-point operations of one forward pass of ``model`` for one input (a multiply-add
    counts 2): Dense ``2 * in * out``, Conv2D ``2 * k_h * k_w * c_in * c_out * H_out * W_out``,
    Conv2DTranspose ``2 * k_h * k_w * c_in * c_out * H_in * W_in``. Other layers (biases,
    activations, normalisation, pooling) are not counted. ``model`` must be built."""
    total = 0
    for layer in _layers(model):
        if isinstance(layer, layers.Dense):
            total += 2 * int(layer.input.shape[-1]) * int(layer.units)
        elif isinstance(layer, layers.Conv2DTranspose):  # before Conv2D: it may subclass it
            _, h_in, w_in, c_in = layer.input.shape
            kh, kw = layer.kernel_size
            total += 2 * kh * kw * int(c_in) * int(layer.filters) * int(h_in) * int(w_in)
        elif isinstance(layer, layers.Conv2D):
            _, h_out, w_out, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_in = int(layer.input.shape[-1])
            total += 2 * kh * kw * c_in * int(c_out) * int(h_out) * int(w_out)
    return total


def train_step_flops(generator, discriminator):
    """FLOPs of one GAN train step per real image: ``4 * F_G + 9 * F_D`` (module docstring)."""
    return 4 * forward_flops(generator) + 9 * forward_flops(discriminator)


# ---------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------


def _cpuinfo():
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def _cpuinfo_field(text, name):
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def machine_peak():
    """The machine's fp32 peak: cores (``os.sched_getaffinity``) x GHz (``cpu MHz`` in
    /proc/cpuinfo) x FLOP per cycle: 32 with AVX2 + FMA (2 FMA units x 8 floats x 2), 64 with
    AVX-512 (``avx512f``), except on AMD Zen 4 (family 25), whose 512-bit instructions run on
    256-bit units (32). A dict with the assumption in words; 16 FLOP/cycle without FMA."""
    text = _cpuinfo()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mhz = _cpuinfo_field(text, "cpu MHz")
    ghz = float(mhz) / 1000 if mhz else None
    flags = set((_cpuinfo_field(text, "flags") or "").split())
    vendor, family = _cpuinfo_field(text, "vendor_id"), _cpuinfo_field(text, "cpu family")
    if "avx512f" in flags and not (vendor == "AuthenticAMD" and family == "25"):
        per_cycle, why = 64, "AVX-512: 2 FMA units x 16 fp32 lanes x 2"
    elif "avx512f" in flags:
        per_cycle, why = 32, "AMD Zen 4 (family 25): AVX-512 on 256-bit units, 2 FMA x 8 x 2"
    elif {"avx2", "fma"} <= flags:
        per_cycle, why = 32, "AVX2 + FMA: 2 FMA units x 8 fp32 lanes x 2"
    else:
        per_cycle, why = 16, "no AVX2/FMA flags found: assumed 16"
    peak = cores * ghz * per_cycle if ghz else None
    return {
        "cpu": _cpuinfo_field(text, "model name") or platform.processor() or platform.machine(),
        "cores": cores,
        "ghz": None if ghz is None else round(ghz, 3),
        "flop_per_cycle": per_cycle,
        "peak_gflops": None if peak is None else round(peak, 1),
        "peak_assumption": f"cores x GHz x {per_cycle} FLOP/cycle ({why}); the clock is the"
        " nominal one /proc/cpuinfo reports, boost not counted",
    }


def _rss_mib():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class PeakRSS:
    """A ``with`` block that samples this process's resident memory (``VmRSS``) every
    ``interval`` seconds in a thread: ``start_mib`` and ``peak_mib`` afterwards (``None`` where
    /proc is missing)."""

    def __init__(self, interval=0.05):
        self.interval = interval
        self.start_mib = self.peak_mib = None
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            now = _rss_mib()
            if now is not None:
                self.peak_mib = max(self.peak_mib or 0.0, now)
            self._stop.wait(self.interval)

    def __enter__(self):
        self.start_mib = self.peak_mib = _rss_mib()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        now = _rss_mib()
        if now is not None:
            self.peak_mib = max(self.peak_mib or 0.0, now)
        return False


# ---------------------------------------------------------------------------------------------
# Training in timed chunks
# ---------------------------------------------------------------------------------------------


class _Chunks(keras.callbacks.Callback):
    """Times each chunk (a Keras "epoch" of a fixed number of steps), calls ``after(chunk)``
    outside the clock, and stops once ``budget`` seconds of training have passed."""

    def __init__(self, budget, after=None):
        super().__init__()
        self.budget, self.after = budget, after
        self.seconds = []  # training seconds of each chunk
        self.outside = 0.0  # seconds spent in ``after``

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        if self.after is not None:
            start = time.perf_counter()
            self.after(len(self.seconds), logs or {})
            self.outside += time.perf_counter() - start
        if sum(self.seconds) >= self.budget:
            self.model.stop_training = True


def _chunk_steps(images, batch_size, steps_per_execution):
    """Steps per chunk: about ``images`` images, a multiple of ``steps_per_execution``."""
    steps = max(1, math.ceil(images / batch_size))
    return math.ceil(steps / steps_per_execution) * steps_per_execution


def _train_chunks(model, ds, steps, budget, after=None, max_chunks=100_000):
    chunks = _Chunks(budget, after)
    model.fit(ds, epochs=max_chunks, steps_per_epoch=steps, callbacks=[chunks], verbose=0)
    return chunks


# ---------------------------------------------------------------------------------------------
# The trainers, as the benchmark builds them
# ---------------------------------------------------------------------------------------------


class _Trainer:
    """One trainer in the benchmark: a model, its dataset, its images per step, its sampler."""

    def __init__(self, name, model, ds, batch_size, images_per_step, flops_per_image, sample):
        self.name, self.model, self.ds = name, model, ds
        self.batch_size, self.images_per_step = batch_size, images_per_step
        self.flops_per_image, self.sample = flops_per_image, sample
        self.steps_per_execution = int(getattr(model, "steps_per_execution", 1) or 1)


def _reference_trainer(x, seed, xla=None):
    gan = reference_gan(seed=seed)
    batch = REFERENCE["batch_size"]
    return _Trainer(
        "reference",
        gan,
        reference_dataset(x, seed=seed),
        batch,
        len(x) / math.ceil(len(x) / batch),  # the example keeps each epoch's last, short batch
        train_step_flops(gan.generator, gan.discriminator),
        lambda n, s: reference_samples(gan, n, s),
    )


def _gankit_machinery_trainer(x, seed, xla=True):
    """The reference's networks (G with tanh) trained by gankit's GAN, compiled as the recipe."""
    from gankit import data, gans, recipes

    gan = gans.GAN(
        reference_generator(output_activation="tanh"), reference_discriminator(), seed=seed
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        g_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        jit_compile=xla,
        steps_per_execution=recipes.DCGAN_DEFAULTS["steps_per_execution"],
    )
    batch = REFERENCE["batch_size"]
    return _Trainer(
        "gankit",
        gan,
        data.make_dataset(x, batch_size=batch, seed=seed).repeat(),
        batch,
        batch,
        train_step_flops(gan.generator, gan.discriminator),
        lambda n, s: gan.generate(n, seed=s),
    )


def _recipe_trainer(x, seed, xla=True):
    from gankit import data, recipes

    gan, cfg = recipes.dcgan(x.shape[1:], seed=seed)
    if not xla:  # tests only: XLA compilation dominates a run of a few steps
        gan.jit_compile = False
    return _Trainer(
        "gankit",
        gan,
        data.make_dataset(x, batch_size=cfg["batch_size"], seed=seed).repeat(),
        cfg["batch_size"],
        cfg["batch_size"],
        train_step_flops(gan.generator, gan.discriminator),
        lambda n, s: gan.generate(n, seed=s),
    ), cfg


def _speed(trainer, steps, seconds, peak):
    images = steps * trainer.images_per_step
    per_second = images / seconds if seconds > 0 else None
    gflops = None if per_second is None else trainer.flops_per_image * per_second / 1e9
    return {
        "images": round(images),
        "seconds": round(seconds, 2),
        "images_per_second": None if per_second is None else round(per_second, 1),
        "flops_per_image": trainer.flops_per_image,
        "gflops": None if gflops is None else round(gflops, 2),
        "peak_fraction": None if gflops is None or not peak else round(gflops / peak, 4),
        "batch_size": trainer.batch_size,
        "jit_compile": bool(trainer.model.jit_compile),
        "steps_per_execution": trainer.steps_per_execution,
    }


def _throughput(trainer, seconds, chunk_images, peak):
    """Images per second of ``trainer`` over about ``seconds`` after one warm-up chunk."""
    steps = _chunk_steps(chunk_images, trainer.batch_size, trainer.steps_per_execution)
    with PeakRSS() as rss:
        start = time.perf_counter()
        _train_chunks(trainer.model, trainer.ds, steps, budget=0.0)  # one chunk: traces, compiles
        warmup = time.perf_counter() - start
        timed = _train_chunks(trainer.model, trainer.ds, steps, budget=seconds)
    result = _speed(trainer, steps * len(timed.seconds), sum(timed.seconds), peak)
    return result | {
        "warmup_seconds": round(warmup, 2),
        "rss_start_mib": _round(rss.start_mib),
        "peak_rss_mib": _round(rss.peak_mib),
    }


def _round(value, digits=1):
    return None if value is None else round(value, digits)


THRESHOLDS = (30, 15, 10, 5)


def _time_to_quality(trainer, x, minutes, chunk_images, fid_samples, seed, peak, evaluator, log):
    steps = _chunk_steps(chunk_images, trainer.batch_size, trainer.steps_per_execution)
    evaluations = []

    def evaluate(chunk, logs):
        train_seconds = sum(clock.seconds)
        fid = float(evaluator.fid(trainer.sample(fid_samples, seed + 1), x))
        evaluations.append(
            {
                "images": round(chunk * steps * trainer.images_per_step),
                "train_seconds": round(train_seconds, 2),
                "fid": round(fid, 3),
            }
        )
        log(
            f"  {trainer.name:<9} chunk {chunk:>3}  {evaluations[-1]['images']:>7,} images"
            f"  {train_seconds:7.1f} s of training  FID {fid:8.2f}"
        )

    with PeakRSS() as rss:
        clock = _Chunks(minutes * 60, evaluate)
        trainer.model.fit(
            trainer.ds, epochs=100_000, steps_per_epoch=steps, callbacks=[clock], verbose=0
        )
    fids = [e["fid"] for e in evaluations]
    # the first chunk also traces (and, under XLA, compiles) the step: its excess over the median
    # later chunk estimates that warm-up, so times can be read with and without it
    warmup = (
        max(0.0, clock.seconds[0] - float(np.median(clock.seconds[1:])))
        if len(clock.seconds) > 1
        else None
    )
    for e in evaluations:
        e["train_seconds_after_warmup"] = (
            None if warmup is None else round(e["train_seconds"] - warmup, 2)
        )
    reached, reached_after = (
        {str(t): next((e[key] for e in evaluations if e["fid"] <= t), None) for t in THRESHOLDS}
        for key in ("train_seconds", "train_seconds_after_warmup")
    )
    result = _speed(trainer, steps * len(clock.seconds), sum(clock.seconds), peak)
    return result | {
        "train_seconds": round(sum(clock.seconds), 2),
        "eval_seconds": round(clock.outside, 2),
        "chunk_steps": steps,
        "warmup_seconds": _round(warmup, 2),
        "seconds_to_fid": reached,
        "seconds_to_fid_after_warmup": reached_after,
        "final_fid": fids[-1] if fids else None,
        "best_fid": min(fids) if fids else None,
        "evaluations": evaluations,
        "rss_start_mib": _round(rss.start_mib),
        "peak_rss_mib": _round(rss.peak_mib),
    }


def _ratio(a, b, digits=2):
    return None if a is None or b is None or b == 0 else round(a / b, digits)


def run(
    minutes=4.5,
    out="runs/bench",
    seed=0,
    fid_samples=1000,
    n_images=None,
    eval_images=None,
    throughput_seconds=None,
    xla=True,
    log=print,
):
    """Run the benchmark (module docstring) and write ``bench.json`` and ``bench.md`` into
    ``out``; return the results as a dict.

    ``minutes``: minutes of *training* per trainer for the time-to-quality runs (evaluation time
    excluded). ``throughput_seconds``: seconds per trainer for the same-architecture throughput
    (default ``min(30, minutes * 60 / 6)``; at least one chunk after the warm-up runs).
    ``eval_images``: images trained between two FID evaluations and in a throughput chunk (rounded
    up to whole executions of ``steps_per_execution`` steps; default 1,600, or 320 for runs under
    a minute). ``fid_samples``, ``n_images`` (use only the first ``n_images`` training images) and
    ``xla=False`` (gankit without XLA, whose compilation dominates a run of a few steps) exist so
    tests can run it quickly; the benchmark's numbers are the defaults'. Raises ``ValueError`` for a non-positive or non-finite ``minutes``.
    """
    from gankit import data
    from gankit.evaluator import load_evaluator
    from gankit.files import write_text

    minutes = float(minutes)
    if not (math.isfinite(minutes) and minutes > 0):
        raise ValueError(f"minutes: expected a positive finite number, got {minutes!r}")
    if throughput_seconds is None:
        throughput_seconds = min(30.0, minutes * 60 / 6)
    if eval_images is None:
        eval_images = 1600 if minutes >= 1 else 320
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    machine = machine_peak() | {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }
    peak = machine["peak_gflops"]
    x, _ = data.load_mnist("train")
    if n_images is not None:
        x = x[:n_images]
    evaluator = load_evaluator()
    log(
        f"gankit bench: {len(x):,} images, {minutes:g} min of training per trainer,"
        f" {machine['cores']} cores of {machine['cpu']} (peak {peak} GFLOP/s assumed),"
        f" load average {machine['load_average_at_start'][0]}"
    )

    same = {}
    log(f"1. same architecture (the reference's networks), {throughput_seconds:g} s each")
    for make in (_reference_trainer, _gankit_machinery_trainer):
        keras.utils.set_random_seed(seed)
        trainer = make(x, seed, xla=xla)
        same[trainer.name] = _throughput(trainer, throughput_seconds, eval_images, peak)
        log(
            f"  {trainer.name:<9} {same[trainer.name]['images_per_second']} images/s"
            f" (warm-up {same[trainer.name]['warmup_seconds']} s)"
        )
        del trainer
    same["ratio_images_per_second"] = _ratio(
        same["gankit"]["images_per_second"], same["reference"]["images_per_second"]
    )

    quality = {}
    log(f"2. time to quality: FID of {fid_samples:,} samples every ~{eval_images:,} images")
    for make in (_reference_trainer, _recipe_trainer):
        keras.utils.set_random_seed(seed)
        trainer = make(x, seed, xla=xla)
        if isinstance(trainer, tuple):
            trainer, cfg = trainer
        quality[trainer.name] = _time_to_quality(
            trainer, x, minutes, eval_images, fid_samples, seed, peak, evaluator, log
        )
        del trainer
    quality["gankit"]["config"] = cfg
    quality["reference"]["config"] = dict(REFERENCE)
    ref, kit = quality["reference"], quality["gankit"]
    target = ref["final_fid"]
    kit_at = next((e for e in kit["evaluations"] if target is not None and e["fid"] <= target), {})
    ref_after = (
        None if ref["warmup_seconds"] is None else ref["train_seconds"] - ref["warmup_seconds"]
    )
    quality["reference_final_fid"] = target
    quality["gankit_seconds_to_reference_final_fid"] = kit_at.get("train_seconds")
    quality["gankit_seconds_to_reference_final_fid_after_warmup"] = kit_at.get(
        "train_seconds_after_warmup"
    )
    quality["times_sooner"] = _ratio(ref["train_seconds"], kit_at.get("train_seconds"), 1)
    quality["times_sooner_after_warmup"] = _ratio(
        ref_after, kit_at.get("train_seconds_after_warmup"), 1
    )
    quality["ratios"] = {
        key: _ratio(kit[key], ref[key]) for key in ("images_per_second", "gflops", "peak_rss_mib")
    } | {
        f"times_sooner_to_fid_{t}": _ratio(
            ref["seconds_to_fid"][str(t)], kit["seconds_to_fid"][str(t)], 1
        )
        for t in THRESHOLDS
    }

    result = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {
            "minutes": minutes,
            "seed": seed,
            "fid_samples": fid_samples,
            "train_images": int(len(x)),
            "eval_images": eval_images,
            "throughput_seconds": throughput_seconds,
            "xla": xla,
            "thresholds": list(THRESHOLDS),
        },
        "flops_formula": "per real image: 4 F_G + 9 F_D; F = sum of Dense 2*in*out, Conv2D"
        " 2*k*k*cin*cout*Hout*Wout, Conv2DTranspose 2*k*k*cin*cout*Hin*Win (backward = 2x forward)",
        "same_architecture": same,
        "time_to_quality": quality,
    }
    write_text(out / "bench.json", json.dumps(result, indent=2) + "\n")
    table = markdown_table(result)
    write_text(out / "bench.md", table + "\n")
    log(table)
    log(f"wrote bench.json and bench.md in {out}")
    return result


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def _fmt(value, unit="", digits=1):
    if value is None:
        return "never" if unit == " s" else "–"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:,.{digits}f}{unit}"
    return f"{value}{unit}"


def markdown_table(result):
    """The benchmark's results (``bench.json``'s dict) as Markdown: a caption line and a table
    with one row per measure and columns reference, gankit, gankit / reference."""
    m, s = result["machine"], result["settings"]
    same, q = result["same_architecture"], result["time_to_quality"]
    ref, kit, ratios = q["reference"], q["gankit"], q["ratios"]
    rows = [
        (
            "same architecture (the reference's networks): images/s",
            _fmt(same["reference"]["images_per_second"]),
            _fmt(same["gankit"]["images_per_second"]),
            _fmt(same["ratio_images_per_second"], "×", 2),
        ),
        (
            "same architecture: warm-up (tracing, compilation)",
            _fmt(same["reference"]["warmup_seconds"], " s"),
            _fmt(same["gankit"]["warmup_seconds"], " s"),
            "",
        ),
        (
            "default recipe vs reference: images/s",
            _fmt(ref["images_per_second"]),
            _fmt(kit["images_per_second"]),
            _fmt(ratios["images_per_second"], "×", 2),
        ),
    ]
    for t in s["thresholds"]:
        rows.append(
            (
                f"seconds of training to FID ≤ {t}",
                _fmt(ref["seconds_to_fid"][str(t)], " s"),
                _fmt(kit["seconds_to_fid"][str(t)], " s"),
                _fmt(ratios[f"times_sooner_to_fid_{t}"], "× sooner"),
            )
        )
    rows += [
        (
            f"FID after {s['minutes']:g} min of training (best)",
            f"{_fmt(ref['final_fid'], '', 2)} ({_fmt(ref['best_fid'], '', 2)})",
            f"{_fmt(kit['final_fid'], '', 2)} ({_fmt(kit['best_fid'], '', 2)})",
            "",
        ),
        (
            "seconds to the reference's final FID",
            _fmt(ref["train_seconds"], " s"),
            _fmt(q["gankit_seconds_to_reference_final_fid"], " s"),
            _fmt(q["times_sooner"], "× sooner"),
        ),
        (
            "the same, warm-up (tracing, compilation) not counted",
            _fmt(_minus(ref["train_seconds"], ref["warmup_seconds"]), " s"),
            _fmt(q["gankit_seconds_to_reference_final_fid_after_warmup"], " s"),
            _fmt(q["times_sooner_after_warmup"], "× sooner"),
        ),
        (
            "peak resident memory (process, MiB)",
            _fmt(ref["peak_rss_mib"], "", 0),
            _fmt(kit["peak_rss_mib"], "", 0),
            _fmt(ratios["peak_rss_mib"], "×", 2),
        ),
        (
            "train-step MFLOP per image (by hand)",
            _fmt(ref["flops_per_image"] / 1e6),
            _fmt(kit["flops_per_image"] / 1e6),
            "",
        ),
        (
            f"achieved GFLOP/s (share of the {_fmt(m['peak_gflops'], '', 0)} peak)",
            f"{_fmt(ref['gflops'])} ({_fmt(_pct(ref['peak_fraction']))} %)",
            f"{_fmt(kit['gflops'])} ({_fmt(_pct(kit['peak_fraction']))} %)",
            _fmt(ratios["gflops"], "×", 2),
        ),
    ]
    caption = (
        f"Measured {result['date'][:10]} on {m['cpu']}, {m['cores']} cores"
        f" (peak {_fmt(m['peak_gflops'], '', 0)} GFLOP/s: {m['peak_assumption']}),"
        f" TensorFlow {m['tensorflow']}, Keras {m['keras']}; load average at the start"
        f" {m['load_average_at_start'][0]}. {s['minutes']:g} minutes of training per trainer,"
        f" FID of {s['fid_samples']:,} samples against the {s['train_images']:,} training images"
        f" every ~{s['eval_images']:,} images (evaluation time not counted; training seconds"
        " include the first chunk's tracing and compilation unless a row says otherwise)."
    )
    lines = [caption, "", "| | reference (keras.io DCGAN) | gankit | gankit / reference |"]
    lines.append("|---|---|---|---|")
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def _minus(a, b):
    return None if a is None or b is None else a - b


def _pct(fraction):
    return None if fraction is None else 100 * fraction
