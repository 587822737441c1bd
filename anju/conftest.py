import pytest
from django.test import Client

from anju.testing.cast import build_cast


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def client_for(cast):
    """client_for("officer") → a test client logged in as that member of the cast."""
    clients = {}

    def make(username):
        if username not in clients:
            client = Client()
            client.force_login(cast.users[username])
            clients[username] = client
        return clients[username]

    return make
