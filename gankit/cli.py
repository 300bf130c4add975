"""Command line: ``python -m gankit train ...`` and ``python -m gankit sample ...``.

    python -m gankit train dcgan --dataset mnist --minutes 2.5 --out runs/dcgan
    python -m gankit train cgan --dataset mnist --minutes 3 --out runs/cgan
    python -m gankit train self_conditioned --minutes 5 --out runs/sc
    python -m gankit sample runs/dcgan/generator.keras -n 64 --out grid.png
    python -m gankit exercises build
    python -m gankit exercises check submissions/ --csv grades.csv
    python -m gankit bench --minutes 4.5 --out runs/bench

Bad arguments get a one-line error on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"expected a positive number, got {text} (it must be finite)"
        )
    return value


SEED_MAX = 2**32 - 1  # NumPy's and Keras' global seeds are 32-bit


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"expected an integer seed in 0..{SEED_MAX}, got {text!r}")
    return value


def _int_between(low, high):
    """An argparse type for an integer in ``low..high`` (a count the machine can hold)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected an integer from {low:,} to {high:,}, got {text!r}"
            )
        return value

    return parse


def _png_path(text):
    path = Path(text)
    if path.suffix.lower() != ".png" or not path.stem:
        raise argparse.ArgumentTypeError(f"expected a file name ending in .png, got {text!r}")
    return path


