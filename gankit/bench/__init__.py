"""The benchmark behind ``python -m gankit bench``: gankit against the keras.io DCGAN, side by side.

Two trainers run on the same data, machine and process:

* **the reference**: a faithful Keras 3 re-implementation of the keras.io example "GAN overriding
  ``Model.train_step``" (fchollet, ``examples/generative/dcgan_overriding_train_step.py`` of
  keras-team/keras-io, the 2020 MNIST revision). Its numbers are used here, not the issue's
  shorthand ("128->64->32-style generator, Adam 2e-4 / beta_1 0.5, batch 64"): the real example
  has a Dense(7*7*128) -> two 128-filter Conv2DTranspose(4, stride 2) -> Conv2D(1, 7, sigmoid)
  generator with LeakyReLU(0.2), a Conv2D(64, 3, s2) -> Conv2D(128, 3, s2) -> GlobalMaxPooling ->
  Dense(1) discriminator, a 128-d latent, images in [0, 1], batch 64 from
  ``shuffle(1024).batch(64).prefetch(32)``, and Adam(3e-4) with Keras' other defaults for both
  networks. Its ``train_step`` labels fakes 1 and reals 0 (plus 0.05 uniform label noise), takes
  one D step on the concatenated batch, then one G step with fresh noise and "misleading" zero
  labels, binary cross-entropy from logits. It is compiled with Keras' defaults, which leave XLA
  off on a CPU-only machine and run one step per call. The one liberty: noise comes from a
  ``keras.random.SeedGenerator`` (the example used ``tf.random.normal``), for reproducibility.
* **gankit**: the default DCGAN recipe, :func:`gankit.recipes.dcgan`, as ``python -m gankit train
  dcgan`` trains it (whatever the recipe is on the day the benchmark runs).

Both train on the kit's MNIST training split (:func:`gankit.data.load_mnist`, 4,000 images; the
reference gets them rescaled to [0, 1], as it expects) and both are judged by the kit's evaluator:
FID of ``fid_samples`` generated images (the reference's rescaled to [-1, 1]) against the training
images, as the CLI computes it.

What is measured (:func:`run`):

1. **Same architecture**: the reference's networks trained by the reference's own ``train_step``
   and pipeline, and by gankit's machinery (:class:`gankit.gans.GAN` around the same D and the same
   G with a tanh output instead of sigmoid, as gankit's images are in [-1, 1]; XLA,
   ``steps_per_execution`` as in the recipe, :func:`gankit.data.make_dataset`'s cache and prefetch;
   Adam(3e-4) and batch 64 as in the reference). Images per second after a warm-up chunk
   (tracing, XLA compilation), whose seconds are reported separately.
2. **Time to quality**: each trainer trains in chunks of about ``eval_images`` images; after each
   chunk the FID is computed (outside the clock, its time reported separately) and one line is
   printed. Recorded: training seconds (warm-up included: a user waits for it too) to first reach
   FID <= 30, 15, 10, 5 (``None`` if never), the final and the best FID, and how many seconds
   gankit needed to reach the FID the reference ended at ("times sooner").
3. For each trainer: images per second, the process's peak resident memory during its phase
   (``VmRSS`` sampled in a thread; the process already holds TensorFlow and the earlier phases, so
   compare the peaks, not their absolute size), achieved GFLOP/s (:func:`train_step_flops` per
   image times images per second) against the machine's peak (:func:`machine_peak`), and the
   ratios gankit / reference.

Both trainers run in one process, so under the same TensorFlow kernels: ``bench.json`` records
whether TensorFlow's oneDNN kernels were on (:func:`onednn_enabled`). The command line switches them
off unless ``TF_ENABLE_ONEDNN_OPTS`` is set, as the kit does everywhere for the same digits on
every CPU; TensorFlow's own default on x86 Linux is on, which makes the reference's convolutions
(no XLA) about twice as fast and, on one of the two hosts measured, XLA the slower choice for the
recipe (README, "Measured numbers": both runs side by side, and "XLA or not").

FLOPs are counted by hand from the layer shapes (:func:`forward_flops`): Dense ``2 * in * out``,
Conv2D ``2 * k_h * k_w * c_in * c_out * H_out * W_out``, Conv2DTranspose ``2 * k_h * k_w * c_in *
c_out * H_in * W_in``, per image; biases, activations, normalisation, pooling and the optimizer
are left out (element-wise, small next to the convolutions). A train step, per real image, is
``4 * F_G + 9 * F_D`` (:func:`train_step_flops`): D's step runs G forward once (``F_G``, outside
the tape) and D forward and backward on a real and a fake image (``2 * 3 * F_D``, backward
counted as twice the forward); G's step runs G and D forward and backward (``3 * F_G + 3 * F_D``).
"""

from gankit.bench.hardware import (
    PeakRSS,
    forward_flops,
    machine_peak,
    onednn_enabled,
    train_step_flops,
)
from gankit.bench.reference import (
    REFERENCE,
    ReferenceGAN,
    reference_dataset,
    reference_discriminator,
    reference_gan,
    reference_generator,
    reference_samples,
)
from gankit.bench.report import markdown_table
from gankit.bench.runner import THRESHOLDS, run

__all__ = [
    "REFERENCE",
    "THRESHOLDS",
    "PeakRSS",
    "ReferenceGAN",
    "forward_flops",
    "machine_peak",
    "markdown_table",
    "onednn_enabled",
    "reference_dataset",
    "reference_discriminator",
    "reference_gan",
    "reference_generator",
    "reference_samples",
    "run",
    "train_step_flops",
]
