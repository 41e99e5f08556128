"""Where a person stands in the programme, so that what the bot tells them fits their state.

A trainee or a mentor moves from applying to an offer, to waiting for a pair, to being paired;
a pairing runs its months and finishes, or ends early. Worked out from plain facts: the status
of their application to the current programme and what became of their latest pairing.
"""

from __future__ import annotations

from enum import StrEnum

from domain.application_review import Status


class Standing(StrEnum):
    NEWCOMER = "newcomer"  # no application
    APPLYING = "applying"  # started, submitted or shortlisted
    OFFERED = "offered"
    WAITING = "waiting"  # accepted, not paired yet
    PAIRED = "paired"
    FINISHED = "finished"  # paired, and the programme's months are over
    ENDED = "ended"  # the latest pairing ended early and there is no new one
    NOT_TAKING_PART = "not_taking_part"  # withdrawn, not taken forward, or offer declined


_BY_APPLICATION = {
    Status.STARTED: Standing.APPLYING,
    Status.SUBMITTED: Standing.APPLYING,
    Status.SHORTLISTED: Standing.APPLYING,
    Status.OFFERED: Standing.OFFERED,
    Status.ACCEPTED: Standing.WAITING,
    Status.WITHDRAWN: Standing.NOT_TAKING_PART,
    Status.REJECTED: Standing.NOT_TAKING_PART,
    Status.DECLINED: Standing.NOT_TAKING_PART,
}


def standing(
    application_status: str | None,
    *,
    paired: bool = False,
    finished: bool = False,
    ended_early: bool = False,
) -> Standing:
    """`paired`: an active pairing (`finished`: its months are over); `ended_early`: the
    latest pairing was ended by the coordinators."""
    if paired:
        return Standing.FINISHED if finished else Standing.PAIRED
    if ended_early:
        return Standing.ENDED
    if application_status is None:
        return Standing.NEWCOMER
    return _BY_APPLICATION[Status(application_status)]


def partner_role(role: str | None) -> str:
    """Who a trainee or a mentor is paired with."""
    return "mentee" if role == "mentor" else "mentor"
