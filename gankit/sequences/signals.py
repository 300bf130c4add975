"""Time series whose answer is known: sine waves with drawn parameters, a GAN with 1-D networks
for them, and the measurement that says whether it learned the parameters' distribution. Part of
:mod:`gankit.sequences` (Part 4, notebook 16).

A picture of generated signals convinces nobody: every wiggle looks like a wave. Here each real
signal is ``A sin(2 pi f t / length + phase)`` plus a little noise, with ``f`` and ``A`` drawn
from known distributions (:func:`sine_waves`). :func:`signal_parameters` reads ``f`` and ``A``
back from any signal, real or generated, so a GAN is judged by a number: how far the
distribution of its signals' frequencies and amplitudes is from the real one
(:func:`parameter_distance`), next to two baselines, an untrained generator (the ceiling) and
a second real sample (the floor: what sampling alone costs), side by side in
:func:`distance_table`.

The GAN itself is the kit's :class:`gankit.gans.GAN`, unchanged: its step never looks at the
shape of a sample. Only the networks are new (:func:`sequence_discriminator`, ``Conv1D`` where
the image GANs use ``Conv2D``, and :func:`sequence_generator`, a 1-D DCGAN or a dense one, which
measured better here; :func:`signal_gan` wires them with measured settings), and the input
pipeline (:func:`gankit.sequences.sequence_dataset`), because :func:`gankit.data.make_dataset`
accepts images and points only.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
from keras import layers

from gankit.sequences.training import compile_pair
from gankit.validation import _numeric_array, check_count, check_positive

PARAMETERS = ("frequency", "amplitude")  # what the distances compare


def _check_interval(bounds, name, low, high):
    """``(lo, hi)`` with ``low <= lo <= hi <= high`` (both finite), as floats."""
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}: expected a pair (low, high) of numbers, got {bounds!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and low <= lo <= hi <= high):
        raise ValueError(f"{name}: expected {low} <= low <= high <= {high:g}, got ({lo}, {hi})")
    return lo, hi


def check_signals(x, name="signals"):
    """Check a batch of 1-channel signals ``(n, length, 1)`` (or ``(n, length)``), finite, at
    least 8 samples long; return it as float64 ``(n, length)``. ``TypeError`` for non-numbers,
    ``ValueError`` naming ``name`` otherwise."""
    arr = _numeric_array(x, name)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise ValueError(
            f"{name}: expected signals of shape (n, length, 1) or (n, length), got {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] < 8:
        raise ValueError(f"{name}: expected at least 1 signal of 8 or more steps, got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name}: contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite values"
        )
    return arr


# --------------------------------------------------------------------------- the data
def sine_waves(n, length=64, seed=0, frequencies=(1.0, 4.0), amplitudes=(0.3, 0.9), noise=0.05):
    """``n`` noisy sine waves with known parameters: ``(x, params)``.

    Signal ``i`` is ``x[i, t] = A_i sin(2 pi f_i t / length + phase_i) + noise * e_t`` for
    ``t = 0 .. length - 1``, with the frequency ``f_i`` (in cycles per window of ``length``
    steps) uniform in ``frequencies``, the amplitude ``A_i`` uniform in ``amplitudes``, the
    phase uniform in ``[0, 2 pi)`` and ``e_t`` standard normal. With the defaults a window holds
    1 to 4 periods of 16 to 64 steps each, and the peaks reach 0.3 to 0.9: two independent
    uniform parameters, a flat square a GAN must fill, with edges it can overshoot.

    Returns ``x``, float32 ``(n, length, 1)`` (one channel, as ``Conv1D`` expects), and
    ``params``, a DataFrame with columns ``frequency``, ``amplitude`` and ``phase``, one row per
    signal. The same ``seed`` gives the same signals.
    """
    n = check_count(n, "n")
    length = check_count(length, "length", minimum=8)
    f_lo, f_hi = _check_interval(frequencies, "frequencies", 0.0, length / 2)
    a_lo, a_hi = _check_interval(amplitudes, "amplitudes", 0.0, np.inf)
    if noise != 0:
        noise = check_positive(noise, "noise")
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    f = rng.uniform(f_lo, f_hi, n)
    a = rng.uniform(a_lo, a_hi, n)
    phase = rng.uniform(0.0, 2 * np.pi, n)
    t = np.arange(length) / length
    x = a[:, None] * np.sin(2 * np.pi * f[:, None] * t + phase[:, None])
    x = x + noise * rng.standard_normal((n, length))
    params = pd.DataFrame({"frequency": f, "amplitude": a, "phase": phase})
    return x[..., None].astype(np.float32), params


# --------------------------------------------------------------------------- reading them back
def _basis(frequencies, length):
    """The columns of the sinusoid model at each frequency: ``sin``, ``cos`` and a constant,
    ``(..., length, 3)``."""
    angle = 2 * np.pi * np.asarray(frequencies)[..., None] * (np.arange(length) / length)
    return np.stack([np.sin(angle), np.cos(angle), np.ones_like(angle)], axis=-1)


def _fit_at(x, f):
    """Least-squares fit of ``a sin + b cos + c`` at each signal's own frequency ``f`` (``(n,)``):
    the coefficients ``(n, 3)`` and the fitted signals ``(n, length)``."""
    basis = _basis(f, x.shape[1])
    gram = np.einsum("nlk,nlj->nkj", basis, basis)
    coef = np.linalg.solve(gram, np.einsum("nlk,nl->nk", basis, x)[..., None])[..., 0]
    return coef, np.einsum("nlk,nk->nl", basis, coef)


def _parabola_peak(left, centre, right):
    """Offset in ``[-1, 1]`` grid steps of the top of the parabola through three points."""
    curvature = left - 2 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    return np.clip(np.nan_to_num(offset), -1.0, 1.0)


def signal_parameters(x, step=0.1, lowest=0.5, chunk=1024):
    """Frequency, amplitude and phase of each signal's best-fitting sinusoid, as a DataFrame.

    The estimator is least squares, written out with NumPy (``numpy.linalg``): for a frequency
    ``f`` the best fit ``a sin(2 pi f t / length) + b cos(...) + c`` is a linear regression, and
    the share of the signal's energy it explains is largest at the true frequency (this is the
    periodogram of Lomb and Scargle; for Gaussian noise it is the maximum-likelihood estimate).
    So: (1) that energy on a grid of frequencies every ``step`` cycles from ``lowest`` to the
    Nyquist limit ``length / 2``, all signals at once (an orthonormal basis per frequency from
    NumPy's QR); (2) a parabola through the best grid point and its neighbours, refined twice
    on finer spacings; (3) the regression at that frequency gives ``amplitude = hypot(a, b)``,
    ``phase = atan2(b, a)`` and ``r2``, the share of the signal's variance the sinusoid explains
    (1 for a clean sine wave, low for noise or for a generator's scribble). A plain FFT peak
    would not do: with 1 to 4 cycles in the window, a sine is not periodic in it and the FFT's
    bins (whole cycles) smear it; the grid search has no such bins.

    On clean waves (``noise=0``) it recovers the parameters to about 1e-4
    (``tests/test_sequences.py``); noise of 0.05 moves them by a few hundredths. ``x`` is
    ``(n, length, 1)`` or ``(n, length)``; work is done ``chunk`` signals at a time.
    """
    x = check_signals(x, "x")
    step = check_positive(step, "step")
    lowest = check_positive(lowest, "lowest")
    chunk = check_count(chunk, "chunk")
    length = x.shape[1]
    grid = np.arange(lowest, length / 2 - step / 2, step)
    if len(grid) < 3:
        raise ValueError(
            f"step: expected a grid of 3 or more frequencies in [{lowest}, {length / 2}),"
            f" got {len(grid)} with step {step}"
        )
    q = np.linalg.qr(_basis(grid, length))[0]  # (frequencies, length, 3), orthonormal columns
    rows = np.arange(len(x))
    energy = np.concatenate(
        [(np.einsum("flk,nl->nfk", q, x[i : i + chunk]) ** 2).sum(-1) for i in rows[::chunk]]
    )
    k = np.clip(energy.argmax(axis=1), 1, len(grid) - 2)
    f = grid[k] + step * _parabola_peak(*(energy[rows, k + d] for d in (-1, 0, 1)))
    for h in (step / 4, step / 16):  # the same parabola, on each signal's own finer grid
        around = [(_fit_at(x, f + d)[1] ** 2).sum(axis=1) for d in (-h, 0.0, h)]
        f = f + h * _parabola_peak(*around)
    coef, fitted = _fit_at(x, f)
    centred = x - x.mean(axis=1, keepdims=True)
    total = (centred**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1.0 - ((x - fitted) ** 2).sum(axis=1) / total, 0.0)
    return pd.DataFrame(
        {
            "frequency": f,
            "amplitude": np.hypot(coef[:, 0], coef[:, 1]),
            "phase": np.mod(np.arctan2(coef[:, 1], coef[:, 0]), 2 * np.pi),
            "r2": r2,
        }
    )


# --------------------------------------------------------------------------- comparing them
def _check_params(params, name):
    if not isinstance(params, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a DataFrame from signal_parameters, got {type(params).__name__}"
        )
    missing = [c for c in PARAMETERS if c not in params.columns]
    if missing or len(params) == 0:
        raise ValueError(
            f"{name}: expected rows with columns {list(PARAMETERS)}, got {len(params)} rows"
            f" with {list(params.columns)}"
        )
    values = params[list(PARAMETERS)].to_numpy(float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: contains NaN or infinite parameters")
    return values


def parameter_distance(real, fake):
    """How far the distribution of each parameter in ``fake`` is from that in ``real`` (two
    DataFrames with ``frequency`` and ``amplitude`` columns, e.g. from
    :func:`signal_parameters`): a DataFrame with one row per parameter and two columns,

    * ``wasserstein``: the 1-D Wasserstein (earth mover's) distance,
      ``scipy.stats.wasserstein_distance``, in the parameter's own unit (cycles per window,
      amplitude): how far, on average, mass must move to turn one histogram into the other;
    * ``ks``: the Kolmogorov-Smirnov statistic, ``scipy.stats.ks_2samp``, in [0, 1]: the largest
      gap between the two cumulative distributions, blind to units.

    Each parameter is compared on its own (the marginals); that two uniform marginals came from
    independent parameters is not checked. Two real samples are not at distance 0: compare a
    generator with a second real sample (:func:`distance_table`).
    """
    from scipy.stats import ks_2samp, wasserstein_distance

    a, b = _check_params(real, "real"), _check_params(fake, "fake")
    rows = {
        name: {
            "wasserstein": float(wasserstein_distance(a[:, j], b[:, j])),
            "ks": float(ks_2samp(a[:, j], b[:, j]).statistic),
        }
        for j, name in enumerate(PARAMETERS)
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def distance_table(reference, /, **candidates):
    """One row per candidate set of signals, each compared with the signals ``reference``: the
    Wasserstein distance and KS statistic of frequency and amplitude
    (:func:`parameter_distance`, columns ``frequency_w1``, ``amplitude_w1``, ``frequency_ks``,
    ``amplitude_ks``) and ``r2``, the candidates' mean share of variance a sinusoid explains
    (:func:`signal_parameters`; a real sample's is close to 1). Pass the baselines as
    candidates, e.g. ``distance_table(x, trained=fakes, untrained=noise_g, real=x_other_seed)``.
    """
    if not candidates:
        raise ValueError("candidates: expected at least one set of signals, as name=signals")
    reference = signal_parameters(check_signals(reference, "reference"))
    rows = {}
    for name, signals in candidates.items():
        params = signal_parameters(check_signals(signals, name))
        d = parameter_distance(reference, params)
        rows[name] = {
            **{f"{p}_w1": d.loc[p, "wasserstein"] for p in PARAMETERS},
            **{f"{p}_ks": d.loc[p, "ks"] for p in PARAMETERS},
            "r2": float(params["r2"].mean()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------- the networks
def sequence_generator(
    latent_dim,
    length=64,
    channels=1,
    base_filters=16,
    hidden=128,
    kind="conv",
    name="generator",
):
    """A generator of signals ``(length, channels)`` from noise, linear output (signals are not
    clipped to [-1, 1] as pixels are). Two kinds, compared in notebook 16:

    * ``"conv"``, a 1-D DCGAN: a dense stem (``hidden`` units), a ``Dense`` to
      ``(length / 4, 2 base_filters)`` with batch norm, two ``Conv1DTranspose`` (stride 2, batch
      norm, LeakyReLU) that double the length, and a ``Conv1D`` to ``channels``. ``length`` must
      be a multiple of 4. Without the stem (one ``Dense`` from the noise, as the image DCGAN
      has) the frequencies came out squeezed into the middle of their range (Wasserstein
      distance 0.34-0.53 cycles against 0.06-0.29 with it, 3 seeds).
    * ``"dense"``: two dense layers of ``hidden`` units and one to ``length * channels``: every
      step sees the whole noise vector, so a sine's frequency and phase are one global choice.
      Smaller and faster on a CPU.
    """
    latent_dim = check_count(latent_dim, "latent_dim")
    length = check_count(length, "length", minimum=8)
    channels = check_count(channels, "channels")
    base_filters = check_count(base_filters, "base_filters")
    hidden = check_count(hidden, "hidden")
    if kind not in ("conv", "dense"):
        raise ValueError(f"kind: expected 'conv' or 'dense', got {kind!r}")
    z = keras.Input((latent_dim,), name="z")
    h = layers.LeakyReLU(0.2)(layers.Dense(hidden)(z))
    if kind == "dense":
        h = layers.LeakyReLU(0.2)(layers.Dense(hidden)(h))
        x = layers.Reshape((length, channels))(layers.Dense(length * channels, name="signal")(h))
        return keras.Model(z, x, name=name)
    if length % 4:
        raise ValueError(f"length: expected a multiple of 4 (two doublings), got {length}")
    h = layers.Dense(length // 4 * 2 * base_filters)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    h = layers.Reshape((length // 4, 2 * base_filters))(h)
    for filters in (2 * base_filters, base_filters):
        h = layers.Conv1DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(h)
        h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    x = layers.Conv1D(channels, 5, padding="same", name="signal")(h)
    return keras.Model(z, x, name=name)


def sequence_discriminator(length=64, channels=1, base_filters=16, name="discriminator"):
    """A 1-D DCGAN discriminator: three ``Conv1D`` with stride 2 and LeakyReLU (no batch norm),
    flatten, one logit. Kernels of 5 steps; after the strides each feature sees a quarter of a
    64-step window, and the flattened features together see all of it."""
    length = check_count(length, "length", minimum=8)
    channels = check_count(channels, "channels")
    base_filters = check_count(base_filters, "base_filters")
    x = inputs = keras.Input((length, channels), name="x")
    for multiple in (1, 2, 2):
        x = layers.Conv1D(base_filters * multiple, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    logit = layers.Dense(1, name="logit")(layers.Flatten()(x))
    return keras.Model(inputs, logit, name=name)


# --------------------------------------------------------------------------- the recipe
# Chosen by measurement: 2,000 training signals (sine_waves' defaults), 1,500 steps, seeds 0-2,
# on the course's 2-core CPU shared with another job, XLA compilation included. The dense G
# trained in 8-10 s to a frequency Wasserstein distance of 0.12-0.16 cycles (amplitude
# 0.05-0.08); the convolutional one took 23 s to reach 0.26-0.45 (amplitude 0.06-0.10).
# Untrained G: 8.6-16.5 and 0.44-0.57; a second real sample: 0.03-0.06 and 0.003-0.006.
# A learning rate of 1e-3, beta_1 0, PacGAN packs of 2, an R1 penalty, an EMA of G and 3,000
# steps were no better within seed-to-seed spread.
SIGNAL_GAN_DEFAULTS = {
    "generator": "dense",  # sequence_generator's kind: "dense" or "conv"
    "steps": 1500,  # what to train for: fit_steps(gan, x, config["steps"])
    "latent_dim": 16,
    "base_filters": 16,
    "hidden": 128,
    "learning_rate": 2e-3,  # both networks
    "beta_1": 0.5,
    "steps_per_execution": 50,
}


def signal_gan(length=64, seed=0, **overrides):
    """A compiled :class:`gankit.gans.GAN` over :func:`sequence_generator` and
    :func:`sequence_discriminator` for signals of ``length`` steps, with
    :data:`SIGNAL_GAN_DEFAULTS` (keyword arguments override them; an unknown name is a
    ``TypeError``), Adam for both networks and XLA on. ``seed`` seeds the training noise; call
    ``keras.utils.set_random_seed(seed)`` first for the same initial weights too. Returns
    ``(gan, config)``; train it with ``gankit.sequences.fit_steps(gan, x, config["steps"])``.
    D is the 1-D convolutional :func:`sequence_discriminator`; G is dense by default, the
    faster and better of the two kinds here (``generator="conv"`` for the 1-D DCGAN)."""
    from gankit.gans import GAN

    unknown = sorted(set(overrides) - set(SIGNAL_GAN_DEFAULTS))
    if unknown:
        raise TypeError(
            f"signal_gan: unknown setting(s) {unknown}; known: {sorted(SIGNAL_GAN_DEFAULTS)}"
        )
    cfg = {**SIGNAL_GAN_DEFAULTS, **overrides}
    check_count(cfg["steps"], "steps")
    generator = sequence_generator(
        cfg["latent_dim"], length, 1, cfg["base_filters"], cfg["hidden"], cfg["generator"]
    )
    discriminator = sequence_discriminator(length, 1, cfg["base_filters"])
    gan = GAN(generator, discriminator, seed=seed)
    return compile_pair(gan, cfg)
