import pytest


@pytest.mark.parametrize("flag", [True, False])
def test_admin_flag(admin_model, flag):
    assert admin_model(is_admin=flag).is_admin is flag


def test_admin_table(admin_model):
    assert admin_model.__tablename__ == "users"


def test_admin_email(admin_model):
    assert "email" in admin_model.__table__.columns
