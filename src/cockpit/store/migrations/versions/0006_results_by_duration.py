"""An index on each run's results by duration: the slowest tests without reading them all.

Revision ID: 0006
Revises: 0005

The session summary and the app list a run's slowest tests. Without this index that is a
scan of every result of the run (10-19 ms on 50,000 results, measured with
``bench/bench_export.py`` before this index existed); with it, a walk down the index
(< 0.1 ms).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_results_run_duration", "results", ["run_id", "duration"])


def downgrade() -> None:
    op.drop_index("ix_results_run_duration", "results")
