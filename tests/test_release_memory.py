"""gankit.runtime.release_memory: freed heap memory goes back to the OS (issue 18, Binder's 2 GB).

Lesson 11 peaked at 2.10 GB in one run: glibc kept what each XLA compile and each large eager batch
had freed. With the release after every trainer's fit and every predict_in_batches it peaked at
1.81 GB, with the same outputs.
"""

import subprocess
import sys

import numpy as np
import pytest
from gan_helpers import tiny_gan

from gankit import models, runtime

# In a fresh process: 2,000 freed blocks of 100 KB (below glibc's mmap threshold, so they live on the
# heap) under one block still in use, so that free() alone cannot shrink the heap from its top.
HOLES = """
import sys
from gankit import runtime

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6

blocks = [bytearray(100_000) for _ in range(2_000)]
for b in blocks:
    b[::4096] = b"x" * len(b[::4096])  # touch every page
keep = bytearray(1_000)  # above the freed blocks
del blocks
before = rss_mb()
released = runtime.release_memory()
print(released, before, rss_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_freed_heap_memory_goes_back_to_the_os():
    run = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, check=True)
    released, before, after = run.stdout.split()
    assert released == "True"
    assert float(before) - float(after) > 100, (before, after)  # of the 200 MB freed


def test_every_fit_and_batched_prediction_releases_memory(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "release_memory", lambda: calls.append(1) or True)
    gan = tiny_gan()
    images = np.zeros((16, 8, 8, 1), "float32")
    gan.fit(images, batch_size=8, epochs=1, verbose=0)
    assert len(calls) == 1
    models.predict_in_batches(gan.generator, np.zeros((10, 8), "float32"), batch_size=4)
    assert len(calls) == 2


def test_release_memory_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(runtime, "_MALLOC_TRIM", None)
    assert runtime.release_memory() is False


def test_releasing_memory_changes_no_result(monkeypatch):
    """The release only returns memory already freed: a run with it and a run without it (a
    no-op in its place) end with the same weights and samples, bit for bit."""
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")

    def run():
        gan = tiny_gan(seed=3)
        gan.fit(images, batch_size=8, epochs=2, verbose=0)
        return [w.copy() for w in gan.generator.get_weights()], gan.generate(6, seed=1)

    with_release = run()
    monkeypatch.setattr(runtime, "release_memory", lambda: False)
    without = run()
    for a, b in zip(with_release[0], without[0], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(with_release[1], without[1])
