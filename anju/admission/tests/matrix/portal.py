"""Matrix rows of the applicant's portal pages (anju.portal).

Every portal page starts from the signed-in account's own household, so no member of
the cast reaches another family's application: staff have no household (404), Alice
and Charlie have homes but no application (404; the apply page sends them home), and
anyone signed out is sent to log in. The sign-up page is public; a signed-in visitor is
sent to their home page. The applicant's own view of these pages is tested in
anju/portal/tests/test_apply.py."""

from stdnum.cn import ric

from anju.testing.admission import make_application
from anju.testing.matrix import Row, _list, _r

NOBODY = {"anonymous": 302, "*": 404}
GET_POST = ("GET", "POST")


def _id(seq: int) -> str:
    body = f"14040219680606{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def build(world) -> None:
    # A draft entered at the counter: its member and document stand for "another
    # family's" records, which every portal URL refuses.
    application = make_application(
        world.cast, submit=False, members=(("门户矩阵", _id(1), "head", "1200"),)
    )
    world.extra["portal"] = {
        "member": application.members.get(),
        "document": application.documents.first(),
    }


def _pk(name, what):
    return lambda w, side, role: _r(name, w.extra["portal"][what].pk)


ROWS = [
    # Public; with an empty form the page is shown again with its errors.
    Row(
        "portal_signup",
        _list("portal_signup"),
        methods=GET_POST,
        fixed={"anonymous": 200, "*": 302},
    ),
    Row(
        "portal_apply",
        _list("portal_apply"),
        methods=GET_POST,
        fixed={"alice": 302, "charlie": 302, **NOBODY},
    ),
    Row("portal_application", _list("portal_application"), fixed=NOBODY),
    Row(
        "portal_application_details",
        _list("portal_application_details"),
        methods=GET_POST,
        fixed=NOBODY,
    ),
    Row(
        "portal_application_members",
        _list("portal_application_members"),
        methods=GET_POST,
        fixed=NOBODY,
    ),
    Row(
        "portal_member_remove",
        _pk("portal_member_remove", "member"),
        methods=("POST",),
        fixed=NOBODY,
    ),
    Row(
        "portal_application_documents",
        _list("portal_application_documents"),
        methods=GET_POST,
        fixed=NOBODY,
    ),
    Row("portal_document_download", _pk("portal_document_download", "document"), fixed=NOBODY),
    Row(
        "portal_application_consent",
        _list("portal_application_consent"),
        methods=GET_POST,
        fixed=NOBODY,
    ),
    Row(
        "portal_application_submit",
        _list("portal_application_submit"),
        methods=("POST",),
        fixed=NOBODY,
    ),
    Row("portal_refresh_answer", _list("portal_refresh_answer"), methods=("POST",), fixed=NOBODY),
]


# --- Choosing a unit (anju/portal/views/choose.py) ------------------------------------------
# Another family's round, unit and lease offer: the E1 side's published round of the
# allocation module and the offer of the lease module (both built before this one, by
# name). No member of the cast is an entrant of any round, so every role gets 404; the
# family's own use of these pages is tested in anju/portal/tests/test_choose.py.


def _round(w):
    return w.extra["allocation"]["in"]["published"]


def _choice(name):
    return lambda w, side, role: _r(name, _round(w).pk)


def _choice_unit(w, side, role):
    rnd = _round(w)
    return _r("portal_choose_unit", rnd.pk, rnd.round_units.first().unit_id)


ROWS += [
    Row("portal_choice", _choice("portal_choice"), fixed=NOBODY),
    Row("portal_choose_unit", _choice_unit, methods=GET_POST, fixed=NOBODY),
    Row("portal_choice_decline", _choice("portal_choice_decline"), methods=GET_POST, fixed=NOBODY),
    Row(
        "portal_offer_contract",
        lambda w, side, role: _r("portal_offer_contract", w.extra["lease"]["in"]["offer"].pk),
        fixed=NOBODY,
    ),
]
