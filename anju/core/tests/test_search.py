"""The global search box: unit codes, names, pinyin initials, full and masked ID and
phone numbers, always within the searcher's scope."""

import pytest
from django.urls import reverse

from anju.core.search import search
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db


def names(result):
    return [m.name for m in result["members"]]


def codes(result):
    return [u.code for u in result["units"]]


@pytest.mark.parametrize(
    "q",
    [
        "王小明",
        "小明",
        "wxm",
        "WXM",
        "wangxiaoming",
        IDS["alice"],
        "140402********1243",
        "13800000000",
        "+86 138 0000 0000",
        "138****0000",
    ],
)
def test_an_officer_finds_alice_by(cast, q):
    assert names(search(cast.users["officer"], q)) == ["王小明"]


def test_a_lower_case_x_in_an_id_number_still_finds_the_person(cast):
    from anju.households import services as hh

    hh.member_add(
        cast.alice_household,
        actor=cast.users["officer"],
        name="王大伟",
        id_number=IDS["bob"],
        relation="sibling",
    )
    assert names(search(cast.users["officer"], IDS["bob"].lower())) == ["王大伟"]


def test_pinyin_initials_find_every_matching_name(cast):
    # 王小明 (wxm) and 王乐乐 (wll) share the family name: "w" finds both.
    assert sorted(names(search(cast.users["officer"], "w"))) == ["王乐乐", "王小明"]


def test_a_unit_code_finds_the_unit(cast):
    result = search(cast.users["officer"], "E1-01-0101")
    assert codes(result) == ["E1-01-0101"]
    assert codes(search(cast.users["officer"], "e1-01-01")) == ["E1-01-0101", "E1-01-0102"]


def test_a_single_unit_opens_its_page(cast, client_for):
    response = client_for("officer").get(reverse("search"), {"q": "E1-01-0101"})
    assert response.status_code == 302
    assert response["Location"] == reverse("unit_detail", args=[cast.unit_a.pk])


def test_the_search_page_lists_people_with_masked_numbers(cast, client_for):
    response = client_for("officer").get(reverse("search"), {"q": IDS["alice"]})
    assert response.status_code == 200
    text = response.content.decode()
    assert "王小明" in text
    assert "140402********1243" in text
    assert "HH-A" in text


def test_an_officer_finds_charlie_across_the_district(cast):
    officer = cast.users["officer"]
    assert names(search(officer, "张查理")) == ["张查理"]
    assert names(search(officer, IDS["charlie"])) == ["张查理"]
    assert codes(search(officer, "E2-01-0101")) == ["E2-01-0101"]


@pytest.mark.parametrize(
    "q",
    ["张查理", "查理", "zcl", IDS["charlie"], "140404********0011", "13900000000", "139****0000"],
)
@pytest.mark.parametrize("role", ["community", "street", "operator"])
def test_e1_side_staff_do_not_find_charlie(cast, role, q):
    assert search(cast.users[role], q)["members"] == []


@pytest.mark.parametrize("role", ["community", "street", "operator", "repairer"])
def test_e1_side_staff_do_not_find_e2_units(cast, role):
    assert search(cast.users[role], "E2-01")["units"] == []
    assert codes(search(cast.users[role], "E1-01-0101")) == ["E1-01-0101"]


def test_a_community_workers_page_shows_nothing_for_charlie(cast, client_for):
    for q in ("张查理", IDS["charlie"]):
        response = client_for("community").get(reverse("search"), {"q": q})
        assert response.status_code == 200
        text = response.content.decode()
        assert "HH-C" not in text
        assert "140404********0011" not in text
        assert 'data-testid="member-results"' not in text


def test_property_staff_find_units_but_no_people(cast, client_for):
    repairer = cast.users["repairer"]
    assert codes(search(repairer, "E1-01-01")) == ["E1-01-0101", "E1-01-0102"]
    for q in ("王小明", "wxm", IDS["alice"], "140402********1243", "13800000000"):
        assert search(repairer, q)["members"] == [], q
    response = client_for("repairer").get(reverse("search"), {"q": "王小明"})
    assert response.status_code == 200
    assert "140402********1243" not in response.content.decode()


@pytest.mark.parametrize("role", ["agency", "sysadmin", "secadmin", "alice"])
def test_roles_without_a_view_permission_may_not_search(cast, client_for, role):
    assert client_for(role).get(reverse("search"), {"q": "王小明"}).status_code == 403


@pytest.mark.parametrize(
    "q",
    ["", "   ", "14040219900101124", "140402199001011244", "1380000000", "%", "_", "'; --"],
    ids=["empty", "blank", "17-digits", "bad-check-digit", "10-digit-phone", "pct", "us", "sql"],
)
def test_queries_that_name_nobody_find_nobody(cast, q):
    result = search(cast.users["officer"], q)
    assert result["members"] == []
    if q.strip() in ("%", "_", "'; --"):
        assert result["units"] == []


def test_a_person_who_left_is_found_after_current_members(cast):
    from anju.households import services as hh

    officer = cast.users["officer"]
    child = cast.alice_household.members.get(name="王乐乐")
    hh.member_leave(child, actor=officer)
    assert names(search(officer, "w")) == ["王小明", "王乐乐"]
