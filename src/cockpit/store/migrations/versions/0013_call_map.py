"""The map of what each test executed, function by function (precise affected tests).

Revision ID: 0013
Revises: 0012

``call_functions`` interns each function once: (file, qualified name). ``call_map`` holds
one row per test, replaced each time a traced run runs it: the run, whether the map could
be complete (not when the test started a process or its tracer was replaced), the
digest of each project file whose functions it entered (zlib-compressed JSON object),
and its function ids (zlib-compressed JSON list). ``call_outside`` lists the functions
seen running outside any test (imports, collection): a change to one counts as
module-level. ``call_test_files`` lists every test of a test file that a traced run
collected and ran whole, with the file's digest then: a file whose tests are all known
and unaffected need not run at all. ``call_traced_files`` lists the files whose every
function call a traced run saw (the project's modules; not test modules, whose calls
pytest's rewriting keeps from the tracer): a body change anywhere else is module-level.
Tables of their own: nothing earlier changes shape.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_functions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("qualname", sa.Text(), nullable=False),
        sa.UniqueConstraint("path", "qualname", name="uq_call_functions_path_qualname"),
    )
    op.create_table(
        "call_map",
        sa.Column("nodeid", sa.Text(), primary_key=True),
        sa.Column("test_file", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("files", sa.LargeBinary(), nullable=False),
        sa.Column("functions", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_call_map_test_file", "call_map", ["test_file"])
    op.create_table(
        "call_outside",
        sa.Column(
            "function_id", sa.Integer(), sa.ForeignKey("call_functions.id"), primary_key=True
        ),
    )
    op.create_table(
        "call_test_files",
        sa.Column("test_file", sa.Text(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("nodeids", sa.LargeBinary(), nullable=False),
    )
    op.create_table("call_traced_files", sa.Column("path", sa.Text(), primary_key=True))


def downgrade() -> None:
    op.drop_table("call_traced_files")
    op.drop_table("call_test_files")
    op.drop_table("call_outside")
    op.drop_index("ix_call_map_test_file", table_name="call_map")
    op.drop_table("call_map")
    op.drop_table("call_functions")
