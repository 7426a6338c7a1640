"""The project's files as each run saw them: a digest per file, and the content kept.

Revision ID: 0008
Revises: 0007

A run points at a snapshot: the list of the project's source files (path, sha256 of the
content, size and modification time) when it started. Runs that saw the same files share
one snapshot (found by its manifest, the digest of the sorted list), so a session of
reruns without edits stores it once. File contents are kept once per digest, compressed,
capped per file, so a fix can show the change that made it and a regression the lines
that changed. Runs recorded before this revision have no snapshot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_contents",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("manifest", sa.String(64), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_snapshots_manifest", "snapshots", ["manifest"], unique=True)
    op.create_table(
        "snapshot_files",
        sa.Column("snapshot_id", sa.Integer(), sa.ForeignKey("snapshots.id"), primary_key=True),
        sa.Column("path", sa.Text(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; a batch "add constraint" would
        # copy the whole runs table, which the results, fixes and isolations refer to.
        op.execute("ALTER TABLE runs ADD COLUMN snapshot_id INTEGER REFERENCES snapshots (id)")
    else:
        op.add_column("runs", sa.Column("snapshot_id", sa.Integer(), nullable=True))
        op.create_foreign_key(None, "runs", "snapshots", ["snapshot_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("snapshot_id")
    op.drop_table("snapshot_files")
    op.drop_index("ix_snapshots_manifest", table_name="snapshots")
    op.drop_table("snapshots")
    op.drop_table("file_contents")