def build_parser():
    from gankit.data import IMAGE_DATASETS
    from gankit.recipes import PRECISIONS, RECIPES

    parser = argparse.ArgumentParser(prog="python -m gankit", description="gankit command line")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a GAN recipe on an image dataset")
    train.add_argument("model", choices=sorted(RECIPES), help="which recipe to train")
    train.add_argument("--dataset", default="mnist", choices=sorted(IMAGE_DATASETS))
    budget = train.add_mutually_exclusive_group()
    budget.add_argument(
        "--epochs", type=_positive_int, help="number of epochs (default: the notebook's budget)"
    )
    budget.add_argument(
        "--minutes",
        type=_positive_float,
        help="train until this many minutes of training have passed (counting time before a --resume)",
    )
    train.add_argument("--seed", type=_seed, default=0)
    train.add_argument("--out", required=True, type=Path, help="run folder to write into")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last checkpoint (written after every epoch)",
    )
    train.add_argument(
        "--devices",
        type=_int_between(1, 64),
        default=1,
        help="train on this many devices with tf.distribute.MirroredStrategy: GPUs when the"
        " machine has that many, else the CPU split into logical devices (no faster on a CPU:"
        " for trying it out)",
    )
    train.add_argument(
        "--keep",
        choices=("best", "last"),
        default="best",
        help="which generator to write: the epoch with the lowest FID (measured after every epoch"
        " on 1,000 samples; mnist only, elsewhere the last) or the last epoch's",
    )
    train.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="Keras dtype policy: float32 (every measured number in the course), or 16-bit"
        " compute with float32 weights: mixed_float16 (with loss scaling; fast on GPUs with"
        " tensor cores, such as Colab's T4) or mixed_bfloat16 (no faster on this course's CPU)",
    )
    train.add_argument(
        "--xla",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compile each training step with XLA (the default, which Keras leaves off on a CPU;"
        " every measured number in the course). --no-xla runs TensorFlow's own kernels instead:"
        ' which is faster depends on the machine (README, "XLA or not"), so try both',
    )
    train.add_argument(
        "--fid-samples",
        type=_int_between(2, 100_000),
        default=1000,
        help="samples used for the FID (2 to 100,000)",
    )

    sample = sub.add_parser("sample", help="draw a grid of samples from a saved generator")
    sample.add_argument("generator", type=Path, help="a generator.keras file")
    sample.add_argument(
        "-n", type=_int_between(1, 10_000), default=64, help="number of samples (1 to 10,000)"
    )
    sample.add_argument("--seed", type=_seed, default=0)
    sample.add_argument(
        "--label",
        type=_int_between(0, 9999),
        help="for a conditional generator (train cgan): draw only this class (default: the"
        " classes in turn, one per column; for a train self_conditioned run, the groups by their"
        " shares, read from the metrics.json beside the generator)",
    )
    sample.add_argument("--out", required=True, type=_png_path, help="PNG file to write")

    bench = sub.add_parser(
        "bench", help="benchmark gankit's DCGAN against the keras.io DCGAN example, side by side"
    )
    bench.add_argument(
        "--minutes",
        type=_positive_float,
        default=4.5,
        help="minutes of training per trainer for the time-to-quality runs (default 4.5;"
        " evaluation not counted); 0.05 gives a smoke run of one chunk per phase",
    )
    bench.add_argument("--out", type=Path, default=Path("runs/bench"), help="where to write")
    bench.add_argument("--seed", type=_seed, default=0)

    exercises = sub.add_parser("exercises", help="build student copies, or grade submissions")
    action = exercises.add_subparsers(dest="action", required=True)
    build = action.add_parser("build", help="write student copies of the solution notebooks")
    build.add_argument("--source", type=Path, default=Path("notebooks"), help="solution notebooks")
    build.add_argument("--out", type=Path, help="where to write (default: SOURCE/exercises)")
    check = action.add_parser("check", help="run filled-in exercise notebooks and grade them")
    check.add_argument("notebooks", nargs="+", type=Path, help="notebooks, or folders of them")
    check.add_argument("--all", action="store_true", help="also run cells after the last check")
    check.add_argument("--csv", type=Path, help="also write the grades to this CSV file")
    check.add_argument("--timeout", type=_positive_int, default=600, help="seconds per cell")
    check.add_argument(
        "--solutions", type=Path, help="folder of the solution notebooks (default: the kit's)"
    )
    return parser


def _writable_dir(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".gankit_write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise CLIError(f"--out: cannot write to {path} ({exc.strerror or exc})") from None
    return path


RESUME_KEYS = ("model", "dataset", "seed", "keep", "precision", "xla")
BEST_FILE = "best_generator.keras"  # in the checkpoint folder, written by KeepBest


def _resume_point(args, ckpt_dir):
    """Where the run starts and how far it goes, after checking a resumed run's settings:
    (finished epochs, History rows, training seconds already spent, one line saying what it will
    do). Sets ``args.epochs`` or ``args.minutes`` to the budget to train to: the one given, else,
    on ``--resume``, the one stored in the checkpoint (both count from the run's start)."""
    from gankit import checkpoints

    try:
        state = checkpoints.load_state(ckpt_dir)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if not args.resume:
        if state is not None:
            raise CLIError(
                f"--out: {args.out} already holds a run (checkpoint after epoch {state['epoch']});"
                " add --resume to continue it, or choose another folder"
            )
        if args.minutes:
            return 0, [], 0.0, f"{args.minutes:g} minutes"
        if args.epochs is None:
            from gankit.recipes import DEFAULT_EPOCHS

            args.epochs = DEFAULT_EPOCHS[args.model]
        return 0, [], 0.0, f"{args.epochs} epochs"
    if state is None:
        raise CLIError(f"--resume: no checkpoint in {ckpt_dir}; start the run without --resume")
    notes = state["notes"]
    settings = notes.get("settings", {})
    for key in RESUME_KEYS:
        if key in settings and settings[key] != getattr(args, key):
            stored, given = settings[key], getattr(args, key)
            if isinstance(stored, bool):  # a switch, spelled as on the command line
                made = f"--{'' if stored else 'no-'}{key}, not --{'' if given else 'no-'}{key}"
            else:
                made = f"{key} {stored!r}, not {given!r}"
            raise CLIError(
                f"--resume: the checkpoint was made with {made}; use the same settings to resume"
            )
    done, spent = int(state["epoch"]), float(notes.get("train_seconds", 0.0))
    stored = (
        f"{settings['minutes']:g} minutes"
        if settings.get("minutes")
        else f"{settings['epochs']} epochs"
        if settings.get("epochs")
        else None
    )
    if args.epochs is None and args.minutes is None:
        if stored is None:
            raise CLIError(f"--resume: the checkpoint in {ckpt_dir} records no budget; give one")
        args.epochs, args.minutes = settings.get("epochs"), settings.get("minutes")
        source = "the run's budget"
    else:
        source = f"{'--epochs' if args.epochs else '--minutes'} given" + (
            f"; the run was started with {stored}" if stored else ""
        )
    if args.minutes:
        left = max(args.minutes - spent / 60, 0.0)
        plan = (
            f"{left:.2f} of {args.minutes:g} minutes left ({source}; {spent / 60:.2f} used)"
            if left
            else f"no time left of {args.minutes:g} minutes ({source}): writing the outputs only"
        )
    else:
        plan = (
            f"up to epoch {args.epochs} ({source})"
            if args.epochs > done
            else f"epoch {args.epochs} already reached ({source}): writing the outputs only"
        )
    return done, notes.get("history", []), spent, f"resuming after epoch {done}, {plan}"


def _strategy(devices):
    """The ``tf.distribute`` strategy for ``--devices``: ``None`` for one device; MirroredStrategy
    over the first N GPUs, or, on a machine without GPUs, over the CPU split into N logical
    devices (which must happen before TensorFlow first uses its devices)."""
    if devices == 1:
        return None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if len(gpus) < devices:
            raise CLIError(f"--devices {devices}: this machine has {len(gpus)} GPU(s)")
        names = [f"/gpu:{i}" for i in range(devices)]
    else:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * devices
            )
        except RuntimeError as exc:  # TensorFlow's devices were already set up in this process
            raise CLIError(f"--devices {devices}: cannot split the CPU now ({exc})") from None
        names = [d.name for d in tf.config.list_logical_devices("CPU")][:devices]
    return tf.distribute.MirroredStrategy(names)


def train(args):
    strategy = _strategy(args.devices)  # first: it must run before TensorFlow sets up devices
    out = _writable_dir(args.out)
    ckpt_dir = out / "checkpoint"
    done, previous_history, spent, plan = _resume_point(args, ckpt_dir)
    import keras
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from gankit import callbacks, checkpoints, conditional, data, plotting, recipes
    from gankit.files import atomic_path, write_text

    keras.utils.set_random_seed(args.seed)
    try:
        x, y = data.load_images(
            args.dataset, split="train" if args.dataset in ("mnist", "digits") else "all"
        )
    except RuntimeError as exc:
        raise CLIError(str(exc)) from None
    is_conditional = args.model in recipes.CONDITIONAL
    options = {"precision": args.precision, "jit_compile": args.xla}
    if is_conditional:
        if y is None:
            raise CLIError(
                f"{args.model}: the dataset {args.dataset} has no labels to condition on"
            )
        options["n_classes"] = int(np.max(y)) + 1
    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope, warnings.catch_warnings():
        # under several replicas GAN.compile turns XLA off with a warning; the line below says so
        warnings.filterwarnings("ignore", message="jit_compile=True cannot run")
        warnings.filterwarnings("ignore", message="steps_per_execution > 1 fails")
        labels = y if is_conditional else None
        if args.model in recipes.CLUSTERED:  # clusters the images (seeded: a resume finds the same)
            gan, cfg, labels = recipes.RECIPES[args.model](x, seed=args.seed, **options)
        else:
            gan, cfg = recipes.RECIPES[args.model](x.shape[1:], seed=args.seed, **options)
        if done:
            try:
                checkpoints.restore(gan, ckpt_dir)
            except ValueError as exc:
                raise CLIError(str(exc)) from None
    if strategy:
        print(
            f"training on {args.devices} devices with MirroredStrategy"
            f" ({', '.join(strategy.extended.worker_devices)}): each step splits the batch of"
            f" {cfg['batch_size']} between them; XLA is off (it compiles for one device) and one"
            " step runs per call (Keras's multi-step loop fails under the strategy)",
            flush=True,
        )
    if not args.xla and not strategy:
        print("XLA off (--no-xla): each step runs TensorFlow's own kernels", flush=True)
    if args.precision != "float32":
        scaling = ", with dynamic loss scaling" if args.precision == "mixed_float16" else ""
        print(
            f"precision {args.precision}: the layers compute in 16 bits{scaling}; the weights"
            " and each network's last layer stay float32",
            flush=True,
        )
    if args.model in recipes.CLUSTERED:
        print(
            f"{args.model}: {len(gan.shares)} k-means clusters of the images stand in for labels"
            " (none are read); each sample's cluster is drawn by the clusters' shares",
            flush=True,
        )
    ds = data.make_dataset(
        x,
        labels,
        batch_size=cfg["batch_size"],
        seed=args.seed,
        start_epoch=done,
    )
    # a time budget runs epochs until it is used up; 10,000 is only a bound
    epochs = args.epochs or 10_000
    settings = {k: getattr(args, k) for k in RESUME_KEYS}
    settings |= {"epochs": args.epochs, "minutes": args.minutes}
    checkpoint = callbacks.Checkpoint(
        ckpt_dir, notes={"settings": settings}, history=previous_history, spent=spent
    )
    cbs = [
        callbacks.DivergenceGuard(),
        # a conditional GAN's grid: 10 columns, one per class
        callbacks.SampleGrid(n=100 if is_conditional else 64, every=1, out_dir=out / "progress"),
    ]
    evaluator = None
    if x.shape[1:] == (28, 28, 1) and args.dataset in ("mnist", "mnist-full"):
        from gankit.evaluator import load_evaluator

        evaluator = load_evaluator()
    keeper = None
    if evaluator is not None and args.keep == "best":
        # a checkpoint's companion: a resumed run needs the best generator written before the kill
        keeper = callbacks.KeepBest(
            evaluator, x, ckpt_dir / BEST_FILE, seed=args.seed + 2, history=previous_history
        )
        cbs.append(keeper)  # before the checkpoint, whose History then holds each epoch's FID
    cbs.append(checkpoint)
    todo = epochs > done
    if args.minutes:
        todo = spent < 60 * args.minutes
        if todo:
            cbs.append(callbacks.TimeBudget(args.minutes, spent=spent))
    print(
        f"training {args.model} on {args.dataset}: {len(x)} images of shape {x.shape[1:]},"
        f" {plan} -> {out}",
        flush=True,
    )
    start = time.perf_counter()
    try:
        if todo:
            gan.fit(ds, epochs=epochs, initial_epoch=done, callbacks=cbs, verbose=2)
    except callbacks.TrainingDiverged as exc:
        kept = checkpoints.load_state(ckpt_dir)
        raise CLIError(
            f"{exc} Kept: the sample grids in {out / 'progress'}"
            + (f" and the checkpoint after epoch {kept['epoch']} in {ckpt_dir}" if kept else "")
        ) from None
    seconds = time.perf_counter() - start
    history = pd.DataFrame(checkpoint.history)
    history.index = pd.RangeIndex(1, len(history) + 1, name="epoch")

    kept = {"rule": "last epoch", "epoch": len(history)}
    if evaluator is not None:
        last_fid = evaluator.fid(gan.generate(args.fid_samples, seed=args.seed + 1), x)
    if keeper is not None and keeper.best is not None:
        try:
            best = keras.models.load_model(ckpt_dir / BEST_FILE, safe_mode=True)
        except (OSError, ValueError) as exc:
            raise CLIError(
                f"{ckpt_dir / BEST_FILE}: cannot load the best generator ({exc})"
            ) from None
        gan.sampler.set_weights(best.get_weights())
        kept = {
            "rule": "lowest FID after an epoch (1,000 samples against the training images,"
            f' noise seed {args.seed + 2}); "fid" is measured on other samples',
            "epoch": keeper.best["epoch"],
            "selection_fid": round(keeper.best["fid"], 3),
        }
    elif evaluator is None and args.keep == "best":
        kept["rule"] = "last epoch (no evaluator for this dataset, so no FID to choose by)"

    # Every output is written under a temporary name and renamed: a kill never leaves half a file.
    with atomic_path(out / "generator.keras") as tmp:
        gan.sampler.save(tmp)
    if is_conditional:  # one row per class, one noise vector per column
        per_class = 10
        grid = conditional.class_grid(gan.sampler, per_class=per_class, seed=args.seed)
        plotting.save_image_grid(grid, out / "samples.png", ncols=per_class)
    else:
        plotting.save_image_grid(gan.generate(64, seed=args.seed), out / "samples.png", ncols=8)
    figure = plotting.loss_curves({k: list(history[k]) for k in history})
    with atomic_path(out / "losses.png") as tmp:
        figure.savefig(tmp, dpi=100)
    plt.close(figure)
    with atomic_path(out / "history.csv") as tmp:
        history.to_csv(tmp)
    result = {
        "model": args.model,
        "dataset": args.dataset,
        "epochs": len(history),
        "train_seconds": round(spent + seconds, 1),
        "resumed_after_epoch": done,
        "devices": args.devices,
        "kept": kept,
        "config": cfg,
    }
    if args.model in recipes.CLUSTERED:  # `sample` draws the groups by these, as training did
        result["shares"] = gan.shares.tolist()
    if evaluator is not None:
        samples = gan.generate(args.fid_samples, seed=args.seed + 1)
        result["fid"] = round(evaluator.fid(samples, x), 3)
        result["fid_last_epoch"] = round(last_fid, 3)
        result["fid_samples"] = args.fid_samples
        result["class_histogram"] = [round(float(v), 4) for v in evaluator.class_histogram(samples)]
        result["confident_share"] = round(evaluator.confident_share(samples), 4)
        if is_conditional:  # generate asked for the classes 0, 1, ..., 9, 0, 1, ... in turn
            asked = np.arange(len(samples)) % gan.n_classes
            accuracy = evaluator.requested_class_accuracy(samples, asked)
            result["requested_class_accuracy"] = {
                "judge": "the kit's evaluator (a classifier trained apart from the GAN)",
                "samples_per_class": int(np.bincount(asked).min()),
                **{k: np.round(v, 4).tolist() for k, v in accuracy.items()},
            }
    write_text(out / "metrics.json", json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "config"}, default=float), flush=True)
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir() if p.is_file()))} in {out}")


