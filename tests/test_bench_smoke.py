"""The benchmark scripts run at a tiny size and report what bench/README.md says they do.

No timings are asserted: only that the measurement runs end to end and its fields hold.
"""

from __future__ import annotations

from bench import databases
from bench.sweep_cost import measure
from tests.conftest import POSTGRES_URL


def test_sweep_cost_reports_a_steady_state_sweep(monkeypatch):
    backend = "postgresql" if POSTGRES_URL else "sqlite"
    if POSTGRES_URL:
        monkeypatch.setattr(databases, "postgres_admin_url", lambda: POSTGRES_URL)
    result = measure(backend, 40, repeat=1, profile=None, plans=None)
    assert result["bench"] == "sweep_cost" and result["backend"] == backend
    assert result["pairings"] == 40
    # The sweep a minute earlier decided everything then due: nothing new one minute later.
    assert result["first_sweep_planned"] > 0
    assert result["new"] == 0
    assert result["sweep_s"] >= 0 and len(result["sweep_runs_s"]) == 1
