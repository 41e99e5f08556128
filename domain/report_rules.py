"""Rules for what a report may show: small groups are suppressed, rates are rounded.

Any breakdown by organisation or protected characteristic shows a group only when it has at
least `MIN_GROUP` people (or answers); smaller groups read "fewer than 5", so nobody can be
picked out of a small team. Mentors see feedback about mentoring under the same rule.

A breakdown shown with its total must not let a hidden group be worked out by subtraction:
when exactly one group is hidden, the next smallest is hidden too ("not shown").
"""

from __future__ import annotations

from collections.abc import Mapping

MIN_GROUP = 5
SMALL_GROUP = f"fewer than {MIN_GROUP}"
# A group of 5 or more hidden so that a smaller one can't be worked out from the total.
NOT_SHOWN = "not shown"


def shown(count: int, minimum: int = MIN_GROUP) -> int | str:
    """The count itself, or "fewer than 5" for a group too small to show."""
    return count if count >= minimum else SMALL_GROUP


def suppress_small_groups(
    groups: Mapping[str, int], minimum: int = MIN_GROUP
) -> dict[str, int | str]:
    """Each group's count, with those below `minimum` replaced by "fewer than 5"."""
    return {name: shown(count, minimum) for name, count in groups.items()}


def suppress_breakdown(
    groups: Mapping[str, int], minimum: int = MIN_GROUP, *, total_shown: bool = True
) -> dict[str, int | str]:
    """`suppress_small_groups`, and when the total is shown and exactly one group is hidden,
    the next smallest group (the first listed of equals) reads "not shown" as well: total
    minus the shown groups then only gives the sum of two hidden groups."""
    result = suppress_small_groups(groups, minimum)
    hidden = [name for name, value in result.items() if value == SMALL_GROUP]
    visible = [name for name in groups if name not in hidden]
    if total_shown and len(hidden) == 1 and visible:
        result[min(visible, key=lambda name: groups[name])] = NOT_SHOWN
    return result


def may_show(answers: int, minimum: int = MIN_GROUP) -> bool:
    return answers >= minimum


def rate(part: int, whole: int) -> str:
    """`part` of `whole` as "3 of 4 (75%)"; "none sent" when there is nothing to divide."""
    if whole <= 0:
        return "none sent"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"
