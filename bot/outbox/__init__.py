"""The engine that decides *when* a proactive message may go and sends it *exactly once*:
the sweep and its planned moments, the outbox rows, the dispatcher, pacing under Teams' limits,
the scheduler and which instance leads it, and the idempotency keys.

Features register planners and "still wanted?" checks (`bot.features`); the rules of what is
due live in `domain/`, and the etiquette of when a nudge may go in `domain.nudge_policy`.
"""
