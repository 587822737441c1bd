"""A world built once for a test module: inside a transaction that is rolled back at
the module's end, while each test runs in a savepoint of its own inside it.

    @pytest.fixture(scope="module")
    def world_once(django_db_setup, django_db_blocker):
        with shared_world(django_db_blocker, build) as world:
            yield world

After `build()` the world's deferred foreign-key checks are fired, once. Left pending,
they would be fired again at the end of every test (Django checks constraints before it
rolls a test's savepoint back) and undone with the savepoint: tens of milliseconds a
test on PostgreSQL for a world of a few thousand rows."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.test import override_settings

# Cheap password hashing while the world makes its accounts; the production hasher
# (argon2) is checked in anju/core/tests/test_auth.py.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def shared_world[T](django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        world = build()
        connection.check_constraints()
        yield world
        transaction.set_rollback(True)
