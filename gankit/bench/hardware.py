"""What the machine can do and what a run costs: FLOPs counted by hand from layer shapes, the
CPU's peak FLOP/s, and the process's peak resident memory."""

from __future__ import annotations

import os
import platform
import threading
from pathlib import Path

import keras
from keras import layers

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


def cpu_model():
    """The CPU's name as /proc/cpuinfo gives it ("model name"), else what ``platform`` knows."""
    return _cpuinfo_field(_cpuinfo(), "model name") or platform.processor() or platform.machine()


def onednn_enabled():
    """Whether TensorFlow runs its oneDNN kernels in this process: on by default on x86 Linux,
    off under ``TF_ENABLE_ONEDNN_OPTS=0``, which the kit's command line, notebooks and tests set
    unless the environment says otherwise (the same digits on every CPU). It changes the speed of
    convolutions on a CPU several-fold, so the benchmark records it. ``None`` if TensorFlow does
    not say (a private function of TensorFlow's, read defensively)."""
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):  # pragma: no cover - another TensorFlow build
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
        "cpu": cpu_model(),
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
    /proc is missing). ``measure`` replaces what is sampled (a function returning MiB or
    ``None``): ``tools/execute_notebooks.py`` samples a notebook's kernel with it."""

    def __init__(self, interval=0.05, measure=_rss_mib):
        self.interval, self.measure = interval, measure
        self.start_mib = self.peak_mib = None
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            now = self.measure()
            if now is not None:
                self.peak_mib = max(self.peak_mib or 0.0, now)
            self._stop.wait(self.interval)

    def __enter__(self):
        self.start_mib = self.peak_mib = self.measure()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        now = self.measure()
        if now is not None:
            self.peak_mib = max(self.peak_mib or 0.0, now)
        return False
