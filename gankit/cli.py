"""Command line: ``python -m gankit train ...`` and ``python -m gankit sample ...``.

    python -m gankit train dcgan --dataset mnist --minutes 2.5 --out runs/dcgan
    python -m gankit sample runs/dcgan/generator.keras -n 64 --out grid.png

Bad arguments get a one-line error on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
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
    return value


def build_parser():
    from gankit.data import IMAGE_DATASETS
    from gankit.recipes import RECIPES

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
        "--minutes", type=_positive_float, help="train until this many minutes have passed"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", required=True, type=Path, help="run folder to write into")
    train.add_argument(
        "--fid-samples", type=_positive_int, default=1000, help="samples used for the FID"
    )

    sample = sub.add_parser("sample", help="draw a grid of samples from a saved generator")
    sample.add_argument("generator", type=Path, help="a generator.keras file")
    sample.add_argument("-n", type=_positive_int, default=64, help="number of samples")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", required=True, type=Path, help="PNG file to write")
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


def train(args):
    out = _writable_dir(args.out)
    import keras
    import pandas as pd

    from gankit import callbacks, data, plotting, recipes

    keras.utils.set_random_seed(args.seed)
    try:
        x, _ = data.load_images(
            args.dataset, split="train" if args.dataset in ("mnist", "digits") else "all"
        )
    except RuntimeError as exc:
        raise CLIError(str(exc)) from None
    gan, cfg = recipes.RECIPES[args.model](x.shape[1:], seed=args.seed)
    ds = data.make_dataset(x, batch_size=cfg["batch_size"], seed=args.seed)
    cbs = [
        callbacks.DivergenceGuard(),
        callbacks.SampleGrid(n=64, every=1, out_dir=out / "progress"),
    ]
    if args.minutes:
        cbs.append(callbacks.TimeBudget(args.minutes))
    epochs = args.epochs or (10_000 if args.minutes else recipes.DEFAULT_EPOCHS[args.model])
    print(
        f"training {args.model} on {args.dataset}: {len(x)} images of shape {x.shape[1:]}, "
        f"{f'{args.minutes:.1f} minutes' if args.minutes else f'{epochs} epochs'} -> {out}",
        flush=True,
    )
    start = time.perf_counter()
    try:
        history = gan.fit(ds, epochs=epochs, callbacks=cbs, verbose=2)
    except callbacks.TrainingDiverged as exc:
        raise CLIError(f"{exc} ({out / 'progress'})") from None
    seconds = time.perf_counter() - start

    gan.sampler.save(out / "generator.keras")
    plotting.save_image_grid(gan.generate(64, seed=args.seed), out / "samples.png", ncols=8)
    plotting.loss_curves(history).savefig(out / "losses.png", dpi=100)
    pd.DataFrame(history.history).rename_axis("epoch").to_csv(out / "history.csv")
    result = {
        "model": args.model,
        "dataset": args.dataset,
        "epochs": len(history.history["d_loss"]),
        "train_seconds": round(seconds, 1),
        "config": cfg,
    }
    if x.shape[1:] == (28, 28, 1) and args.dataset in ("mnist", "mnist-full"):
        from gankit.evaluator import load_evaluator

        evaluator = load_evaluator()
        samples = gan.generate(args.fid_samples, seed=args.seed + 1)
        result["fid"] = round(evaluator.fid(samples, x), 3)
        result["fid_samples"] = args.fid_samples
        result["class_histogram"] = [round(float(v), 4) for v in evaluator.class_histogram(samples)]
        result["confident_share"] = round(evaluator.confident_share(samples), 4)
    (out / "metrics.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "config"}, default=float), flush=True)
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir() if p.is_file()))} in {out}")


def sample(args):
    if not args.generator.is_file():
        raise CLIError(f"generator: no such file {args.generator}")
    if args.generator.suffix != ".keras":
        raise CLIError(f"generator: expected a .keras file, got {args.generator.name}")
    _writable_dir(args.out.parent if str(args.out.parent) else Path("."))
    import keras
    import numpy as np

    from gankit import plotting

    try:
        generator = keras.models.load_model(args.generator, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises several types for bad or unsafe files
        raise CLIError(
            f"generator: could not load {args.generator}: {exc}".splitlines()[0]
        ) from None
    z = np.random.default_rng(args.seed).standard_normal((args.n, generator.input_shape[-1]))
    images = generator.predict(z.astype("float32"), verbose=0)
    plotting.save_image_grid(images, args.out)
    print(f"wrote {args.n} samples to {args.out}")


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        {"train": train, "sample": sample}[args.command](args)
    except CLIError as exc:
        print(f"gankit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    return 0
