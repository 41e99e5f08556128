"""Step Forward, the running bot: the app, its features (one package each), the nudge engine
(`bot.outbox`) and the Teams plumbing (`bot.teams`). See docs/architecture.md."""
