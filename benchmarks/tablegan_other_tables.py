"""TableGAN with its defaults on small mixed tables it was not tuned on (issue 17's goal).

The goal: fitted with defaults, ``gankit.tabular.TableGAN`` reproduces pair trends at least twice
as well as the independent-columns baseline, i.e. its pair-trend error is at most half the
baseline's, on small mixed tables with missing values. Each table is split 80/20 (stratified by
its class column, ``random_state=seed``); the GAN and the baseline see the 80 %, and
``tabular.evaluate`` judges both against the 20 % they never saw. Also printed: the error of the
training rows themselves against the hold-out (the noise floor of a table this small) and the
GAN's excess over that floor as a share of the baseline's (lesson 14's measure), and the two
errors against the training rows themselves (probably how the goal was first measured; that
protocol was not recorded).

Tables: the penguins (their own holes) and three scikit-learn tables made mixed (the class as a
string column) with holes punched at random in the numeric columns (iris 8 %, wine 7 %, diabetes
6 %, with ``sex`` as a category). Only the penguins were used when the defaults were chosen.

    python benchmarks/tablegan_other_tables.py          # seeds 0-2, 12 fits of 14-24 s each

Measured 2026-12-06 (x86_64, 2 cores): against the training rows, GAN / baseline 0.30-0.49 (12 of
12 at most 0.5); against the hold-out, raw 0.37-0.69 (4 of 12), beyond the floor 0.39 at most.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from gankit import data, tabular  # noqa: E402


def with_holes(frame, share, seed, keep):
    """``frame`` with ``share`` of the values of every column but ``keep`` set to NaN."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for column in out.columns.drop(keep):
        out.loc[rng.random(len(out)) < share, column] = np.nan
    return out


def sklearn_table(loader, share):
    bunch = loader(as_frame=True)
    frame = bunch.frame.copy()
    if "target" in frame:
        names = getattr(bunch, "target_names", None)
        labels = frame.pop("target")
        if names is not None:
            frame["class"] = pd.Categorical(np.asarray(names)[labels.astype(int)])
            return with_holes(frame, share, 0, keep=["class"]), "class"
    # diabetes: a numeric target; its sex column (two values) becomes the category
    frame["target"] = labels
    frame["sex"] = pd.Categorical(np.where(frame["sex"] > 0, "a", "b"))
    return with_holes(frame, share, 0, keep=["sex"]), "sex"


def tables():
    yield "penguins", data.load_penguins(), "species"
    yield ("iris, 8 % holes", *sklearn_table(datasets.load_iris, 0.08))
    yield ("wine, 7 % holes", *sklearn_table(datasets.load_wine, 0.07))
    yield ("diabetes, 6 % holes", *sklearn_table(datasets.load_diabetes, 0.06))


def main(seeds):
    rows = []
    for name, frame, stratify in tables():
        for seed in seeds:
            train, test = train_test_split(
                frame, test_size=0.2, stratify=frame[stratify], random_state=seed
            )
            start = time.perf_counter()
            synthetic = tabular.TableGAN(seed=seed).fit(train).sample(len(train), seed=seed)
            seconds = time.perf_counter() - start
            baseline = tabular.independent_columns(train, len(train), seed=seed)
            error = {
                who: 1 - tabular.evaluate(test, rows_, seed=seed)["pair_trends"]["mean"]
                for who, rows_ in (("gan", synthetic), ("baseline", baseline), ("train", train))
            }
            fitted = {  # against the rows both were made from, as the goal was first measured
                who: 1 - tabular.evaluate(train, rows_, seed=seed)["pair_trends"]["mean"]
                for who, rows_ in (("gan", synthetic), ("baseline", baseline))
            }
            rows.append(
                {
                    "table": name,
                    "seed": seed,
                    "GAN error": error["gan"],
                    "baseline error": error["baseline"],
                    "training rows' error": error["train"],
                    "GAN / baseline": error["gan"] / error["baseline"],
                    "excess share": (error["gan"] - error["train"])
                    / (error["baseline"] - error["train"]),
                    "vs training rows: GAN / baseline": fitted["gan"] / fitted["baseline"],
                    "fit s": seconds,
                }
            )
            print(pd.DataFrame(rows[-1:]).round(3).to_string(header=len(rows) == 1), flush=True)
    result = pd.DataFrame(rows)
    print()
    ratios = ["GAN / baseline", "excess share", "vs training rows: GAN / baseline"]
    print(result.groupby("table", sort=False)[ratios].agg(["min", "max"]).round(2).to_string())
    for ratio in ratios:
        met = (result[ratio] <= 0.5).sum()
        print(f"{ratio}: at most 0.5 in {met} of {len(result)} fits")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])
