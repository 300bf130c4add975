"""Checks for the notebooks' exercises: one function per exercise, with a verdict a learner can use.

Each ``check_<name>`` takes the learner's function, layer builder or trainer class and runs it on
cases whose right answer is known in closed form: zero logits (a discriminator that cannot tell,
loss ``2 ln 2``), stub networks with hand-set weights whose update is a known number, shapes and
value ranges. When something is wrong it raises an ``AssertionError`` that says what was expected,
what came back and the likely mistake; when everything is right it prints one fixed line.

Exercise notebooks call them right after the cell the learner fills in::

    from gankit import checks
    checks.check_discriminator_loss(discriminator_loss)

The checks are split the way the course is: :mod:`gankit.checks.part1` for notebooks 01-03 (the
basics), :mod:`gankit.checks.part2` for notebooks 04-07 (training), :mod:`gankit.checks.part3`
for notebooks 08-10 (stability), :mod:`gankit.checks.part4` for notebooks 11-13 and :mod:`gankit.checks.part4b` for notebooks 14-15 and
:mod:`gankit.checks.part4c` for notebooks 16-17
(applications); the machinery they share is in
``gankit.checks._common``. The reference answers live in the solution notebooks (between
``### BEGIN SOLUTION`` and ``### END SOLUTION``); ``python -m gankit exercises build`` makes the
student copies.
"""

from gankit.checks.part1 import (
    check_dcgan_generator,
    check_discriminator_loss,
    check_generator_loss,
    check_generator_step,
    check_optimal_discriminator,
    check_upsample_block,
)
from gankit.checks.part2 import (
    check_balanced_indices,
    check_inception_score,
    check_keep_best,
    check_least_squares_losses,
    check_log_uniform,
    check_logit_gradients,
    check_nearest_neighbour_distance,
    check_normalisation,
)
from gankit.checks.part3 import *  # noqa: F403  (part3.__all__: its check_* functions)
from gankit.checks.part3 import __all__ as _part3
from gankit.checks.part4 import *  # noqa: F403  (part4.__all__: its check_* functions)
from gankit.checks.part4 import __all__ as _part4
from gankit.checks.part4b import *  # noqa: F403  (part4b.__all__: its check_* functions)
from gankit.checks.part4b import __all__ as _part4b
from gankit.checks.part4c import *  # noqa: F403  (part4c.__all__: its check_* functions)
from gankit.checks.part4c import __all__ as _part4c

__all__ = [
    "CHECKS",
    "check_balanced_indices",
    "check_dcgan_generator",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_generator_step",
    "check_inception_score",
    "check_keep_best",
    "check_least_squares_losses",
    "check_log_uniform",
    "check_logit_gradients",
    "check_nearest_neighbour_distance",
    "check_normalisation",
    "check_optimal_discriminator",
    "check_upsample_block",
    *_part3,
    *_part4,
    *_part4b,
    *_part4c,
]

CHECKS = {
    name.removeprefix("check_"): fn
    for name, fn in dict(globals()).items()
    if name.startswith("check_") and callable(fn)
}
"""Exercise name -> check function; every exercise in a notebook must have one."""
