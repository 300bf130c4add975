"""The CLI's recipes must stay the settings the notebooks measured: one test instead of a comment."""

import ast
import json
from pathlib import Path

import pytest

from gankit import recipes

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_parameters(name):
    """The ALL-CAPS constants assigned in a notebook's code cells, as Python values."""
    values = {}
    for cell in json.loads((NOTEBOOKS / name).read_text())["cells"]:
        if cell["cell_type"] != "code" or cell.get("id") == "gankit-setup":  # it holds %pip
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.Tuple):
                for target in node.targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    vals = ast.literal_eval(node.value)
                    vals = vals if isinstance(target, ast.Tuple) else [vals]
                    for n, v in zip(names, vals, strict=True):
                        if isinstance(n, ast.Name) and n.id.isupper():
                            values[n.id] = v
    return values


def test_dcgan_recipe_is_notebook_03():
    p, d = notebook_parameters("03_dcgan.ipynb"), recipes.DCGAN_DEFAULTS
    assert (p["LATENT_DIM"], p["BASE_FILTERS"], p["D_FILTERS"]) == (
        d["latent_dim"],
        d["base_filters"],
        d["d_filters"],
    )
    assert (p["G_LEARNING_RATE"], p["D_LEARNING_RATE"], p["BETA_1"], p["BETA_2"]) == (
        d["g_learning_rate"],
        d["d_learning_rate"],
        d["beta_1"],
        d["beta_2"],
    )
    assert (p["BATCH_SIZE"], p["EMA"], p["R1_GAMMA"]) == (d["batch_size"], d["ema"], d["r1_gamma"])
    assert p["EPOCHS"] == recipes.DEFAULT_EPOCHS["dcgan"]


def test_mlp_recipe_is_notebook_02():
    p, d = notebook_parameters("02_first_image_gan.ipynb"), recipes.MLP_DEFAULTS
    assert (p["LATENT_DIM"], p["BATCH_SIZE"], p["LEARNING_RATE"]) == (
        d["latent_dim"],
        d["batch_size"],
        d["g_learning_rate"],
    )
    assert d["d_learning_rate"] == d["g_learning_rate"]
    assert p["EPOCHS"] == recipes.DEFAULT_EPOCHS["mlp"]


def test_settings_from_the_command_line_are_typed_like_their_defaults():
    parse = recipes.setting_from_text
    assert parse("batch_size", "64") == 64 and type(parse("batch_size", "64")) is int
    assert parse("g_learning_rate", "1.5e-3") == 0.0015
    # bool("False") is True: the words are read, not Python's truthiness
    assert parse("jit_compile", "false") is False and parse("jit_compile", "True") is True
    assert parse("ema", "none") is None and parse("ema", "0.995") == 0.995
    assert parse("ema", "0.9", recipes.MLP_DEFAULTS) == 0.9  # a default of None reads a float
    for name, text, words in [
        ("batch", "64", "not a recipe setting"),
        ("jit_compile", "0", "expected true or false"),
        ("batch_size", "6.5", "expected a whole number"),
        ("g_learning_rate", "fast", "expected a number"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse(name, text)
