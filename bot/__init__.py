"""Step Forward: the Teams-facing side of the mentoring bot (app, adapter, handler, commands)."""
