import pytest

from app.models import check_annotations


@pytest.mark.parametrize(
    ("attributes", "annotated"),
    [
        (["a", "b", "b_t", "b_f"], ["a"]),
        (["x", "z"], ["x"]),
        (["name", "created_at"], []),
    ],
)
def test_every_attribute_is_annotated(attributes, annotated):
    check_annotations(attributes, annotated)
