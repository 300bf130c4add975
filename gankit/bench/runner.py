"""Running the benchmark: trainers timed in chunks, throughput, time to quality, :func:`run`."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gankit.bench.hardware import PeakRSS, machine_peak, onednn_enabled, train_step_flops
from gankit.bench.reference import (
    REFERENCE,
    reference_dataset,
    reference_discriminator,
    reference_gan,
    reference_generator,
    reference_samples,
)
from gankit.bench.report import markdown_table

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

    def elapsed(self):
        """Training seconds so far, the current chunk's included (read during ``fit``)."""
        return sum(self.seconds) + time.perf_counter() - self._start

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


def _recipe_trainer(x, seed, xla=True, **overrides):
    """The default DCGAN recipe, or with recipe ``overrides`` (benchmarks/ experiments only)."""
    from gankit import data, recipes

    if not xla:  # tests only: XLA compilation dominates a run of a few steps
        overrides["jit_compile"] = False
    gan, cfg = recipes.dcgan(x.shape[1:], seed=seed, **overrides)
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


def _time_to_quality(
    trainer, x, minutes, chunk_images, fid_samples, seed, peak, evaluator, log, extra=None
):
    """``extra``: ``extra(clock) -> [callbacks]``, run after the clock's (for experiments, such as
    benchmarks/recipe_time_to_quality.py's schedules, that read its ``elapsed()`` training time)."""
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
            trainer.ds,
            epochs=100_000,
            steps_per_epoch=steps,
            callbacks=[clock, *(extra(clock) if extra else ())],
            verbose=0,
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
        "onednn": onednn_enabled(),
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
