"""Each run's outcome counts per module, stored when it finishes.

Revision ID: 0007
Revises: 0006

``run_modules.outcomes`` holds ``{"failed": 3, "skipped": 1, ...}`` (passed is ``tests``
minus the rest), so a summary reads 500 rows per run instead of counting its 50,000
results; NULL for runs recorded before, which are counted as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_modules") as batch:
        batch.add_column(sa.Column("outcomes", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("run_modules") as batch:
        batch.drop_column("outcomes")
