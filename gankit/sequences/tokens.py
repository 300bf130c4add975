"""A GAN of discrete tokens: the Gumbel-softmax relaxation, the networks and :class:`TokenGAN`.
Part of :mod:`gankit.sequences` (Part 4, notebook 16).

A GAN's generator learns through D's gradient with respect to G's output. Pick a token, by
``argmax`` or by sampling, and that gradient is gone: a choice among 8 symbols does not change a
little when G's weights do. The Gumbel-softmax (Jang et al. 2017; Maddison et al. 2017, who call
it the Concrete distribution) replaces the choice by something that is almost a choice and still
has a gradient:

* the **Gumbel-max trick**: with ``g_k = -log(-log U_k)``, ``U_k`` uniform on (0, 1), the index
  ``argmax_k (logit_k + g_k)`` is a sample from ``softmax(logits)``, exactly;
* the **relaxation**: replace that argmax by ``softmax((logits + g) / tau)``. At temperature
  ``tau`` near 0 it is (almost) the one-hot sample; at larger ``tau`` it is smoother and its
  gradients are tamer. :func:`gumbel_softmax` writes both out, with the **straight-through**
  variant (``hard=True``): the forward pass is the exact one-hot sample, the backward pass the
  gradient of the soft one.

:class:`TokenGAN` is :class:`gankit.gans.GAN` with that relaxation between G and D: G outputs
logits ``(max_len, vocab)`` per sample (:func:`token_generator`), the trainer relaxes them into
rows that sum to 1, and D (:func:`token_discriminator`) judges those against real strings fed as
one-hot rows. The temperature can be annealed, from smooth early on to nearly discrete. Sampling
after training needs no relaxation: ``argmax`` of G's logits (:meth:`TokenGAN.sample`).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from gankit import models, replicas
from gankit.gans import GAN
from gankit.layers import MinibatchStdDev
from gankit.sequences.grammar import MAX_LEN, VOCAB_SIZE, VOCABULARY, decode
from gankit.sequences.training import compile_pair
from gankit.validation import check_count, check_positive

TINY = 1e-20  # keeps log(U) and log(-log U) finite


# --------------------------------------------------------------------------- the relaxation
def gumbel_noise(shape, seed=None):
    """Standard Gumbel noise ``-log(-log U)``, ``U`` uniform on (0, 1), of ``shape`` (its first
    axis the batch), from ``seed`` (an int or a ``keras.random.SeedGenerator``). Under a
    ``tf.distribute`` strategy each replica gets its own rows of the global batch's draw
    (:func:`gankit.replicas.draw`)."""
    rest = tuple(shape[1:])

    def draw(k):
        u = keras.random.uniform((k, *rest), minval=0.0, maxval=1.0, seed=seed)
        return -ops.log(-ops.log(u + TINY) + TINY)

    return replicas.draw(draw, shape[0])


def gumbel_softmax(logits, temperature=1.0, seed=None, hard=False):
    """A differentiable stand-in for a sample of one token per row of ``logits`` (the last axis
    is the vocabulary): ``softmax((logits + g) / temperature)`` with Gumbel noise ``g``
    (:func:`gumbel_noise`). Rows sum to 1; as ``temperature`` goes to 0 they become the one-hot
    sample of the Gumbel-max trick, whose token ``k`` comes up with probability
    ``softmax(logits)_k``. ``hard=True`` (straight-through) returns that one-hot sample exactly,
    with the soft rows' gradient: ``soft + stop_gradient(one_hot - soft)``.

    ``temperature`` is a number > 0 or a scalar tensor (an annealed one); ``seed`` an int (the
    same noise on every call) or a ``keras.random.SeedGenerator`` (a trainer's own: new noise
    at each step)."""
    if isinstance(temperature, int | float | np.integer | np.floating):
        check_positive(temperature, "temperature")
    logits = ops.convert_to_tensor(logits)
    if len(logits.shape) < 2:
        raise ValueError(
            f"logits: expected a batch of scores over a vocabulary (n, ..., vocab),"
            f" got shape {tuple(logits.shape)}"
        )
    shape = tuple(logits.shape)
    if shape[0] is None:
        shape = (ops.shape(logits)[0], *shape[1:])
    g = ops.cast(gumbel_noise(shape, seed), logits.dtype)
    soft = ops.softmax((logits + g) / ops.cast(temperature, logits.dtype), axis=-1)
    if not hard:
        return soft
    one_hot = ops.one_hot(ops.argmax(soft, axis=-1), shape[-1], dtype=soft.dtype)
    return soft + ops.stop_gradient(one_hot - soft)


# --------------------------------------------------------------------------- the networks
def token_generator(
    latent_dim, max_len=MAX_LEN, vocab_size=VOCAB_SIZE, hidden=(256, 256), name="generator"
):
    """An MLP from noise to one row of logits per position, ``(max_len, vocab_size)``: dense
    layers with LeakyReLU, then a linear ``Dense`` reshaped. Logits, not probabilities: the
    trainer relaxes them (:func:`gumbel_softmax`), sampling takes their argmax. Dense, not
    convolutional: every position sees the whole noise vector, so G can open a parenthesis at
    position 1 and close it at position 5."""
    latent_dim = check_count(latent_dim, "latent_dim")
    max_len, vocab_size = check_count(max_len, "max_len"), check_count(vocab_size, "vocab_size", 2)
    z = keras.Input((latent_dim,), name="z")
    h = z
    for width in models._check_widths(hidden):
        h = layers.LeakyReLU(0.2)(layers.Dense(width)(h))
    logits = layers.Dense(max_len * vocab_size, name="logits")(h)
    return keras.Model(z, layers.Reshape((max_len, vocab_size))(logits), name=name)


def token_discriminator(
    max_len=MAX_LEN,
    vocab_size=VOCAB_SIZE,
    filters=64,
    hidden=128,
    minibatch_std=False,
    name="discriminator",
):
    """D over one-hot (or relaxed) strings ``(max_len, vocab_size)``: a ``Conv1D`` of width 3
    (each position with its neighbours: the local rules, e.g. an operator between two operands)
    and LeakyReLU, flattened and joined by a dense layer of ``hidden`` units (the whole string:
    the long-range rules, e.g. every ``(`` closed), one logit. ``minibatch_std=True`` appends the
    batch's standard deviation (:class:`gankit.layers.MinibatchStdDev`) before the logit, so D
    sees a batch that lacks variety (e.g. no parentheses at all)."""
    max_len, vocab_size = check_count(max_len, "max_len"), check_count(vocab_size, "vocab_size", 2)
    filters, hidden = check_count(filters, "filters"), check_count(hidden, "hidden")
    x = inputs = keras.Input((max_len, vocab_size), name="x")
    x = layers.LeakyReLU(0.2)(layers.Conv1D(filters, 3, padding="same")(x))
    x = layers.LeakyReLU(0.2)(layers.Dense(hidden)(layers.Flatten()(x)))
    if minibatch_std:
        x = MinibatchStdDev()(x)
    return keras.Model(inputs, layers.Dense(1, name="logit")(x), name=name)


# --------------------------------------------------------------------------- the trainer
@keras.saving.register_keras_serializable(package="gankit")
class TokenGAN(GAN):
    """:class:`gankit.gans.GAN` for strings: G's logits pass through the Gumbel-softmax before D.

    Args:
        generator: noise ``(batch, latent_dim)`` -> logits ``(batch, max_len, vocab)``
            (:func:`token_generator`).
        discriminator: relaxed or one-hot strings ``(batch, max_len, vocab)`` -> one logit
            (:func:`token_discriminator`).
        temperature: the relaxation's temperature at the first step.
        final_temperature: if set, the temperature falls geometrically from ``temperature`` to
            this over ``anneal_steps`` generator updates and stays there
            (:meth:`temperature_at`).
        anneal_steps: the length of that fall, in generator updates.
        hard: straight-through Gumbel-softmax (:func:`gumbel_softmax`): D sees exact one-hot
            fakes, as it sees the real strings, and G gets the soft rows' gradient.
        vocabulary: the tokens, id 0 the end token (for :meth:`sample`'s strings).
        **kwargs: :class:`gankit.gans.GAN`'s options (``seed``, ``ema``, ``r1_gamma``,
            ``instance_noise``, ``pack``, ``n_critic``, ...).

    ``fit`` takes a dataset of token-id batches ``(batch, max_len)``
    (:func:`gankit.sequences.encode`, :func:`gankit.sequences.sequence_dataset`); the step turns
    them into one-hot rows. History holds :class:`GAN`'s ``d_loss``, ``g_loss``, ``d_real``,
    ``d_fake``; every loss is averaged over the global batch.
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        temperature=1.0,
        final_temperature=None,
        anneal_steps=None,
        hard=False,
        vocabulary=VOCABULARY,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        self.temperature = check_positive(temperature, "temperature")
        if (final_temperature is None) != (anneal_steps is None):
            raise ValueError(
                "final_temperature: give it together with anneal_steps (or neither), got"
                f" {final_temperature!r} and {anneal_steps!r}"
            )
        if final_temperature is not None:
            final_temperature = check_positive(final_temperature, "final_temperature")
            anneal_steps = check_count(anneal_steps, "anneal_steps")
        self.final_temperature, self.anneal_steps = final_temperature, anneal_steps
        if not isinstance(hard, bool):
            raise TypeError(f"hard: expected True or False, got {hard!r}")
        self.hard = hard
        if not isinstance(vocabulary, str) or len(set(vocabulary)) != len(vocabulary):
            raise ValueError(f"vocabulary: expected a str of distinct tokens, got {vocabulary!r}")
        self.vocabulary = vocabulary
        shape = tuple(generator.output_shape[1:])
        if len(shape) != 2 or shape[-1] != len(vocabulary):
            raise ValueError(
                f"generator: expected logits (max_len, {len(vocabulary)}) for the"
                f" {len(vocabulary)}-token vocabulary, got output shape {shape}"
            )
        self.max_len = int(shape[0])

    def temperature_at(self, step):
        """The temperature at generator update ``step`` (a number or a tensor):
        ``temperature * (final / temperature) ** min(step / anneal_steps, 1)``."""
        if self.final_temperature is None:
            return self.temperature * ops.ones_like(ops.cast(step, "float32"))
        progress = ops.minimum(ops.cast(step, "float32") / self.anneal_steps, 1.0)
        return self.temperature * (self.final_temperature / self.temperature) ** progress

    def relax(self, logits):
        """G's logits -> what D sees of them: the Gumbel-softmax at the current temperature,
        with fresh noise from the trainer's seed generator."""
        tau = self.temperature_at(self.g_optimizer.iterations)
        return gumbel_softmax(logits, tau, seed=self.seed_generator, hard=self.hard)

    def fakes(self, z):
        """:meth:`GAN.fakes` through the relaxation: what D sees of G's logits. In the generator
        step D's gradient reaches G's logits via the softmax (the noise is a constant, the
        reparameterisation trick)."""
        return self.relax(self.generator(z, training=True))

    def train_step(self, data):
        tokens = data[0] if isinstance(data, tuple) else data
        real = ops.one_hot(ops.cast(tokens, "int32"), len(self.vocabulary), dtype="float32")
        return super().train_step(real)

    def generate(self, n, seed=0, batch_size=256):
        """Token ids ``(n, max_len)``: the argmax of the sampling generator's logits for noise
        seeded by ``seed`` (same seed, same strings)."""
        n = check_count(n, "n")
        return super().generate(n, seed=seed, batch_size=batch_size).argmax(axis=-1)

    def sample(self, n, seed=0):
        """``n`` generated strings, each read up to its first end token (:func:`decode`)."""
        return decode(self.generate(n, seed=seed), self.vocabulary)

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.temperature,
            "final_temperature": self.final_temperature,
            "anneal_steps": self.anneal_steps,
            "hard": self.hard,
            "vocabulary": self.vocabulary,
        }


