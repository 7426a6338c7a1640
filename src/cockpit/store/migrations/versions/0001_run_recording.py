"""The first schema: sessions, runs, results, failures, collection errors.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "cockpit_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "application", "value": "cockpit"}])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("git_start", sa.String(64)),
        sa.Column("git_end", sa.String(64)),
        sa.Column("automatic_day", sa.String(10), index=True, unique=True),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("selection_reason", sa.String(500), nullable=False),
        sa.Column("whole_suite", sa.Boolean, nullable=False),
        sa.Column("interpreter", sa.String(1000), nullable=False),
        sa.Column("pytest_version", sa.String(64), nullable=False),
        sa.Column("rootdir", sa.String(1000), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("exit_code", sa.Integer),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("recorder_pid", sa.Integer, nullable=False),
        sa.Column("recorder_host", sa.String(255), nullable=False),
        sa.Column("collected", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("xfailed", sa.Integer, nullable=False),
        sa.Column("xpassed", sa.Integer, nullable=False),
        sa.Column("crashed_test", sa.Text),
    )
    op.create_index("ix_runs_session_id", "runs", ["session_id"])
    op.create_table(
        "results",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("nodeid", sa.Text, primary_key=True),
        sa.Column("module", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("setup", sa.String(16), nullable=False),
        sa.Column("call", sa.String(16), nullable=False),
        sa.Column("teardown", sa.String(16), nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
    )
    op.create_index("ix_results_nodeid_run", "results", ["nodeid", "run_id"])
    op.create_index("ix_results_run_module", "results", ["run_id", "module"])
    op.create_table(
        "failures",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("nodeid", sa.Text, primary_key=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("crash_path", sa.Text),
        sa.Column("crash_line", sa.Integer),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("longrepr", sa.Text, nullable=False),
        sa.Column("stdout", sa.Text),
        sa.Column("stderr", sa.Text),
        sa.Column("log", sa.Text),
    )
    op.create_table(
        "collection_errors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("longrepr", sa.Text, nullable=False),
    )
    op.create_index("ix_collection_errors_run_id", "collection_errors", ["run_id"])


def downgrade() -> None:
    for table in ("collection_errors", "failures", "results", "runs", "sessions", "cockpit_meta"):
        op.drop_table(table)
