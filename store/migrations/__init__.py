"""Alembic migration environment for the Step Forward schema."""
