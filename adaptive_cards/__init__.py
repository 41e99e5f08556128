"""Adaptive Card templates (Adaptive Cards 1.5, JSON in `templates/`) and their filling."""

from adaptive_cards.templating import render_card

__all__ = ["render_card"]
