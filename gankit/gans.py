"""GAN trainers: ``keras.Model`` subclasses whose ``train_step`` is the algorithm.

``GAN`` is the classic alternating game (Goodfellow et al. 2014, Algorithm 1): each step first
updates the discriminator D on a batch of real and generated samples, then updates the generator G
through D's verdict on fresh samples. Losses come from :mod:`gankit.losses`; any (d_loss, g_loss)
pair can be plugged in.

The stabilisers of Part 3 are options of the same step, so they combine and compare against one
baseline: ``r1_gamma`` (R1 penalty), ``label_smoothing`` (one-sided), ``instance_noise`` (annealed),
``augment`` (DiffAugment on real *and* fake in both steps), ``pack`` (PacGAN) and ``ema``. Spectral
normalisation and the minibatch standard deviation are parts of D (``gankit.models``' builders).
The Wasserstein family, whose step differs (a critic trained ``n_critic`` times), is in
:mod:`gankit.wasserstein`.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from gankit import augment as augment_module
from gankit import layers as layers_module
from gankit import losses as losses_module
from gankit import models, replicas
from gankit.trainer_base import TrainerBase


def _rate(value, name, low=0.0, high=1.0):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name}: expected a number in [{low}, {high}), got {value!r}")
    if not (np.isfinite(value) and low <= value < high):
        raise ValueError(f"{name}: expected a number in [{low}, {high}), got {value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="gankit")
class GAN(TrainerBase):
    """An unconditional GAN over a generator and a discriminator (both Keras models).

    Args:
        generator: maps ``(batch, latent_dim)`` noise to samples.
        discriminator: maps samples to one logit each.
        latent_dim: size of the noise vector; read from ``generator``'s input if not given.
        seed: seed of the ``keras.random.SeedGenerator`` that draws the training noise.
        ema: if set (e.g. 0.99), keep an exponential moving average of G's weights, used by
            :meth:`generate`; averaging smooths out the oscillation of adversarial training.
        r1_gamma: if > 0, add ``r1_gamma / 2`` times the R1 penalty (D's squared gradient norm on
            the real samples it sees, :func:`gankit.losses.r1_penalty`) to D's loss.
        label_smoothing: if > 0 (e.g. 0.1), label real samples ``1 - label_smoothing`` in D's loss
            (one-sided: fakes stay at 0). Only with the cross-entropy losses.
        instance_noise: if > 0, add Gaussian noise of this standard deviation to everything D sees,
            real and fake, in both steps (Sonderby et al. 2017), so the two distributions overlap.
        noise_steps: anneal the instance noise linearly to 0 over this many D updates (``None``
            keeps it constant).
        augment: DiffAugment policies (e.g. ``"translation,cutout,color"``,
            :mod:`gankit.augment`) applied to real and fake images in both steps.
        pack: PacGAN's ``m``: D judges packs of ``m`` samples (build D for
            ``gankit.layers.packed_shape(shape, m)``; the batch size must be a multiple of ``m``).
        n_critic: D updates per G update, each on the step's real batch and fresh noise (the
            Wasserstein trainers use 5; History reports D's last update).

    ``fit`` accepts a dataset of samples or of ``(samples, labels)`` pairs (labels are ignored).
    History holds ``d_loss``, ``g_loss`` and ``d_real``/``d_fake``: D's mean probability that a
    real / generated sample is real (both near 0.5 when neither network is winning).

    Built and compiled in a ``tf.distribute`` strategy's scope, ``fit`` gives what one device gives
    on the same global batches (tests/test_distribute.py): losses divide by the global batch,
    History reports the global batch's numbers, and each replica trains on its own slice of the
    global batch's noise. XLA (``jit_compile=True``) cannot span replicas: it is turned off there,
    with a warning.
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        seed=None,
        ema=None,
        r1_gamma=0.0,
        label_smoothing=0.0,
        instance_noise=0.0,
        noise_steps=None,
        augment=None,
        pack=1,
        n_critic=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim or generator.input_shape[-1])
        self.seed = seed
        self.ema = ema
        if ema is not None and not 0.0 < ema < 1.0:
            raise ValueError(f"ema: expected a decay in (0, 1), e.g. 0.999, got {ema}")
        self.r1_gamma = _rate(r1_gamma, "r1_gamma", high=np.inf)
        self.label_smoothing = _rate(label_smoothing, "label_smoothing", high=0.5)
        self.instance_noise = _rate(instance_noise, "instance_noise", high=np.inf)
        if noise_steps is not None:
            noise_steps = int(noise_steps)
            if noise_steps < 1:
                raise ValueError(
                    f"noise_steps: expected a number of D updates >= 1, got {noise_steps}"
                )
        self.noise_steps = noise_steps
        self.augment = None if augment is None else ",".join(augment_module.check_policy(augment))
        layers_module.packed_shape((1,), pack)  # validates pack
        self.pack = int(pack)
        if isinstance(n_critic, bool) or not isinstance(n_critic, int | np.integer) or n_critic < 1:
            raise ValueError(f"n_critic: expected a whole number >= 1, got {n_critic!r}")
        self.n_critic = int(n_critic)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_generator = None
        if ema is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
        self.make_trackers(self.tracked())
        # G and D are built Keras models, so the wrapper has nothing left to build; marking it
        # built lets save_weights / load_weights work before and after fit.
        self.built = True

    def tracked(self):
        """The names History reports (one tracker each, the keys ``train_step`` returns)."""
        return ("d_loss", "g_loss", "d_real", "d_fake") + (("r1",) if self.r1_gamma else ())

    # ------------------------------------------------------------------ set-up
    def compile(self, d_optimizer, g_optimizer, loss="non_saturating", **kwargs):
        """Set one optimizer per network and the loss (a name in ``gankit.losses.LOSSES`` or a
        ``(d_loss_fn, g_loss_fn)`` pair). Extra keyword arguments (e.g. ``jit_compile=True``) go
        to ``keras.Model.compile``; no third, unused optimizer is created."""
        self.compile_networks(
            ((d_optimizer, [self.discriminator]), (g_optimizer, [self.generator])), **kwargs
        )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_loss_fn, self.g_loss_fn = losses_module.get_losses(loss)
        if self.label_smoothing:
            if self.d_loss_fn is not losses_module.discriminator_loss:
                raise ValueError(
                    "label_smoothing: works with the cross-entropy losses ('non_saturating' or "
                    f"'minimax'), not {loss!r}"
                )
            target = 1.0 - self.label_smoothing
            self.d_loss_fn = functools.partial(losses_module.discriminator_loss, real_target=target)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    # ------------------------------------------------------------------ the algorithm
    def sample_noise(self, batch_size):
        """Draw ``(batch_size, latent_dim)`` standard-normal noise from the GAN's seed generator.

        Under a ``tf.distribute`` strategy with several replicas, ``batch_size`` is this replica's
        share: every replica draws the noise of the *global* batch from the shared seed state and
        keeps its own rows (replica 0 the first ones), so the replicas together use exactly the
        noise one device would draw for the global batch, and no two replicas use the same noise.
        """
        return replicas.draw(
            lambda k: keras.random.normal((k, self.latent_dim), seed=self.seed_generator),
            batch_size,
        )

    def noise_level(self):
        """The instance noise's standard deviation now: annealed linearly to 0 over
        ``noise_steps`` D updates, or constant."""
        if self.noise_steps is None:
            return tf.constant(self.instance_noise)
        t = tf.cast(self.d_optimizer.iterations, "float32")
        return self.instance_noise * tf.maximum(0.0, 1.0 - t / self.noise_steps)

    def d_view(self, x):
        """What D is shown of a batch ``x`` (real or fake alike): augmented, with instance noise
        and packed, as the options ask; ``x`` itself when none is set."""
        if self.augment:
            x = augment_module.diff_augment(x, self.augment, seed=self.seed_generator)
        if self.instance_noise:
            rest = tuple(x.shape[1:])
            noise = replicas.draw(
                lambda k: keras.random.normal((k, *rest), dtype=x.dtype, seed=self.seed_generator),
                tf.shape(x)[0],
            )
            x = x + tf.cast(self.noise_level(), x.dtype) * noise
        return layers_module.pack(x, self.pack)

    def d_penalty(self, real_in, fake_in):
        """D's regulariser, already scaled, added to its loss inside the tape: ``r1_gamma / 2``
        times the R1 penalty on the real samples D sees, or 0. The Wasserstein critic's gradient
        penalty overrides it (:class:`gankit.wasserstein.WGANGP`)."""
        if not self.r1_gamma:
            return 0.0
        r1 = losses_module.r1_penalty(self.discriminator, real_in)
        # History's r1: the global batch's penalty (see train_step's scaling)
        self.trackers["r1"].update_state(r1 * replicas.count())
        return 0.5 * self.r1_gamma * r1

    def fakes(self, z):
        """G's output for noise ``z`` in training mode, as D will judge it: the hook a trainer
        overrides when its fakes need a step between G and D (``TokenGAN`` relaxes token logits
        with the Gumbel-softmax). Called outside the tape in ``d_step``, inside it in ``g_step``."""
        return self.generator(z, training=True)

    def d_step(self, real, z):
        """One discriminator update: push D(real) up and D(G(z)) down. Only D's weights move."""
        fake = self.fakes(z)
        real_in, fake_in = self.d_view(real), self.d_view(fake)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_in, training=True)
            fake_logits = self.discriminator(fake_in, training=True)
            d_loss = self.d_loss_fn(real_logits, fake_logits) + self.d_penalty(real_in, fake_in)
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.d_optimizer.scale_loss(d_loss)
        grads = tape.gradient(scaled, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        return d_loss, real_logits, fake_logits

    def g_step(self, z):
        """One generator update: make D call G(z) real. Gradients flow through D, only G moves."""
        with tf.GradientTape() as tape:
            fake = self.d_view(self.fakes(z))
            fake_logits = self.discriminator(fake, training=True)
            g_loss = self.g_loss_fn(fake_logits)
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.g_optimizer.scale_loss(g_loss)
        grads = tape.gradient(scaled, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss

    def update_ema(self):
        """Move the EMA copy towards G. The decay ramps up as min(ema, (1 + t) / (10 + t)) over
        step t, so early averages are not dominated by the random initial weights."""
        t = tf.cast(self.g_optimizer.iterations, "float32")
        decay = tf.minimum(self.ema, (1.0 + t) / (10.0 + t))
        for avg, w in zip(self.ema_generator.weights, self.generator.weights, strict=True):
            avg.assign(decay * avg + (1.0 - decay) * w)

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        batch_size = tf.shape(real)[0]
        for _ in range(self.n_critic):  # unrolled: n_critic is a small Python int
            d_loss, real_logits, fake_logits = self.d_step(real, self.sample_noise(batch_size))
        g_loss = self.g_step(self.sample_noise(batch_size))
        return self.report(d_loss, g_loss, real_logits, fake_logits)

    def report(self, d_loss, g_loss, real_logits=None, fake_logits=None, **more):
        """The end of every trainer's step: update the EMA copy and the trackers, and return
        History's row. ``more`` are further losses tracked by name (e.g. ``wasserstein``).

        Losses go through :meth:`track` (global-batch values under any strategy);
        ``d_real``/``d_fake`` are D's mean probabilities, tracked when the logits are given."""
        if self.ema_generator is not None:
            self.update_ema()
        if real_logits is not None:
            self.trackers["d_real"].update_state(tf.sigmoid(real_logits))
            self.trackers["d_fake"].update_state(tf.sigmoid(fake_logits))
        return self.track(d_loss=d_loss, g_loss=g_loss, **more)

    def restart(self, generator, discriminator, seed=None):
        """Put this compiled trainer back at the start of a fresh run, without compiling again.

        G and D take the weights of ``generator`` and ``discriminator`` (freshly built networks of
        the same architecture), the optimizers' step counts and moments go back to zero (their
        learning rates stay), the EMA copy restarts from G, and the training noise restarts from
        ``seed`` (the trainer's own seed if ``None``). A new trainer would need a new XLA
        compile, several seconds each here; a lesson that compares many runs reuses one trainer
        per configuration instead. ``tests/test_gans.py`` checks that a restarted trainer trains
        exactly as a new one does."""
        for mine, fresh, what in (
            (self.generator, generator, "generator"),
            (self.discriminator, discriminator, "discriminator"),
        ):
            shapes = [tuple(w.shape) for w in fresh.weights]
            if shapes != [tuple(w.shape) for w in mine.weights]:
                raise ValueError(
                    f"{what}: expected a network of this trainer's architecture"
                    f" ({len(mine.weights)} weights), got one with other weights ({len(shapes)})"
                )
            mine.set_weights(fresh.get_weights())
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())
        for optimizer in (self.d_optimizer, self.g_optimizer):
            for variable in optimizer.variables:
                if variable.name == "dynamic_scale":  # a LossScaleOptimizer's (mixed_float16)
                    variable.assign(optimizer.initial_scale)
                elif variable.name != "learning_rate":  # the step count and the moments
                    variable.assign(np.zeros(variable.shape, variable.dtype))
        fresh_noise = keras.random.SeedGenerator(self.seed if seed is None else seed)
        self.seed_generator.state.assign(fresh_noise.state)
        return self

    # ------------------------------------------------------------------ using the result
    @property
    def sampler(self):
        """The generator used for sampling: the EMA copy when ``ema`` is set, else G itself."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def generate(self, n, seed=0, batch_size=256):
        """Draw ``n`` samples as a NumPy array from noise seeded by ``seed`` (same seed, same
        samples), running the sampling generator in inference mode."""
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        return models.predict_in_batches(self.sampler, z, batch_size)

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "ema": self.ema,
            "r1_gamma": self.r1_gamma,
            "label_smoothing": self.label_smoothing,
            "instance_noise": self.instance_noise,
            "noise_steps": self.noise_steps,
            "augment": self.augment,
            "pack": self.pack,
            "n_critic": self.n_critic,
        }

    @classmethod
    def from_config(cls, config):
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)
