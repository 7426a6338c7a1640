#!/usr/bin/env bash
# Makes session-log-88d04ae.db: a session log written by the first landed release of
# cockpit (commit 88d04ae), with real commands on a small project with failures.
#   bash tests/store/old_logs/make_88d04ae.sh        (from the repository's top folder)
# The test beside it upgrades a copy in place with today's code and reads it back whole.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
trap 'git -C "$repo" worktree remove --force "$work/cockpit" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$repo" worktree add --detach "$work/cockpit" 88d04ae >/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q -e "$work/cockpit" 2>/dev/null
cockpit() { (cd "$work/project" && "$work/venv/bin/cockpit" "$@"); }

cp -r "$repo/tests/projects/sqla_missing_import" "$work/project"
cockpit session start "Fix the tag mapper"
cockpit run --python "$work/venv/bin/python" -p no:cacheprovider >/dev/null || true
cockpit known add "Excerpts are slow" --tests tests/test_util.py::test_excerpt_cuts_long_text \
    --workaround "-k 'not excerpt'" --priority high --effort 1h --python "$work/venv/bin/python"
cockpit note "Tag is never imported: app.models forgets it"
echo "from app.models.tag import Tag  # noqa: F401" >> "$work/project/app/models/__init__.py"
cockpit fix add "Import Tag in app.models" --root-cause "Tag was never imported" \
    --solution "import it in app/models/__init__.py" --files app/models/__init__.py --risk low
cockpit run --python "$work/venv/bin/python" -p no:cacheprovider >/dev/null
cockpit session end
# One file, no -wal beside it: the last connection checkpointed it.
cp "$work/project/.cockpit/cockpit.db" "$here/session-log-88d04ae.db"
echo "wrote $here/session-log-88d04ae.db"