# --------------------------------------------------------------------------- the recipe
# Chosen by measurement: half of the 1,596 strings to train on, 3,000 steps, seeds 0-2, on the
# course's 2-core CPU shared with another job, XLA compilation included: 12-22 s of training;
# 100 % valid strings (random tokens: 5.3 %), novelty 0.42-0.47, diversity 0.25-0.27, but no
# parentheses at all (53 % of the training strings have some). minibatch_std=True: 9-13 s, 77-85 %
# valid, novelty 0.43-0.46, diversity 0.13-0.16, parentheses in 45-73 % of the valid strings.
# A fixed temperature of 0.1 beat 0.3 (less novelty and diversity) and an anneal from 1 to 0.1
# (diversity 0.08-0.11: G collapsed while the temperature was high); hard=True and PacGAN packs
# of 2 or 4 gave lower diversity.
TOKEN_GAN_DEFAULTS = {
    "steps": 3000,  # what to train for: fit_steps(gan, ids, config["steps"])
    "latent_dim": 32,
    "g_hidden": (256, 256),
    "d_filters": 64,
    "d_hidden": 128,
    "minibatch_std": False,
    "temperature": 0.1,
    "final_temperature": None,
    "anneal_steps": None,
    "hard": False,
    "learning_rate": 1e-3,  # both networks
    "beta_1": 0.5,
    "steps_per_execution": 50,
}


