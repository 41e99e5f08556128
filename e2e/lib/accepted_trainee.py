"""An accepted trainee in the demo programme, as a coordinator's review leaves one, so that a
journey can start at pairing: `python e2e/lib/accepted_trainee.py <aad id> <name>` on the
database DATABASE_URL names."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from bot.settings import Settings
from store.db import session_scope
from store.seed import seed_accepted_trainee


def main(aad_object_id: str, name: str) -> None:
    engine = Settings().create_engine()
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        seed_accepted_trainee(
            session,
            aad_object_id,
            name,
            now,
            manager_support="yes",
            consent_at=now,
            submitted_at=now,
        )
    engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:3])
