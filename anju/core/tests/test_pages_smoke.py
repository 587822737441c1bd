import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_officer_opens_every_main_page(cast, client_for):
    c = client_for("officer")
    for url in [
        reverse("home"),
        reverse("estate_list"),
        reverse("unit_list"),
        reverse("household_list"),
        reverse("estate_detail", args=[cast.e1.pk]),
        reverse("building_detail", args=[cast.unit_a.building_id]),
        reverse("unit_detail", args=[cast.unit_a.pk]),
        reverse("household_detail", args=[cast.alice_household.pk]),
        reverse("search") + "?q=wxm",
        reverse("account"),
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