def token_gan(max_len=MAX_LEN, vocabulary=VOCABULARY, seed=0, **overrides):
    """A compiled :class:`TokenGAN` over :func:`token_generator` and
    :func:`token_discriminator` for strings of up to ``max_len`` tokens of ``vocabulary``, with
    :data:`TOKEN_GAN_DEFAULTS` (keyword arguments override them; an unknown name is a
    ``TypeError``), Adam for both networks and XLA on. ``seed`` seeds the training noise (the
    latent vectors and the Gumbel noise); call ``keras.utils.set_random_seed(seed)`` first for
    the same initial weights too. Returns ``(gan, config)``; train it with
    ``gankit.sequences.fit_steps(gan, ids, config["steps"])`` on
    :func:`gankit.sequences.encode`'s token ids."""
    unknown = sorted(set(overrides) - set(TOKEN_GAN_DEFAULTS))
    if unknown:
        raise TypeError(
            f"token_gan: unknown setting(s) {unknown}; known: {sorted(TOKEN_GAN_DEFAULTS)}"
        )
    cfg = {**TOKEN_GAN_DEFAULTS, **overrides}
    check_count(cfg["steps"], "steps")
    vocab = len(vocabulary)
    generator = token_generator(cfg["latent_dim"], max_len, vocab, cfg["g_hidden"])
    discriminator = token_discriminator(
        max_len, vocab, cfg["d_filters"], cfg["d_hidden"], cfg["minibatch_std"]
    )
    gan = TokenGAN(
        generator,
        discriminator,
        temperature=cfg["temperature"],
        final_temperature=cfg["final_temperature"],
        anneal_steps=cfg["anneal_steps"],
        hard=cfg["hard"],
        vocabulary=vocabulary,
        seed=seed,
    )
    return compile_pair(gan, cfg)
