"""What a run's record says beyond its counts, and what it knew while it streamed.

Revision ID: 0010
Revises: 0009

* ``run_notices``: one row per thing said of a run (a test left processes running, a
  cancel interrupted a test after so many seconds, lines of the event stream were not
  cockpit's), each with its sentence and its data.
* ``runs.last_event_at``: when the recorder last wrote a batch of the run, so a run whose
  cockpit was killed ends there, not when the log was next opened; ``runs.collected`` is
  written while the run streams too (no column needed).
* ``runs.deselected``: the tests ``-k`` / ``-m`` / ``--deselect`` took out of the run.
* ``collection_errors.lineno``: the line of the module where collecting it failed.

Runs recorded before have NULL in each new column and no notices.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_run_notices_run_id", "run_notices", ["run_id"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("last_event_at", sa.Float()))
        batch.add_column(sa.Column("deselected", sa.Integer()))
    with op.batch_alter_table("collection_errors") as batch:
        batch.add_column(sa.Column("lineno", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("collection_errors") as batch:
        batch.drop_column("lineno")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("deselected")
        batch.drop_column("last_event_at")
    op.drop_index("ix_run_notices_run_id", "run_notices")
    op.drop_table("run_notices")
