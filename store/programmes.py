"""Programmes (cohorts) and their application windows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store.models import Programme


def current_programme(session: Session, now: datetime) -> Programme | None:
    """The programme people are talking about now.

    The one whose application window is open (latest opened first); otherwise the most
    recently created one.
    """
    open_now = session.exec(
        select(Programme)
        .where(Programme.window_opens_at <= now, Programme.window_closes_at > now)
        .order_by(Programme.window_opens_at.desc(), Programme.id.desc())
    ).first()
    if open_now is not None:
        return open_now
    return session.exec(select(Programme).order_by(Programme.id.desc())).first()
