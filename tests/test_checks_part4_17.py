"""Notebook 17's exercise checks (responsible use): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.optimize import nnls

from gankit import checks, provenance


def corrected_shares(read_shares, confusion):
    shares = np.clip(np.linalg.solve(np.asarray(confusion).T, read_shares), 0, None)
    return shares / shares.sum()


def _nnls(read_shares, confusion):
    # non-negative least squares with the sum-to-one row appended: another valid answer
    a = np.vstack([np.asarray(confusion).T, np.ones(len(read_shares))])
    shares, _ = nnls(a, np.r_[read_shares, 1.0])
    return shares / shares.sum()


def test_corrected_shares_passes_the_reference_and_nnls(capsys):
    checks.check_corrected_shares(corrected_shares)
    checks.check_corrected_shares(_nnls)
    assert capsys.readouterr().out == "✓ corrected_shares: all 3 checks passed\n" * 2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda r, c: np.asarray(r), "unchanged"),
        (lambda r, c: corrected_shares(r, np.asarray(c).T), "solve with the transpose"),
        (lambda r, c: np.linalg.solve(np.asarray(c).T, r), "clip the solution at 0"),
        (
            lambda r, c: np.clip(np.linalg.solve(np.asarray(c).T, r), 0, None),
            "renormalise after clipping",
        ),
        (lambda r, c: corrected_shares(r, c)[:-1], "one share per class"),
    ],
)
def test_corrected_shares_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="corrected_shares") as caught:
        checks.check_corrected_shares(fn)
    assert message in str(caught.value)


def pixels_match(path):
    record = provenance.read_provenance(path)
    if record is None:
        return None
    with Image.open(path) as im:
        now = hashlib.sha256(np.asarray(im).tobytes()).hexdigest()
    return now == record["pixel_sha256"]


def test_pixels_match_passes_the_reference_and_the_library(capsys):
    checks.check_pixels_match(pixels_match)
    checks.check_pixels_match(lambda path: provenance.verify(path)["pixels_match"])
    assert capsys.readouterr().out == "✓ pixels_match: all 4 checks passed\n" * 2


def _file_bytes(path):
    record = provenance.read_provenance(path)
    if record is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() == record["pixel_sha256"]


def _float_pixels(path):
    record = provenance.read_provenance(path)
    if record is None:
        return None
    with Image.open(path) as im:
        pixels = np.asarray(im, dtype="float32") / 127.5 - 1
    return hashlib.sha256(pixels.tobytes()).hexdigest() == record["pixel_sha256"]


def _trusting(path):
    return None if provenance.read_provenance(path) is None else True


def _no_none(path):
    return bool(pixels_match(path))


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_file_bytes, "not the file's bytes"),
        (_float_pixels, "not the file's bytes"),
        (_trusting, "a record is only a claim"),
        (_no_none, "return None"),
        (lambda path: None, "this file has a record"),
        (lambda path: provenance.read_provenance(path), "True, False or None"),
    ],
)
def test_pixels_match_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="pixels_match") as caught:
        checks.check_pixels_match(fn)
    assert message in str(caught.value)
