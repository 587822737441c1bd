"""The public ranking: open to anyone; for each published period, the operators' and
the property companies' rank, name, total and grade, and nothing else: no tenant
household, no indicator, no period still open or disclosed."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from anju.evaluation.services.periods import period_publish

from . import period_world
from .period_world import AFTER_Q2, at, computed, disclosed

pytestmark = pytest.mark.django_db
world_once = period_world.world_once
world = period_world.world
definitions = period_world.definitions


def ranking() -> str:
    response = Client().get(reverse("public_ranking"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_ranking_shows_only_published_periods(world):
    period = disclosed(world)
    assert "2026 Q2" not in ranking()
    with at(AFTER_Q2 + datetime.timedelta(days=8)):
        period_publish(period, actor=world.officer)
    text = ranking()
    assert "2026 Q2" in text
    assert world.property_1.name in text and world.property_2.name in text
    assert "66.67" in text or "76.00" in text


def test_the_ranking_shows_operators_and_property_companies_only(world):
    period = disclosed(world)
    with at(AFTER_Q2 + datetime.timedelta(days=8)):
        period_publish(period, actor=world.officer)
    text = ranking()
    for secret in (
        world.alice_household.number,
        world.charlie_household.number,
        "test.units_low",
        "Indicator test",
        "指标 test",
    ):
        assert secret not in text


def test_an_open_period_is_not_on_the_ranking(world):
    computed(world)
    assert "2026 Q2" not in ranking()
