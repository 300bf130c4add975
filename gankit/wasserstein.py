"""The Wasserstein GAN family: a critic with no sigmoid, trained ``n_critic`` times per G step.

Arjovsky et al. 2017 ("Wasserstein GAN") replace D's real-or-fake probability with a *critic* C
whose score difference ``E[C(x)] - E[C(G(z))]`` estimates the Wasserstein-1 distance between the
data and the generator, provided C is 1-Lipschitz. Two ways to keep it so:

* :class:`WGAN` clips every critic weight to ``[-c, c]`` after each update (the original; crude:
  it caps capacity and the estimate's scale depends on ``c``);
* :class:`WGANGP` adds ``lambda * E[(||grad C(x_hat)||_2 - 1)^2]`` on points between real and fake
  samples (Gulrajani et al. 2017; :func:`gankit.losses.gradient_penalty`).

The critic is trained ``n_critic`` times (5 in both papers) per generator step, each time on fresh
noise and the step's batch of real samples (the keras.io WGAN-GP example does the same), so that
the estimate is close to the distance before G follows its gradient. History reports ``d_loss``
(the critic's total loss), ``g_loss``, ``wasserstein`` (the critic's estimate at its last update)
and, for WGAN-GP, ``gp`` (the unscaled penalty, averaged over the critic updates).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gankit import losses as losses_module
from gankit import replicas
from gankit.gans import GAN


@keras.saving.register_keras_serializable(package="gankit")
class ClipValue(keras.constraints.Constraint):
    """Clip a weight to ``[-clip_value, clip_value]``: WGAN's Lipschitz constraint as a Keras
    constraint, which the optimizer applies after every update (on every device under
    ``tf.distribute``)."""

    def __init__(self, clip_value):
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return keras.ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}


@keras.saving.register_keras_serializable(package="gankit")
class WGAN(GAN):
    """WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

    Args:
        generator, critic: Keras models; the critic outputs one unbounded score (no sigmoid).
        n_critic: critic updates per generator update (5).
        clip_value: every critic weight is clipped to ``[-clip_value, clip_value]`` after each
            critic update (0.01 in the paper); ``None`` for no clipping (subclasses constrain C
            another way).
        Other keyword arguments (``latent_dim``, ``seed``, ``ema``, ``augment``, ...) are
        :class:`gankit.gans.GAN`'s. The paper pairs it with RMSProp (lr 5e-5); any optimizer works.
    """

    def __init__(self, generator, critic, n_critic=5, clip_value=0.01, **kwargs):
        for option in ("r1_gamma", "label_smoothing"):
            if kwargs.get(option):
                raise ValueError(f"{option}: not used by a Wasserstein critic; leave it at 0")
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"clip_value: expected a number > 0 or None, got {clip_value!r}")
        self.clip_value = clip_value
        super().__init__(generator, critic, n_critic=n_critic, **kwargs)
        if clip_value is not None:
            for variable in critic.trainable_variables:
                variable.constraint = ClipValue(clip_value)
                variable.assign(keras.ops.clip(variable, -clip_value, clip_value))

    @property
    def critic(self):
        return self.discriminator

    def tracked(self):
        return ("d_loss", "g_loss", "wasserstein")

    def compile(self, d_optimizer, g_optimizer, loss="wasserstein", **kwargs):
        """As :meth:`GAN.compile`; the loss is the Wasserstein pair and cannot be changed."""
        if loss != "wasserstein":
            raise ValueError(
                f"loss: a Wasserstein GAN trains with loss='wasserstein', got {loss!r}"
            )
        super().compile(d_optimizer, g_optimizer, loss=loss, **kwargs)

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        batch_size = tf.shape(real)[0]
        for _ in range(self.n_critic):  # unrolled: n_critic is a small Python int
            # GAN.d_step with the Wasserstein loss (and WGANGP's penalty); clipping is applied
            # by the optimizer, through each critic weight's constraint
            d_loss, real_scores, fake_scores = self.d_step(real, self.sample_noise(batch_size))
        estimate = -losses_module.wasserstein_critic_loss(real_scores, fake_scores)
        g_loss = self.g_step(self.sample_noise(batch_size))
        return self.report(d_loss, g_loss, wasserstein=estimate)

    def get_config(self):
        config = super().get_config()
        config["critic"] = config.pop("discriminator")
        for option in ("r1_gamma", "label_smoothing"):
            config.pop(option)
        return {**config, "clip_value": self.clip_value}

    @classmethod
    def from_config(cls, config):
        config["critic"] = keras.saving.deserialize_keras_object(config["critic"])
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="gankit")
class WGANGP(WGAN):
    """WGAN-GP (Gulrajani et al. 2017, Algorithm 1): no clipping; the critic's loss adds
    ``gp_weight`` (lambda, 10) times :func:`gankit.losses.gradient_penalty`. The paper uses Adam
    (lr 1e-4, beta_1 0, beta_2 0.9) and no batch norm in the critic."""

    def __init__(self, generator, critic, n_critic=5, gp_weight=10.0, **kwargs):
        kwargs.pop("clip_value", None)
        if not gp_weight > 0:
            raise ValueError(f"gp_weight: expected a number > 0, got {gp_weight!r}")
        self.gp_weight = float(gp_weight)
        super().__init__(generator, critic, n_critic=n_critic, clip_value=None, **kwargs)

    def tracked(self):
        return (*super().tracked(), "gp")

    def d_penalty(self, real_in, fake_in):
        gp = losses_module.gradient_penalty(self.critic, real_in, fake_in, seed=self.seed_generator)
        self.trackers["gp"].update_state(gp * replicas.count())
        return self.gp_weight * gp

    def get_config(self):
        config = super().get_config()
        config.pop("clip_value")
        return {**config, "gp_weight": self.gp_weight}
