"""How each run's pytest process started: warm (forked from the warm server) or cold.

Revision ID: 0012
Revises: 0011

One row per run in ``run_starts``: ``mode`` is ``warm`` or ``cold``, ``reason`` says why
(a cold start's reason answers "why was this one slow"). A table of its own, not columns
of ``runs``, so the runs of every earlier revision keep their shape; runs recorded
before have no row and all started cold.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_starts",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_starts")
