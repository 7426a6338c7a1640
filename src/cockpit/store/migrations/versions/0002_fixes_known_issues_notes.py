"""Fixes, known issues and notes; the error signature of each result.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("signature", sa.Text))
    op.create_table(
        "fixes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("root_cause", sa.Text, nullable=False),
        sa.Column("solution", sa.Text, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("risk", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("before_run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("evidence_run_id", sa.Integer, sa.ForeignKey("runs.id")),
    )
    op.create_index("ix_fixes_session_id", "fixes", ["session_id"])
    op.create_table(
        "known_issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("tests", sa.JSON, nullable=False),
        sa.Column("workaround", sa.Text),
        sa.Column("deselected", sa.JSON, nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("effort", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_known_issues_session_id", "known_issues", ["session_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_notes_session_id", "notes", ["session_id"])


def downgrade() -> None:
    for table in ("notes", "known_issues", "fixes"):
        op.drop_table(table)
    with op.batch_alter_table("results") as batch:
        batch.drop_column("signature")
