"""Exercise checks of part 3, stability (notebooks 08-10): mode-collapse scores, the Wasserstein
critic's penalty and the regularisers.

Every public ``check_*`` function here is exported by :mod:`gankit.checks` (see ``__all__`` at the
end), so notebooks call ``checks.check_x(...)`` as in parts 1 and 2.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (used by the checks below)

from gankit.checks._common import _Verdict  # noqa: F401

# --------------------------------------------------------------------------- 08 mode collapse
# (notebook 08's checks go here)

# --------------------------------------------------------------------------- 09 Wasserstein GANs
# (notebook 09's checks go here)

# --------------------------------------------------------------------------- 10 regularisers
# (notebook 10's checks go here)

__all__ = sorted(name for name in dir() if name.startswith("check_"))
