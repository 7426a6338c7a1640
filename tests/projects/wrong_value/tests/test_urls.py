from app.urls import archive_url, author_url, feed_url, post_url, tag_url


def test_post_url():
    assert post_url("Hello World") == "/posts/hello-world"


def test_tag_url():
    assert tag_url("Python Tips") == "/tags/python-tips"


def test_author_url():
    assert author_url("Ada", "Lovelace") == "/authors/ada-lovelace"


def test_feed_url():
    assert feed_url("Release Notes").endswith("release-notes.xml")


def test_archive_url():
    url = archive_url(2024, "Year in Review")
    assert url.split("/")[-1] == "year-in-review"


def test_urls_have_no_spaces():
    assert " " not in post_url("A B C")
