import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.models import Customer

NAMES = [
    ("Ada Lovelace", "Ada L."),
    ("Grace Hopper", "Grace H."),
    ("Alan Turing", "Alan T."),
    ("Edsger W Dijkstra", "Edsger W."),
    ("Barbara Liskov", "Barbara L."),
    ("Donald Knuth", "Donald K."),
    ("Margaret Hamilton", "Margaret H."),
    ("Linus", "Linus"),
    ("  Ken Thompson ", "Ken T."),
    ("Radia Perlman", "Radia P."),
    ("Frances Allen", "Frances A."),
    ("Cher", "Cher"),
]

EMAILS = [
    ("ada@example.com", "ada@example.com"),
    ("Grace@Example.com", "grace@example.com"),
    ("  alan@example.com", "alan@example.com"),
    ("EDSGER@EXAMPLE.COM", "edsger@example.com"),
    ("barbara@example.com  ", "barbara@example.com"),
    ("Donald.Knuth@Example.org", "donald.knuth@example.org"),
    ("m.hamilton@nasa.example", "m.hamilton@nasa.example"),
    ("\tlinus@example.com\n", "linus@example.com"),
    ("KEN@example.com", "ken@example.com"),
    ("radia@Example.NET", "radia@example.net"),
    ("frances+shop@example.com", "frances+shop@example.com"),
    ("Cher@Example.com", "cher@example.com"),
]


@pytest.mark.parametrize(("name", "expected"), NAMES)
def test_display_name(name, expected):
    customer = Customer(name=name, email="someone@example.com")
    assert customer.display_name == expected


@pytest.mark.parametrize(("email", "expected"), EMAILS)
def test_normalized_email(email, expected):
    customer = Customer(name="Someone", email=email)
    assert customer.normalized_email() == expected


@pytest.mark.parametrize(("name", "_display"), NAMES[:10])
def test_customer_is_saved(session, add_customer, name, _display):
    add_customer(name=name, email="saved@example.com")
    session.commit()
    stored = session.scalars(select(Customer).where(Customer.email == "saved@example.com")).one()
    assert stored.name == name


@pytest.mark.parametrize("email", [e for _, e in EMAILS[:5]])
def test_email_is_unique(session, add_customer, email):
    add_customer(name="First", email=email)
    with pytest.raises(IntegrityError):
        add_customer(name="Second", email=email)


@pytest.mark.parametrize("name", [n for n, _ in NAMES[:5]])
def test_new_customer_is_not_vip(session, add_customer, name):
    assert add_customer(name=name).vip is False
