"""The optimizer laboratory: thinc optimizers exact against torch.optim (and
Muon, Schedule-Free AdamW and LAMB against their references), and the
learning-rate schedules thinc 8.3 lacks, registered in thinc's registry
(importing this package registers them; installed, entry points do)."""

from .lamb import *  # noqa: F401,F403
from .lamb import __all__ as _lamb
from .muon import *  # noqa: F401,F403
from .muon import __all__ as _muon
from .optimizers import *  # noqa: F401,F403
from .optimizers import __all__ as _optimizers
from .schedule_free import *  # noqa: F401,F403
from .schedule_free import __all__ as _schedule_free
from .schedules import *  # noqa: F401,F403
from .schedules import __all__ as _schedules

__all__ = [*_optimizers, *_muon, *_schedule_free, *_lamb, *_schedules]
