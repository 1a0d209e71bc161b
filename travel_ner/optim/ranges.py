"""Allowed ranges of settings, checked when a config is resolved so that a bad
value fails with its name and range instead of deep inside a training run."""

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Interval:
    """The values a setting may take, so that errors can state them."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = True

    def __contains__(self, value: Any) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"


POSITIVE = Interval(0.0, low_open=True)
NON_NEGATIVE = Interval(0.0)
UNIT = Interval(0.0, 1.0)  # decay rates: [0, 1)


def check(owner: str, setting: str, value: Any, allowed: Interval) -> None:
    """Raise ValueError naming `owner`'s `setting` unless `value` is a number in `allowed`."""
    try:
        ok = not isinstance(value, bool) and value in allowed
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{owner}: {setting}={value!r} is outside its allowed range {allowed}")


def check_integer(owner: str, setting: str, value: Any, allowed: Interval) -> None:
    """As `check`, for a count of steps: an int (not a bool) in `allowed`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{owner}: {setting}={value!r} must be an integer in {allowed}")
    check(owner, setting, value, allowed)


def check_choice(owner: str, setting: str, value: Any, allowed: tuple) -> None:
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise ValueError(f"{owner}: {setting}={value!r} is not one of {choices}")
