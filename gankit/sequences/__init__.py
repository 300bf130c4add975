"""Beyond images: GANs for time series and for strings of discrete tokens (Part 4, notebook 16).

Nothing in a GAN's game is about pictures. What changes with the data is the networks, the way
samples reach D, and, above all, how to tell whether the generator learned anything, since a
plot of wiggles or a list of strings proves little. Both halves of this package therefore
generate data whose answer is known, and measure against it:

* **signals** (:mod:`gankit.sequences.signals`): sine waves whose frequency and amplitude are
  drawn from known distributions (:func:`sine_waves`), a least-squares reader of those
  parameters from any signal (:func:`signal_parameters`), and the distance between the
  parameters' distributions, real against generated (:func:`parameter_distance`,
  :func:`distance_table`). The GAN is :class:`gankit.gans.GAN` unchanged, over 1-D networks
  (:func:`sequence_generator`, :func:`sequence_discriminator`, :func:`signal_gan`).
* **a tiny language** (:mod:`gankit.sequences.grammar`): arithmetic with parentheses over the
  digits 1-3, whose validity a parser checks (:func:`is_valid`), every valid string up to 7
  tokens (:func:`grammar_strings`), tokens (:func:`encode`, :func:`decode`), and the scores of
  generated strings (:func:`token_metrics`: share valid, novelty, diversity) next to random
  tokens (:func:`random_baseline`).
* **tokens** (:mod:`gankit.sequences.tokens`): a generator's token choice has no gradient; the
  Gumbel-softmax relaxation (:func:`gumbel_softmax`) gives it one, and :class:`TokenGAN` puts it
  between G (:func:`token_generator`) and D (:func:`token_discriminator`); :func:`token_gan`
  builds one with measured settings.
* **training** (:mod:`gankit.sequences.training`): a ``tf.data`` pipeline for arrays of any shape
  (:func:`sequence_dataset`) and training by steps (:func:`fit_steps`).

What is hand-written, because it teaches: the Gumbel-softmax, the relaxation inside the
trainer's step, the grammar's parser and enumerator, and the least-squares reading of a sine's
parameters (NumPy's linear algebra). The distances between distributions are scipy's
(``wasserstein_distance``, ``ks_2samp``). Every public name is importable from here.
"""

from gankit.sequences.grammar import (
    DIGITS,
    END,
    FEATURES,
    MAX_LEN,
    VOCAB_SIZE,
    VOCABULARY,
    decode,
    encode,
    grammar_strings,
    has_parentheses,
    is_valid,
    random_baseline,
    split_strings,
    token_metrics,
)
from gankit.sequences.signals import (
    PARAMETERS,
    SIGNAL_GAN_DEFAULTS,
    check_signals,
    distance_table,
    parameter_distance,
    sequence_discriminator,
    sequence_generator,
    signal_gan,
    signal_parameters,
    sine_waves,
)
from gankit.sequences.tokens import (
    TOKEN_GAN_DEFAULTS,
    TokenGAN,
    gumbel_noise,
    gumbel_softmax,
    token_discriminator,
    token_gan,
    token_generator,
)
from gankit.sequences.training import fit_steps, sequence_dataset

__all__ = [
    "DIGITS",
    "END",
    "FEATURES",
    "MAX_LEN",
    "PARAMETERS",
    "SIGNAL_GAN_DEFAULTS",
    "TOKEN_GAN_DEFAULTS",
    "VOCAB_SIZE",
    "VOCABULARY",
    "TokenGAN",
    "check_signals",
    "decode",
    "distance_table",
    "encode",
    "fit_steps",
    "grammar_strings",
    "gumbel_noise",
    "gumbel_softmax",
    "has_parentheses",
    "is_valid",
    "parameter_distance",
    "random_baseline",
    "sequence_dataset",
    "sequence_discriminator",
    "sequence_generator",
    "signal_gan",
    "signal_parameters",
    "sine_waves",
    "split_strings",
    "token_discriminator",
    "token_gan",
    "token_generator",
    "token_metrics",
]