def _recorded_shares(generator_path, n_groups):
    """The groups' shares that a ``train self_conditioned`` run wrote into the metrics.json beside
    its generator.keras, or None (no metrics.json there, or one without shares: a ``cgan`` run).
    A metrics.json that cannot be read, or whose shares do not fit the generator, is a one-line
    error rather than a silent switch to the classes in turn (shares that are not positive
    numbers: ``sample``, when it draws by them)."""
    path = generator_path.parent / "metrics.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CLIError(
            f"{path}: cannot read it ({exc}); move it away to sample the classes in turn"
        ) from None
    shares = record.get("shares") if isinstance(record, dict) else None
    if shares is None:
        return None
    if not isinstance(shares, list):
        raise CLIError(f'{path}: "shares" should be a list of numbers, got {shares!r}')
    if len(shares) != n_groups:
        raise CLIError(
            f"{path}: {len(shares)} group shares, but {generator_path} draws {n_groups} groups:"
            " is it this run's metrics.json?"
        )
    return shares


def sample(args):
    _writable_dir(args.out.parent if str(args.out.parent) else Path("."))
    import numpy as np

    from gankit import conditional, models, plotting, self_conditioned

    try:
        generator = models.load(args.generator, what="generator")
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    try:
        classes = conditional.signature(generator, what=str(args.generator))
        latent_dim = classes[0] if classes else models.latent_dim(generator, str(args.generator))
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    z = np.random.default_rng(args.seed).standard_normal((args.n, latent_dim)).astype("float32")
    ncols, what = None, "samples"
    if classes is None:
        if args.label is not None:
            raise CLIError(f"--label: {args.generator} is not a conditional generator")
        images = generator.predict(z, verbose=0)
    else:
        n_classes = classes[1]
        if args.label is not None and args.label >= n_classes:
            raise CLIError(
                f"--label: {args.generator} draws classes 0..{n_classes - 1}, got {args.label}"
            )
        shares = None if args.label is not None else _recorded_shares(args.generator, n_classes)
        if args.label is None and shares is not None:  # a self_conditioned run's k-means groups
            try:
                labels = self_conditioned.draw_groups(shares, args.n, args.seed)
            except (TypeError, ValueError) as exc:  # not positive finite numbers
                raise CLIError(f"{args.generator.parent / 'metrics.json'}: {exc}") from None
            what = "samples, each group drawn by its share of the training images (metrics.json)"
        elif args.label is None:  # the classes in turn: column k holds class k
            labels, ncols = np.arange(args.n) % n_classes, min(args.n, n_classes)
            what = f"samples of classes 0..{n_classes - 1}, one class per column"
        else:
            labels, what = np.full(args.n, args.label), f"samples of class {args.label}"
        images = generator.predict([z, labels.astype("int32")], verbose=0)
    try:
        plotting.save_image_grid(images, args.out, ncols=ncols)
    except ValueError as exc:
        raise CLIError(f"{args.generator}: {exc}") from None
    print(f"wrote {args.n} {what} to {args.out}")


