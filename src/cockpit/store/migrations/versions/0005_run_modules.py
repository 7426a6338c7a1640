"""A digest of each run's node ids per module, so a diff compares only changed modules.

Revision ID: 0005
Revises: 0004

``runs.results_digest`` tells only whether two runs hold exactly the same tests. When one
test was added anywhere, ``cockpit diff`` had to compare every result of both runs. With
one digest per module, only the modules whose test set changed get that full comparison;
in every other module a test can only be fixed, broken or failing differently if it fails
in one of the runs, and the ``(run_id, outcome)`` index finds those alone. Runs recorded
before this revision have no rows here and keep the old comparison.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_modules",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("module", sa.Text(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("tests", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_modules")
