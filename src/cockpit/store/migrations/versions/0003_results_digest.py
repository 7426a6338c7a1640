"""Each run's digest of the tests it recorded, and an index to find failing results.

Revision ID: 0003
Revises: 0002

Equal digests let ``cockpit diff`` compare only the tests failing in either run, found
through the ``(run_id, outcome)`` index, instead of every result of both runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_results_run_outcome", "results", ["run_id", "outcome"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("results_digest", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("results_digest")
    op.drop_index("ix_results_run_outcome", "results")
