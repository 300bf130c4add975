"""Recipes: tested settings that build and compile a ready-to-fit GAN in one call.

The notebooks build the same models step by step; the CLI (``python -m gankit train``) uses these,
so both run the same measured recipe.
"""

from __future__ import annotations

import contextlib

# Keras and the trainers are imported where a recipe is built, not here: the command line reads
# RECIPES and the defaults for its help and its argument checks, and `python -m gankit --help` or
# `exercises check` would otherwise wait about 4 s for TensorFlow to start
# (tests/test_cli.py checks that importing this module leaves TensorFlow unloaded).

# The DCGAN recipe of notebook 03, measured on the 2-core CI machine (see README).
DCGAN_DEFAULTS = {
    "latent_dim": 64,
    "base_filters": 48,
    "d_filters": 32,
    "g_learning_rate": 1e-3,
    "d_learning_rate": 5e-4,
    "beta_1": 0.0,
    "beta_2": 0.99,
    "batch_size": 32,
    "ema": 0.99,
    "r1_gamma": 0.1,
    "steps_per_execution": 25,
    "jit_compile": True,  # XLA, which Keras leaves off on a CPU unless asked
    "precision": "float32",
}

# The conditional recipe: notebook 03's DCGAN settings, G([z, y]) and a projection discriminator
# (gankit.conditional). Measured on the 2-core CI machine before R1 joined the DCGAN recipe, and
# kept without it (lesson 11's time budget): see README ("train cgan").
CGAN_DEFAULTS = {**DCGAN_DEFAULTS, "r1_gamma": 0.0, "n_classes": 10}

# The self-conditioned recipe (gankit.self_conditioned): the conditional recipe's networks and
# settings, trained on k-means clusters of the images instead of labels. 20 clusters: with 10 the
# FID of the 4,000 training digits' run rose again after 2.5 minutes (README, "FID 5 in 5 minutes").
SELF_CONDITIONED_DEFAULTS = {
    **{k: v for k, v in CGAN_DEFAULTS.items() if k != "n_classes"},
    "clusters": 20,
}

MLP_DEFAULTS = {
    "latent_dim": 64,
    "hidden": (256, 512),
    "g_learning_rate": 1e-3,
    "d_learning_rate": 1e-3,
    "beta_1": 0.5,
    "beta_2": 0.999,
    "batch_size": 64,
    "ema": None,
    "steps_per_execution": 25,
    "jit_compile": True,  # XLA, which Keras leaves off on a CPU unless asked
    "precision": "float32",
}


# Keras dtype policies a recipe can train under (``precision=...``, ``train --precision``):
# float32 everywhere (every measured number of the course), or mixed precision, where the layers
# compute in 16 bits and keep float32 weights, and each network's last layer stays float32
# (gankit.models.OUT). bfloat16 has float32's range and needs no loss scaling; float16 (what a
# GPU's tensor cores such as Colab's T4 run fast) gets Keras' dynamic loss scaling: both
# optimizers are wrapped in ``keras.optimizers.LossScaleOptimizer`` and the trainers scale each
# loss before taking its gradients (``optimizer.scale_loss``, a no-op for a plain optimizer).
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def setting_from_text(name, text, defaults=None):
    """``name=text`` from a command line (the benchmark scripts) as a recipe setting, typed like
    its default in ``defaults`` (``DCGAN_DEFAULTS`` if not given): ``"64"`` -> 64, ``"1e-3"`` ->
    0.001, ``"false"`` -> False (``bool("False")`` would be True), ``"none"`` -> None.
    Raises ``ValueError`` in one line for an unknown name or a value of the wrong kind."""
    defaults = DCGAN_DEFAULTS if defaults is None else defaults
    if name not in defaults:
        raise ValueError(f"{name}: not a recipe setting; expected one of {', '.join(defaults)}")
    default, word = defaults[name], text.strip().lower()
    if word == "none":
        return None
    if isinstance(default, bool):
        if word not in ("true", "false"):
            raise ValueError(f"{name}: expected true or false, got {text!r}")
        return word == "true"
    kind = float if default is None else type(default)
    try:
        return kind(text)
    except ValueError:
        words = {int: "a whole number", float: "a number"}.get(kind, kind.__name__)
        raise ValueError(f"{name}: expected {words}, got {text!r}") from None


@contextlib.contextmanager
def precision(name):
    """Build networks under Keras' dtype policy ``name`` (one of ``PRECISIONS``), then restore
    the global policy. Raises ``ValueError`` for another name."""
    import keras

    if name not in PRECISIONS:
        raise ValueError(f"precision: expected one of {', '.join(PRECISIONS)}, got {name!r}")
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


def _optimizer(learning_rate, cfg):
    import keras

    adam = keras.optimizers.Adam(learning_rate, cfg["beta_1"], cfg["beta_2"])
    if cfg["precision"] == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(adam)
    return adam


