import importlib

import pytest

from app.models import User


@pytest.fixture
def user_model():
    return User


@pytest.fixture
def admin_model():
    return importlib.import_module("app.admin.user").AdminUser
