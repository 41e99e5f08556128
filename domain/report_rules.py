"""Rules for what a report may show: small groups are suppressed, rates are rounded.

Any breakdown by organisation or protected characteristic shows a group only when it has at
least `MIN_GROUP` people (or answers); smaller groups read "fewer than 5", so nobody can be
picked out of a small team. Mentors see feedback about mentoring under the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping

MIN_GROUP = 5
SMALL_GROUP = f"fewer than {MIN_GROUP}"


def shown(count: int, minimum: int = MIN_GROUP) -> int | str:
    """The count itself, or "fewer than 5" for a group too small to show."""
    return count if count >= minimum else SMALL_GROUP


def suppress_small_groups(
    groups: Mapping[str, int], minimum: int = MIN_GROUP
) -> dict[str, int | str]:
    """Each group's count, with those below `minimum` replaced by "fewer than 5"."""
    return {name: shown(count, minimum) for name, count in groups.items()}


def may_show(answers: int, minimum: int = MIN_GROUP) -> bool:
    return answers >= minimum


def rate(part: int, whole: int) -> str:
    """`part` of `whole` as "3 of 4 (75%)"; "none sent" when there is nothing to divide."""
    if whole <= 0:
        return "none sent"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"
