from app.cli import count, show, tags, version
from app.runner import invoke


def test_show_prints_the_name():
    result = invoke(show, "ada")
    assert result.exit_code == 0


def test_count_counts():
    result = invoke(count, "a", "b")
    assert result.output.strip() == '{"count": 2}'


def test_tags_are_sorted():
    result = invoke(tags, "b", "a")
    assert result.output.strip() == '["a", "b"]'


def test_version():
    assert invoke(version).exit_code == 0
