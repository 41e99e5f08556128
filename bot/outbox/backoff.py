"""How long a proactive message waits before it is tried again after a transient failure."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta


def backoff_delay(
    attempt: int,
    *,
    base: timedelta,
    cap: timedelta,
    rng: Callable[[], float] = random.random,
) -> timedelta:
    """Exponential backoff with "equal jitter" for the `attempt`-th retry (1, 2, ...).

    The ceiling doubles from `base` up to `cap`; the delay is half the ceiling plus a random
    part of the other half, so retries of many rows spread out yet never come back at once.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + (ceiling / 2) * rng()
