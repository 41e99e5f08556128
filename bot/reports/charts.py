"""Report charts drawn as PNG images (matplotlib, without a display)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)


def sessions_chart(months: list[tuple[int, int, int]]) -> bytes:
    """Bars of sessions planned and achieved per programme month: (month, planned, achieved)."""
    figure = Figure(figsize=(6, 3), dpi=100)
    axes = figure.subplots()
    labels = [str(month) for month, _planned, _achieved in months]
    positions = range(len(months))
    axes.bar([p - 0.2 for p in positions], [m[1] for m in months], 0.4, label="planned")
    axes.bar([p + 0.2 for p in positions], [m[2] for m in months], 0.4, label="achieved")
    axes.set_xticks(list(positions), labels)
    axes.set_xlabel("programme month")
    axes.set_ylabel("sessions")
    axes.set_title("Sessions achieved vs planned")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
