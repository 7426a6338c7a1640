"""Root-cause keys on failing results, a source fingerprint per run, isolation verdicts.

Revision ID: 0004
Revises: 0003

``results.root_key`` is the cluster key of a failing result (``Signature.key``), so the
export and the app group a run's failures with one ``GROUP BY`` instead of re-reading
every traceback. ``runs.source_digest`` fingerprints the project's files when a run
starts: a test whose outcome flips between two runs with the same digest is flaky.
``isolations`` keeps each ``cockpit isolate`` verdict.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("root_key", sa.Text()))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("source_digest", sa.String(64)))
    op.create_table(
        "isolations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id")),
        sa.Column("nodeid", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("polluter", sa.Text()),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_isolations_nodeid", "isolations", ["nodeid"])
    op.create_index("ix_isolations_session_id", "isolations", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_isolations_session_id", "isolations")
    op.drop_index("ix_isolations_nodeid", "isolations")
    op.drop_table("isolations")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("source_digest")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("root_key")
