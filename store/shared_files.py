"""Files the bot serves at an unguessable link that expires (report charts, CSV exports).

The token is 32 random bytes (URL-safe); the file is kept in the database so any bot
instance can serve it, and is refused once `expires_at` has passed.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Column, LargeBinary, delete
from sqlmodel import Field, Session, SQLModel

from store.models import utc_column


class SharedFile(SQLModel, table=True):
    __tablename__ = "shared_file"

    token: str = Field(primary_key=True)
    filename: str
    content_type: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = utc_column(nullable=False)
    expires_at: datetime = utc_column(nullable=False, index=True)


def share_file(
    session: Session,
    *,
    filename: str,
    content_type: str,
    body: bytes,
    now: datetime,
    expires_at: datetime,
) -> SharedFile:
    """Store the file under a new random token; files long expired are cleared out."""
    session.execute(delete(SharedFile).where(SharedFile.expires_at < now))
    row = SharedFile(
        token=secrets.token_urlsafe(32),
        filename=filename,
        content_type=content_type,
        body=body,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def shared_file(session: Session, token: str) -> SharedFile | None:
    return session.get(SharedFile, token)
