"""Scoping-matrix rows of verification with partner agencies (协查).

Batches belong to no estate: the district-wide roles see every batch, an agency sees
only its own batches once they are sent, and everyone else sees none. So "in" is a
batch of the cast's agency (civil affairs) and "out" a batch of another agency (public
security). The authority's pages read draft batches, which no agency sees yet; the
agency's pages and the files read sent ones. An upload's result page is its uploader's
own."""

from django.core.files.uploadedfile import SimpleUploadedFile

from anju.admission.services import verification as service
from anju.core.models import AgencyFunction, JobRun, JobStatus, Organisation, OrgKind
from anju.testing.admission import APPLICANT_IDS, make_application
from anju.testing.matrix import AUDIT_VIEW, VERIFICATION_ANSWER, VERIFICATION_MANAGE, Row, _r

# Staff of the E1 side who see no batch at all: their answer is 404, not 403.
SEE_NO_BATCH = {"street": 404, "community": 404, "operator": 404, "repairer": 404, "propmgr": 404}
# For the agency's pages (scope "own": in = the agency's batch, out = another agency's):
# the district-wide roles see both batches but may not answer; nobody else sees either.
AGENCY_PAGE = {
    **SEE_NO_BATCH,
    "officer": 403,
    "auditor": 403,
    "sysadmin": 404,
    "secadmin": 404,
    "alice": 404,
    "charlie": 404,
}


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    police = Organisation.objects.create(
        code="MX-PS",
        name="公安分局（矩阵）",
        kind=OrgKind.AGENCY,
        parent=cast.authority,
        agency_function=AgencyFunction.PUBLIC_SECURITY,
    )

    def application(name, index):
        return make_application(cast, members=[(name, APPLICANT_IDS[index], "head", "1000")])

    def pick(batches):
        by_agency = {b.agency_id: b for b in batches}
        return {"in": by_agency[cast.agency.pk], "out": by_agency[police.pk]}

    sent = pick(
        service.verification_batches_create(
            actor=officer, applications=[application("协查甲", 5)], send=True
        )
    )
    drafts = pick(
        service.verification_batches_create(actor=officer, applications=[application("协查乙", 6)])
    )
    world.extra["verification"] = {
        "sent": sent,
        "drafts": drafts,
        "requests": {side: batch.requests.first() for side, batch in sent.items()},
        "fresh": application("协查丙", 7),
        "uploads": {
            username: JobRun.objects.create(
                kind=service.UPLOAD_KIND,
                status=JobStatus.DONE,
                created_by=user,
                params={"batch": sent["in"].pk, "source": "answers.csv"},
                result={"rows": 0, "answered": 0, "changed": 0, "unchanged": 0, "errors": []},
            )
            for username, user in cast.users.items()
        },
    }


def _x(w):
    return w.extra["verification"]


def _batch(kind, name, *args):
    return lambda w, side, role: _r(name, _x(w)[kind][side].pk, *args)


def _request(name):
    return lambda w, side, role: _r(name, _x(w)["requests"][side].pk)


def _own_upload(w, side, role):
    uploads = _x(w)["uploads"]
    if side == "in":
        return _r("verification_upload_result", uploads.get(role, uploads["officer"]).pk)
    return _r(
        "verification_upload_result", uploads["street" if role == "officer" else "officer"].pk
    )


def _answer_file(w, side):
    ref = _x(w)["requests"][side].ref
    return {"file": SimpleUploadedFile("answers.csv", f"ref,found\n{ref},no\n".encode())}


ROWS = [
    # --- the authority ---
    Row(
        "verification_batch_list",
        lambda w, side, role: _r("verification_batch_list"),
        allowed=VERIFICATION_MANAGE | AUDIT_VIEW,
        scope="none",
    ),
    Row(
        "verification_batch_create",
        lambda w, side, role: _r("verification_batch_create"),
        methods=("GET", "POST"),
        allowed=VERIFICATION_MANAGE,
        scope="none",
        data=lambda w, side: {
            "scope": "selected",
            "applications": [_x(w)["fresh"].pk],
            "send": "on",
        },
    ),
    Row(
        "verification_batch_detail",
        _batch("drafts", "verification_batch_detail"),
        allowed=VERIFICATION_MANAGE | AUDIT_VIEW,
        override=SEE_NO_BATCH,
    ),
    Row(
        "verification_batch_send",
        _batch("drafts", "verification_batch_send"),
        methods=("POST",),
        allowed=VERIFICATION_MANAGE,
        override=SEE_NO_BATCH,
        data=lambda w, side: {},
    ),
    # --- files: the agency, or the authority on its behalf ---
    Row(
        "verification_batch_download",
        _batch("sent", "verification_batch_download", "csv"),
        allowed=VERIFICATION_MANAGE | VERIFICATION_ANSWER,
        scope="own",
        override={**AGENCY_PAGE, "officer": 200},
    ),
    Row(
        "verification_batch_upload",
        _batch("sent", "verification_batch_upload"),
        methods=("POST",),
        allowed=VERIFICATION_MANAGE | VERIFICATION_ANSWER,
        scope="own",
        override={**AGENCY_PAGE, "officer": 302},
        data=_answer_file,
    ),
    Row(
        "verification_upload_result",
        _own_upload,
        allowed=VERIFICATION_MANAGE | VERIFICATION_ANSWER,
        scope="own",
    ),
    # --- the agency ---
    Row(
        "verification_inbox",
        lambda w, side, role: _r("verification_inbox"),
        allowed=VERIFICATION_ANSWER,
        scope="none",
    ),
    Row(
        "verification_answer_batch",
        _batch("sent", "verification_answer_batch"),
        allowed=VERIFICATION_ANSWER,
        scope="own",
        override=AGENCY_PAGE,
    ),
    Row(
        "verification_request_answer",
        _request("verification_request_answer"),
        methods=("POST",),
        allowed=VERIFICATION_ANSWER,
        scope="own",
        override=AGENCY_PAGE,
        data=lambda w, side: {"found": "no"},
    ),
    Row(
        "verification_request_reveal",
        _request("verification_request_reveal"),
        methods=("POST",),
        allowed=VERIFICATION_ANSWER,
        scope="own",
        override=AGENCY_PAGE,
        data=lambda w, side: {},
    ),
]
