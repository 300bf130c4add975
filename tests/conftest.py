import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import matplotlib  # noqa: E402

# Not MPLBACKEND: nbval kernels started later in the same pytest run would inherit it and lose
# every figure. Selecting the backend in-process affects the unit tests only.
matplotlib.use("Agg")


import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI must not turn red by chance: property tests draw the same examples on every run (set
# HYPOTHESIS_PROFILE=explore to search new ones locally).
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def digits():
    """256 of scikit-learn's 8x8 digits in [-1, 1]: enough for a few quick training steps."""
    from gankit import data

    return data.load_digits("train")[0][:256]
