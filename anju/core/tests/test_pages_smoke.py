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


def test_a_filter_change_from_htmx_gets_only_the_table(cast, client_for):
    c = client_for("officer")
    response = c.get(reverse("unit_list") + "?status=vacant", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="table">')
    assert "<html" not in body
    assert cast.vacant_e1.code in body and cast.unit_a.code not in body
    page = c.get(reverse("unit_list") + "?status=vacant").content.decode()
    assert 'hx-get="/units/"' in page and "<html" in page
