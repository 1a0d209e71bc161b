"""The optimizer laboratory: thinc optimizers exact against torch.optim, and
the learning-rate schedules thinc 8.3 lacks, registered in thinc's registry
(importing this package registers them; installed, entry points do)."""

from .optimizers import *  # noqa: F401,F403
from .optimizers import __all__ as _optimizers
from .schedules import *  # noqa: F401,F403
from .schedules import __all__ as _schedules

__all__ = [*_optimizers, *_schedules]
