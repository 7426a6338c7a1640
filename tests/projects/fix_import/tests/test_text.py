from app.text import slug, title


def test_slug():
    assert slug("Hello World") == "hello-world"


def test_slug_of_nothing():
    assert slug("") == ""


def test_title():
    assert title("hello world") == "Hello World"


def test_title_of_nothing():
    assert title("") == ""
