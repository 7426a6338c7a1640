"""Runs imported from CI result files, and the files they came from.

Revision ID: 0009
Revises: 0008

A run read out of pytest's own result files (JUnit XML or a report-log, ``cockpit import``)
has one ``run_imports`` row per file: its path, format, the CI's hostname and timestamp
when the file has them, how many tests it held, which part of the suite the run is
(``shard``, None for the whole suite), and its sha256, so the same file is never imported
twice. A run without rows here was run by cockpit, as every run recorded before was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_imports",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("hostname", sa.String(255)),
        sa.Column("ci_timestamp", sa.Float()),
        sa.Column("tests", sa.Integer(), nullable=False),
        sa.Column("shard", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("run_imports")
