"""Nothing gankit loads can run code: safe-mode Keras files, plain-array checkpoints, no pickle."""

import ast
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from gankit import checkpoints, evaluator, models

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lambda_model(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    path = tmp_path / "with_lambda.keras"
    model.save(path)
    return path


def test_a_model_with_a_lambda_is_refused_with_an_explanation(lambda_model):
    with pytest.raises(models.UnsafeModelError, match="contains Python code .* safe mode"):
        models.load(lambda_model)


def test_the_evaluator_loader_refuses_it_too(lambda_model):
    with pytest.raises(models.UnsafeModelError, match="evaluator: refusing to load"):
        evaluator.load_evaluator(lambda_model)


def test_the_cli_refuses_it_in_one_line(lambda_model, tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "gankit",
            "sample",
            str(lambda_model),
            "--out",
            str(tmp_path / "g.png"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "refusing to load" in run.stderr
    assert not (tmp_path / "g.png").exists()


def test_a_plain_model_loads(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.save(tmp_path / "ok.keras")
    assert models.load(tmp_path / "ok.keras").output_shape == (None, 2)
    with pytest.raises(FileNotFoundError, match="no such file"):
        models.load(tmp_path / "missing.keras")
    (tmp_path / "weights.h5").write_bytes(b"")
    with pytest.raises(ValueError, match="expected a .keras file"):
        models.load(tmp_path / "weights.h5")


def test_a_checkpoint_with_python_objects_is_refused(tmp_path):
    # one checkpoint file whose state is fine but whose weights are pickled Python objects
    np.savez(
        tmp_path / checkpoints.FILE,
        **{"generator/0000": np.array([{"a": 1}], dtype=object), "state": np.array("{}")},
    )
    g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    from gankit import gans

    gan = gans.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(), keras.optimizers.SGD())
    with pytest.raises(ValueError, match="holds Python objects"):
        checkpoints.restore(gan, tmp_path)


# ----------------------------------------------------------------- the source scan
# Modules whose loaders run code from the data (pickle and its relatives).
PICKLERS = {"pickle", "_pickle", "cPickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}
# Functions that unpickle or turn Keras's safe mode off, whatever their arguments.
UNSAFE_FUNCTIONS = {
    "pandas.read_pickle",
    "pandas.io.pickle.read_pickle",
    "torch.load",
    "keras.config.enable_unsafe_deserialization",
    "keras.saving.enable_unsafe_deserialization",
}
# Attribute names flagged on any object (a DataFrame's to_pickle, an aliased keras.config, ...).
UNSAFE_ATTRIBUTES = {"read_pickle", "to_pickle", "enable_unsafe_deserialization"}
NUMPY_LOAD = {"numpy.load", "numpy.lib.npyio.load"}


def _aliases(tree):
    """{local name: dotted module path} for every import in the file (at any depth)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    names[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _dotted(node, aliases):
    """The dotted name an expression refers to (``np.load`` -> ``numpy.load``), else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _is_constant(node, value):
    return isinstance(node, ast.Constant) and node.value is value


def scan_source(source, filename="<snippet>"):
    """Problems (``file:line what``) in one Python source that could unpickle or run loaded code.

    Flags: importing a pickler (also ``from x import joblib``, ``__import__("pickle")``,
    ``importlib.import_module("dill")``); calling or referring to ``pandas.read_pickle``,
    ``torch.load`` or ``enable_unsafe_deserialization``; ``numpy.load`` under any alias unless
    called directly with the file alone and ``allow_pickle=False`` (a reference that is not a call,
    ``**kwargs`` or extra positional arguments could hide ``allow_pickle=True``); any
    ``allow_pickle`` other than the literal ``False`` and any ``safe_mode`` other than ``True``.
    """
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    problems = []

    def flag(node, what):
        problems.append(f"{filename}:{node.lineno} {what}")

    checked_loads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] + [a.name for a in node.names]
            if any(m.split(".")[0] in PICKLERS for m in modules):
                flag(node, f"imports a pickler ({', '.join(modules)})")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name in {"__import__", "importlib.import_module"} and any(
                isinstance(a, ast.Constant) and str(a.value).split(".")[0] in PICKLERS
                for a in node.args
            ):
                flag(node, f"imports a pickler by name ({name})")
            for kw in node.keywords:
                if kw.arg == "safe_mode" and not _is_constant(kw.value, True):
                    flag(node, "safe_mode is not the literal True")
                if kw.arg == "allow_pickle" and not _is_constant(kw.value, False):
                    flag(node, "allow_pickle is not the literal False")
            if name in NUMPY_LOAD:
                checked_loads.add(id(node.func))
                keywords = {kw.arg: kw.value for kw in node.keywords}
                if (
                    None in keywords
                    or len(node.args) > 1
                    or any(isinstance(a, ast.Starred) for a in node.args)
                ):
                    flag(node, "numpy.load with *args/**kwargs or positional options")
                elif not _is_constant(keywords.get("allow_pickle"), False):
                    flag(node, "numpy.load without allow_pickle=False")
        if isinstance(node, ast.Attribute | ast.Name) and not isinstance(
            getattr(node, "ctx", None), ast.Store
        ):
            name = _dotted(node, aliases)
            if name is None or isinstance(node, ast.Name) and node.id not in aliases:
                continue
            if name in UNSAFE_FUNCTIONS or name.split(".")[-1] in UNSAFE_ATTRIBUTES:
                flag(node, f"uses {name}")
            elif name in NUMPY_LOAD and id(node) not in checked_loads:
                flag(node, f"refers to {name} outside a direct call (its arguments are hidden)")
    return sorted(set(problems))


def scan_tree(root):
    """``scan_source`` over every ``.py`` file under ``root``, subpackages included."""
    problems = []
    for path in sorted(Path(root).rglob("*.py")):
        problems += scan_source(path.read_text(), str(path.relative_to(root)))
    return problems


MUST_FLAG = {
    "import pickle": "import pickle",
    "from pickle import loads": "from pickle import loads",
    "import cPickle": "import cPickle as p",
    "dill": "import dill",
    "joblib": "import joblib\njoblib.load('m.joblib')",
    "joblib from sklearn": "from sklearn.externals import joblib",
    "cloudpickle": "import cloudpickle",
    "shelve": "import shelve",
    "marshal": "import marshal",
    "__import__": "m = __import__('pickle')",
    "import_module": "import importlib\nimportlib.import_module('dill')",
    "numpy.load": "import numpy\nnumpy.load('a.npy')",
    "np.load": "import numpy as np\nnp.load('a.npy')",
    "from numpy import load": "from numpy import load\nload('a.npy')",
    "from numpy import load as alias": "from numpy import load as ld\nld('a.npy')",
    "np.load allow_pickle=True": "import numpy as np\nnp.load('a.npy', allow_pickle=True)",
    "allow_pickle via a variable": (
        "import numpy as np\nflag = False\nnp.load('a.npy', allow_pickle=flag)"
    ),
    "allow_pickle via **kwargs": (
        "import numpy as np\nkw = {'allow_pickle': True}\nnp.load('a.npy', **kw)"
    ),
    "allow_pickle positionally": "import numpy as np\nnp.load('a.npy', None, True)",
    "np.load aliased by assignment": "import numpy as np\nload = np.load\nload('a.npy')",
    "np.load passed on": "import functools\nimport numpy as np\nf = functools.partial(np.load)",
    "numpy.lib.npyio.load": "import numpy\nnumpy.lib.npyio.load('a.npy')",
    "pd.read_pickle": "import pandas as pd\npd.read_pickle('t.pkl')",
    "pandas.read_pickle": "import pandas\npandas.read_pickle('t.pkl')",
    "from pandas import read_pickle": "from pandas import read_pickle\nread_pickle('t.pkl')",
    "to_pickle": "def f(df):\n    df.to_pickle('t.pkl')",
    "torch.load": "import torch\ntorch.load('m.pt')",
    "from torch import load": "from torch import load as tl\ntl('m.pt')",
    "keras.config.enable_unsafe_deserialization": (
        "import keras\nkeras.config.enable_unsafe_deserialization()"
    ),
    "from keras.config import enable_unsafe_deserialization": (
        "from keras.config import enable_unsafe_deserialization\nenable_unsafe_deserialization()"
    ),
    "safe_mode=False": "import keras\nkeras.models.load_model('m.keras', safe_mode=False)",
    "safe_mode via a variable": (
        "import keras\nsafe = True\nkeras.models.load_model('m.keras', safe_mode=safe)"
    ),
    "allow_pickle in another call": "from numpy.lib import format\nformat.read_array(f, allow_pickle=1)",
    "nested import": "def f():\n    import pandas as pd\n    return pd.read_pickle('t')",
}

MUST_PASS = {
    "np.load with allow_pickle=False": "import numpy as np\nnp.load('a.npz', allow_pickle=False)",
    "numpy.load with allow_pickle=False": (
        "import numpy\nwith numpy.load(path, allow_pickle=False) as f:\n    pass"
    ),
    "safe_mode=True": "import keras\nkeras.models.load_model('m.keras', safe_mode=True)",
    "plain keras load": "import keras\nkeras.models.load_model('m.keras')",
    "json.loads": "import json\njson.loads('{}')",
    "np.loadtxt": "import numpy as np\nnp.loadtxt('a.txt')",
    "pd.read_csv": "import pandas as pd\npd.read_csv('t.csv')",
    "a method called load": "def f(model):\n    model.load('x')\n    model.load_weights('x')",
    "a local named load": "def load(path):\n    return path\nload('a')",
    "the word pickle in a string": "message = 'gankit never unpickles; no pickle here'",
    "a variable named pickle_free": "pickle_free = True",
    "checkpoint-style magic check": (
        "import numpy as np\n"
        "def read(path):\n"
        "    with open(path, 'rb') as f:\n"
        "        if f.read(4) != b'PK\\x03\\x04':\n"
        "            raise ValueError(path)\n"
        "    with np.load(path, allow_pickle=False) as stored:\n"
        "        return dict(stored)"
    ),
}


@pytest.mark.parametrize("snippet", MUST_FLAG.values(), ids=list(MUST_FLAG))
def test_the_scanner_flags(snippet):
    assert scan_source(snippet) != [], f"not flagged:\n{snippet}"


@pytest.mark.parametrize("snippet", MUST_PASS.values(), ids=list(MUST_PASS))
def test_the_scanner_passes(snippet):
    assert scan_source(snippet) == []


def test_the_scanner_walks_subpackages(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("import numpy as np\n")
    (tmp_path / "pkg" / "sub" / "part.py").write_text("import pandas as pd\npd.read_pickle('x')\n")
    (problem,) = scan_tree(tmp_path / "pkg")
    assert problem.startswith(str(Path("sub", "part.py")) + ":2 ")


def test_no_code_in_gankit_unpickles_or_turns_safe_mode_off():
    files = sorted((ROOT / "gankit").rglob("*.py"))
    assert len(files) > 10, files  # the whole tree, subpackages (checks/, ...) included
    assert scan_tree(ROOT / "gankit") == []