def exercises(args):
    from gankit import exercises as ex
    from gankit.files import atomic_path

    if args.action == "build":
        try:
            written = ex.build(args.source, args.out)
        except ex.ExerciseError as exc:
            raise CLIError(str(exc)) from None
        for path in written:
            print(f"wrote {path}")
        return 0
    paths = []
    for path in args.notebooks:
        if path.is_dir():
            paths.extend(sorted(path.glob("*.ipynb")))
        elif path.is_file() and path.suffix == ".ipynb":
            paths.append(path)
        else:
            raise CLIError(f"notebooks: {path} is not a notebook (.ipynb) or a folder")
    if not paths:
        raise CLIError(f"notebooks: no .ipynb files in {', '.join(map(str, args.notebooks))}")
    for path in paths:  # every file's lesson and solution, before any kernel starts
        try:
            ex.solution_for(path, args.solutions)
        except ex.ExerciseError as exc:
            raise CLIError(str(exc)) from None
    if args.csv and not args.csv.parent.resolve().is_dir():
        raise CLIError(f"--csv: the folder {args.csv.parent} does not exist")
    if args.csv and args.csv.is_dir():
        raise CLIError(
            f"--csv: {args.csv} is a folder; name a file, e.g. {args.csv / 'grades.csv'}"
        )
    rows = []
    for path in paths:
        print(path, flush=True)
        shown = None  # a detail shared by several exercises (an unreadable file) is shown once
        try:
            results = ex.grade(
                path, run_all=args.all, timeout=args.timeout, solutions=args.solutions
            )
        except ex.ExerciseError as exc:
            raise CLIError(str(exc)) from None
        for r in results:
            print(f"  {r.exercise.id:<5} {r.exercise.name:<24} {r.status}", flush=True)
            for line in r.detail.splitlines() if r.detail != shown else ["(as above)"]:
                print(f"        {line}")
            shown = r.detail or None
            rows.append((str(path), r.exercise.id, r.exercise.name, r.status, r.detail))
    statuses = [row[3] for row in rows]
    print(
        f"{statuses.count('passed')} passed, {statuses.count('failed')} failed, "
        f"{statuses.count('not attempted')} not attempted"
    )
    if args.csv:
        import csv

        try:
            with atomic_path(args.csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(["notebook", "exercise", "name", "status", "detail"])
                writer.writerows(rows)
        except OSError as exc:  # the previous file, if any, is left as it was
            raise CLIError(f"--csv: cannot write {args.csv} ({exc.strerror or exc})") from None
    return 0 if all(s == "passed" for s in statuses) else 1


def bench(args):
    _writable_dir(args.out)
    from gankit import bench as bench_module

    bench_module.run(minutes=args.minutes, out=args.out, seed=args.seed)


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = {"train": train, "sample": sample, "exercises": exercises, "bench": bench}[
            args.command
        ](args)
    except CLIError as exc:
        print(f"gankit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    return status or 0