def _compile(gan, cfg):
    gan.compile(
        d_optimizer=_optimizer(cfg["d_learning_rate"], cfg),
        g_optimizer=_optimizer(cfg["g_learning_rate"], cfg),
        jit_compile=cfg["jit_compile"],
        steps_per_execution=cfg["steps_per_execution"],
    )
    return gan, cfg


def dcgan(image_shape, seed=0, **overrides):
    """A compiled DCGAN (:class:`gankit.gans.GAN`) for ``image_shape`` with ``DCGAN_DEFAULTS``.

    Unknown keyword names raise ``TypeError``. XLA compilation is switched on (Keras leaves it
    off on CPU-only machines; ``jit_compile=False`` turns it off) and 25 steps run per call
    (``steps_per_execution``), which removes most per-step Python overhead for small networks.
    ``precision="mixed_float16"`` (or ``"mixed_bfloat16"``) builds the networks under that Keras
    policy (``PRECISIONS``). Returns ``(gan, config)``.
    """
    from gankit import gans, models

    cfg = _merge(DCGAN_DEFAULTS, overrides)
    with precision(cfg["precision"]):
        gan = gans.GAN(
            models.dcgan_generator(
                cfg["latent_dim"], image_shape, base_filters=cfg["base_filters"]
            ),
            models.dcgan_discriminator(image_shape, base_filters=cfg["d_filters"]),
            seed=seed,
            ema=cfg["ema"],
            r1_gamma=cfg["r1_gamma"],
        )
    return _compile(gan, cfg)


def cgan(image_shape, seed=0, **overrides):
    """A compiled conditional DCGAN (:class:`gankit.conditional.ConditionalGAN`, projection
    discriminator) for ``image_shape`` with ``CGAN_DEFAULTS``: fit it on ``(images, labels)``
    batches. Returns ``(gan, config)``."""
    from gankit import conditional

    cfg = _merge(CGAN_DEFAULTS, overrides)
    n = cfg["n_classes"]
    return _conditional(conditional.ConditionalGAN, image_shape, n, cfg, seed, n)


def _conditional(trainer, image_shape, n_classes, cfg, seed, *args):
    """``trainer(G([z, y]), projection D, *args, ...)`` built under the recipe's precision, compiled:
    the networks of ``cgan`` and ``self_conditioned``."""
    from gankit import conditional

    with precision(cfg["precision"]):
        gan = trainer(
            conditional.conditional_generator(
                cfg["latent_dim"], image_shape, n_classes, base_filters=cfg["base_filters"]
            ),
            conditional.projection_discriminator(
                image_shape, n_classes, base_filters=cfg["d_filters"]
            ),
            *args,
            seed=seed,
            ema=cfg["ema"],
            r1_gamma=cfg["r1_gamma"],
        )
    return _compile(gan, cfg)


def self_conditioned(images, seed=0, **overrides):
    """A compiled self-conditioned DCGAN (:class:`gankit.self_conditioned.SelfConditionedGAN`)
    for ``images`` with ``SELF_CONDITIONED_DEFAULTS``: the images are clustered first (k-means,
    ``clusters`` of them, seeded by ``seed``). Fit it on ``(images, labels)`` batches of these
    images and the returned cluster ``labels``. Returns ``(gan, config, labels)``."""
    from gankit import self_conditioned as sc

    cfg = _merge(SELF_CONDITIONED_DEFAULTS, overrides)
    labels, shares = sc.cluster_images(images, cfg["clusters"], seed=seed)
    gan, cfg = _conditional(sc.SelfConditionedGAN, images.shape[1:], len(shares), cfg, seed, shares)
    return gan, cfg, labels


def mlp_gan(sample_shape, seed=0, **overrides):
    """A compiled MLP GAN for images or points of ``sample_shape`` with ``MLP_DEFAULTS``."""
    from gankit import gans, models

    cfg = _merge(MLP_DEFAULTS, overrides)
    is_image = len(sample_shape) == 3
    with precision(cfg["precision"]):
        gan = gans.GAN(
            models.mlp_generator(cfg["latent_dim"], sample_shape, cfg["hidden"], tanh=is_image),
            models.mlp_discriminator(sample_shape, tuple(reversed(cfg["hidden"]))),
            seed=seed,
            ema=cfg["ema"],
        )
    return _compile(gan, cfg)


RECIPES = {"dcgan": dcgan, "cgan": cgan, "mlp": mlp_gan, "self_conditioned": self_conditioned}
CONDITIONAL = {"cgan"}  # recipes that train on (images, labels)
# recipes called with the images themselves (not their shape), returning (gan, config, labels):
# they make their own labels, so they train on (images, labels) too, and need none in the data
CLUSTERED = {"self_conditioned"}
# Epochs the notebooks train for within their budgets (03: DCGAN, 11: conditional, 02: MLP GAN);
# the self-conditioned recipe, which no lesson trains, gets the DCGAN's.
DEFAULT_EPOCHS = {"dcgan": 20, "cgan": 6, "mlp": 40, "self_conditioned": 20}


def _merge(defaults, overrides):
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(defaults)}")
    return {**defaults, **overrides}
