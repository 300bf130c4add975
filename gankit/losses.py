"""GAN losses as pure functions of discriminator outputs (logits, or scores for LS/hinge/WGAN).

Each function takes logits (any shape whose first axis is the batch) and returns a scalar. Per-example
values are averaged over non-batch axes and then with ``tf.nn.compute_average_loss``, which divides
by the *global* batch size inside a ``tf.distribute`` strategy (the sum of the replicas' batch
sizes), so that summing losses or gradients over replicas gives the same value and update as one
device; outside a strategy it is the plain mean.

Identities used (sigmoid = D's probability): ``-log sigmoid(l) = softplus(-l)`` and
``-log(1 - sigmoid(l)) = softplus(l)``; both are computed stably from logits.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gankit import replicas


def _average(per_element):
    """Mean over non-batch axes, then the distribute-aware mean over the batch.

    With several replicas the global batch size is the sum of the replicas' sizes (an
    all-reduce), not TensorFlow's default of this replica's size times the replica count, which
    is wrong for a last batch that does not split evenly.
    """
    per_element = tf.convert_to_tensor(per_element)
    if per_element.shape.rank is not None and per_element.shape.rank > 1:
        per_element = tf.reduce_mean(per_element, axis=list(range(1, per_element.shape.rank)))
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.nn.compute_average_loss(per_element)
    global_batch_size = context.all_reduce(
        tf.distribute.ReduceOp.SUM, tf.shape(per_element, out_type="int64")[0]
    )
    return tf.nn.compute_average_loss(per_element, global_batch_size=global_batch_size)


def discriminator_loss(real_logits, fake_logits, real_target=1.0):
    """The standard discriminator loss: binary cross-entropy with real -> 1 and fake -> 0.

    Goodfellow et al. 2014, "Generative Adversarial Nets". Equals ``2 ln 2`` (about 1.386) when D
    outputs 1/2 everywhere, the value it takes at the game's equilibrium.

    ``real_target`` below 1 (e.g. 0.9) is *one-sided label smoothing* (Salimans et al. 2016,
    "Improved Techniques for Training GANs", section 3.4): real samples are labelled 0.9, fakes
    stay at 0, so D is never rewarded for ever more confident verdicts on real data.
    """
    real_logits = tf.convert_to_tensor(real_logits)
    real_term = tf.nn.softplus(-real_logits)
    if not (isinstance(real_target, int | float) and real_target == 1.0):
        t = tf.cast(real_target, real_logits.dtype)
        real_term = t * real_term + (1.0 - t) * tf.nn.softplus(real_logits)
    return _average(real_term) + _average(tf.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The original (saturating) generator loss ``E[log(1 - D(G(z)))]``, which G minimises.

    Goodfellow et al. 2014. Its gradient vanishes when D confidently rejects the fakes (early in
    training), which is why the non-saturating loss is used in practice.
    """
    return -_average(tf.nn.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss ``-E[log D(G(z))]``: cross-entropy with fake -> 1.

    Goodfellow et al. 2014, section 3. Same fixed point as the minimax loss, strong gradients when
    D rejects the fakes.
    """
    return _average(tf.nn.softplus(-fake_logits))


def classification_loss(class_logits, labels):
    """Cross-entropy of integer ``labels`` under ``class_logits`` (one row of logits per sample),
    averaged over the global batch: the auxiliary classifier's loss in ACGAN (Odena et al. 2017),
    ``ln(n_classes)`` for uniform logits."""
    per_sample = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, "int32"), logits=tf.convert_to_tensor(class_logits)
    )
    return _average(per_sample)


def gaussian_code_loss(code_mean, code):
    """InfoGAN's loss for continuous codes: ``0.5 * sum_j (c_j - mu_j)^2``, the negative
    log-likelihood of the code ``c`` under a unit-variance Gaussian centred at Q's estimate ``mu``
    (up to a constant), averaged over the global batch. Minimising it raises the lower bound on
    the mutual information between the code and the image (Chen et al. 2016)."""
    code = tf.convert_to_tensor(code)
    squared = tf.square(code - tf.cast(code_mean, code.dtype))
    return _average(0.5 * tf.reduce_sum(squared, axis=-1))


def l1_loss(target, output):
    """Mean absolute error between ``target`` and ``output`` (mean over pixels, then over the
    global batch): the reconstruction term of pix2pix and CycleGAN's cycle and identity terms."""
    target = tf.convert_to_tensor(target)
    return _average(tf.abs(target - tf.cast(output, target.dtype)))


def least_squares_discriminator_loss(real_logits, fake_logits):
    """Least-squares D loss ``E[(D(x) - 1)^2] + E[D(G(z))^2]``, halved as in the paper.

    Mao et al. 2017, "Least Squares Generative Adversarial Networks" (a = 0, b = c = 1). D's raw
    output is a score, not a logit; samples far on the right side of the boundary are still pulled.
    """
    return 0.5 * (_average(tf.square(real_logits - 1.0)) + _average(tf.square(fake_logits)))


def least_squares_generator_loss(fake_logits):
    """Least-squares G loss ``0.5 E[(D(G(z)) - 1)^2]`` (Mao et al. 2017)."""
    return 0.5 * _average(tf.square(fake_logits - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge D loss ``E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]``.

    Lim & Ye 2017, "Geometric GAN"; used by SN-GAN and BigGAN. Zero once real scores exceed 1 and
    fake scores fall below -1: D stops pushing samples it already classifies with a margin.
    """
    return _average(tf.nn.relu(1.0 - real_logits)) + _average(tf.nn.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """Hinge-GAN G loss ``-E[D(G(z))]`` (Lim & Ye 2017; Miyato et al. 2018)."""
    return -_average(fake_logits)


def wasserstein_critic_loss(real_scores, fake_scores):
    """Wasserstein critic loss ``E[C(G(z))] - E[C(x)]``; its negative estimates W1 when C is
    1-Lipschitz. Arjovsky et al. 2017, "Wasserstein GAN". Needs a Lipschitz constraint (weight
    clipping, a gradient penalty or spectral normalisation): alone it is unbounded below.
    """
    return _average(fake_scores) - _average(real_scores)


def wasserstein_generator_loss(fake_scores):
    """Wasserstein generator loss ``-E[C(G(z))]`` (Arjovsky et al. 2017)."""
    return -_average(fake_scores)


# --------------------------------------------------------------------------- gradient penalties
GP_EPSILON = 1e-16  # inside the square root: a zero gradient has a finite derivative, penalty 1


def _input_gradients(network, x):
    """Gradient of the sum of ``network``'s outputs with respect to its input, per sample (the
    network scores each sample alone, so summing over the batch keeps the samples apart)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = network(x, training=True)
    return tape.gradient(scores, x)


def _sum_squares(grads):
    return tf.reduce_sum(tf.square(grads), axis=list(range(1, grads.shape.rank)))


def gradient_penalty(critic, real, fake, seed=None):
    """The WGAN-GP penalty, *unscaled*: ``mean over the batch of (||grad C(x_hat)||_2 - 1)^2``.

    Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1. ``x_hat = a * real
    + (1 - a) * fake`` with ``a ~ U(0, 1)`` drawn once per sample (a point on the segment between a
    real and a fake sample), where the optimal critic has gradient norm 1. The norm is
    ``sqrt(sum g^2 + 1e-16)``: without the epsilon its derivative is 0/0 at a zero gradient; with
    it a zero gradient gives exactly 1 in float32. ``seed`` is a ``keras.random.SeedGenerator``
    (or an int) for ``a``. The trainer multiplies the result by lambda (10 in the paper). Averaged
    over the global batch under ``tf.distribute``, like every loss here.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    ones = (1,) * (real.shape.rank - 1)
    alpha = replicas.draw(
        lambda k: keras.random.uniform((k, *ones), dtype=real.dtype, seed=seed), tf.shape(real)[0]
    )
    x_hat = alpha * real + (1.0 - alpha) * fake
    norm = tf.sqrt(_sum_squares(_input_gradients(critic, x_hat)) + GP_EPSILON)
    return _average(tf.square(norm - 1.0))


def r1_penalty(discriminator, real):
    """The R1 penalty, *unscaled*: ``mean over real samples of ||grad D(x)||^2``.

    Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?": penalising
    D's gradient on real data only makes the game converge locally; the trainer adds
    ``gamma / 2`` times this to D's loss. For a linear ``D(x) = w.x + b`` it is ``||w||^2``.
    """
    real = tf.convert_to_tensor(real)
    return _average(_sum_squares(_input_gradients(discriminator, real)))


LOSSES = {
    "minimax": (discriminator_loss, minimax_generator_loss),
    "non_saturating": (discriminator_loss, non_saturating_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "wasserstein": (wasserstein_critic_loss, wasserstein_generator_loss),
}


def get_losses(loss):
    """Return ``(d_loss_fn, g_loss_fn)`` for a name in ``LOSSES`` or a pair of callables."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss: unknown name {loss!r}; choose one of {sorted(LOSSES)}")
        return LOSSES[loss]
    if isinstance(loss, tuple | list) and len(loss) == 2 and all(callable(f) for f in loss):
        return tuple(loss)
    raise TypeError(
        f"loss: expected a name in {sorted(LOSSES)} or a (d_loss, g_loss) pair, got {loss!r}"
    )
