"""What kind of collection error, and the regressions a run's failures were grouped into.

Revision ID: 0011
Revises: 0010

A collection error is now a test module that failed to import (``kind`` NULL, as every
row before this revision), a conftest that did (``conftest``: ``path`` is the folder whose
tests it blocks, ``source`` the conftest), or a plugin (``plugin``, ``source`` its name).
A run that ended as ``conftest-error`` or ``plugin-error`` never collected: its rows are
what stopped it.

``regressions`` holds the root causes a finished run's failures were regrouped into when
tests that had passed failed after files changed: one row per root key (the key its
results carry in ``results.root_key``), with the runs they passed in and the changed files
and functions, as JSON.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collection_errors") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("source", sa.Text(), nullable=True))
    op.create_table(
        "regressions",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("root_key", sa.Text(), primary_key=True),
        sa.Column("tests", sa.Integer(), nullable=False),
        sa.Column("since_runs", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("regressions")
    with op.batch_alter_table("collection_errors") as batch:
        batch.drop_column("source")
        batch.drop_column("kind")
