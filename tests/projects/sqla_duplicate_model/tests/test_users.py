def test_user_table(user_model):
    assert user_model.__tablename__ == "users"


def test_user_has_email(user_model):
    assert "email" in user_model.__table__.columns
