"""Recording answers, on screen or from an answer file: each checked, applied
idempotently, audited, written to the family's timeline, and compared with the
declaration."""

import logging
import unicodedata
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus

from ... import verification_files as files
from ...models import BatchStatus, RequestStatus, VerificationBatch, VerificationRequest
from .batches import household_entry
from .questions import INT, TEXT, VALUE_HINTS, VALUE_KINDS, mismatch_words, mismatches

UPLOAD_KIND = "verification.answers"
logger = logging.getLogger(__name__)
# What an agency may write as the value when nothing was found.
NOTHING = frozenset({"", "-", "—", "无", "none"})
MAX_ERRORS_KEPT = 1000

# --- Answers ------------------------------------------------------------------------


class AnswerError(DomainError):
    """One answer cannot be accepted; the message says why, in words."""


def answer_clean(question: str, found, value: str = "", detail: str = "") -> tuple:
    """(found, value, detail) in their stored form, or AnswerError. `found` may be a
    bool or the text of the file's column."""
    if not isinstance(found, bool):
        text = (found or "").strip()
        if not text:
            raise AnswerError(_("“found” is empty: write yes or no."), code="found_missing")
        found = files.parse_found(text)
        if found is None:
            raise AnswerError(
                _("“found” must be yes or no, not “%(value)s”.") % {"value": text[:40]},
                code="found_bad",
            )
    value = " ".join(unicodedata.normalize("NFKC", value or "").split())
    detail = " ".join((detail or "").split())
    hint = VALUE_HINTS[question]
    kind = VALUE_KINDS[question]
    if not found:
        if value not in NOTHING and not (kind != TEXT and _number(value) == 0):
            raise AnswerError(
                _("“value” must be empty when nothing was found, not “%(value)s”.")
                % {"value": value[:40]},
                code="value_not_empty",
            )
        value = ""
    elif not value:
        raise AnswerError(
            _("“value” is empty: give %(hint)s.") % {"hint": hint}, code="value_missing"
        )
    elif kind != TEXT:
        number = _number(value)
        if number is None or number < 0 or (kind == INT and number != number.to_integral()):
            raise AnswerError(
                _("“value” must be %(hint)s, not “%(value)s”.")
                % {"hint": hint, "value": value[:40]},
                code="value_bad",
            )
        value = str(int(number)) if kind == INT else str(number.quantize(Decimal("0.01")))
    if len(value) > 100:
        raise AnswerError(_("“value” is longer than 100 characters."), code="value_long")
    if len(detail) > 300:
        raise AnswerError(_("“detail” is longer than 300 characters."), code="detail_long")
    return found, value, detail


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass
class Answer:
    request: VerificationRequest
    found: bool
    value: str
    detail: str


@dataclass
class Applied:
    answered: int = 0
    changed: int = 0
    unchanged: int = 0


def _check_answerable(batch: VerificationBatch) -> None:
    if batch.status == BatchStatus.DRAFT:
        raise DomainError(
            _("Batch %(n)s has not been sent yet: it cannot be answered.") % {"n": batch.number},
            code="not_sent",
        )


def request_answer(
    request: VerificationRequest, *, actor, found, value: str = "", detail: str = ""
) -> Applied:
    """Answer one request on screen."""
    batch = request.batch
    _check_answerable(batch)
    found, value, detail = answer_clean(batch.question, found, value, detail)
    return answers_apply(batch, actor=actor, answers=[Answer(request, found, value, detail)])


def answers_apply(batch: VerificationBatch, *, actor, answers: list[Answer]) -> Applied:
    """Record cleaned answers to requests of `batch`. An answer identical to the one on
    record changes nothing; a different one replaces it, and both are audited. The
    mismatch flags of each family touched are worked out again, since a family's
    vehicles or housing add up over its members."""
    _check_answerable(batch)
    applied = Applied()
    now = timezone.now()
    with transaction.atomic():
        # One writer per batch at a time, so two uploads cannot interleave.
        VerificationBatch.objects.select_for_update().filter(pk=batch.pk).first()
        current = {
            r.pk: r
            for r in VerificationRequest.objects.filter(
                pk__in=[a.request.pk for a in answers], batch=batch
            ).select_related("application")
        }
        touched: list[tuple[VerificationRequest, dict | None]] = []
        for answer in answers:
            request = current.get(answer.request.pk)
            if request is None:
                raise DomainError(
                    _("%(ref)s is not in batch %(n)s.")
                    % {"ref": answer.request.ref, "n": batch.number},
                    code="wrong_batch",
                )
            new = (answer.found, answer.value, answer.detail)
            if request.status == RequestStatus.ANSWERED:
                old = (request.found, request.value, request.detail)
                if old == new:
                    applied.unchanged += 1
                    continue
                before = dict(zip(("found", "value", "detail"), old, strict=True))
                applied.changed += 1
            else:
                before = None
                applied.answered += 1
            request.found, request.value, request.detail = new
            request.status = RequestStatus.ANSWERED
            request.answered_by = actor
            request.answered_at = now
            touched.append((request, before))
        if not touched:
            return applied
        flagged = _reevaluate(batch, [r for r, _b in touched])
        VerificationRequest.objects.bulk_update(
            [r for r, _b in touched],
            ["status", "found", "value", "detail", "answered_by", "answered_at"],
            batch_size=500,
        )
        VerificationRequest.objects.bulk_update(
            flagged, ["mismatch", "mismatch_reason"], batch_size=500
        )
        audit.record_many(
            actor=actor,
            items=[
                (
                    "verification.answer" if before is None else "verification.answer_change",
                    r,
                    {
                        "batch": batch.number,
                        "found": r.found,
                        "value": r.value,
                        "detail": r.detail,
                        "mismatch": r.mismatch_reason,
                        **({"before": before} if before else {}),
                    },
                )
                for r, before in touched
            ],
        )
        timeline.add_many(
            [_answer_entry(batch, r, actor, changed=before is not None) for r, before in touched],
        )
        if not batch.requests.filter(status=RequestStatus.PENDING).exists():
            batch.status = BatchStatus.ANSWERED
            batch.save(update_fields=["status"])
    return applied


def _answer_entry(batch, request, actor, *, changed: bool):
    event = "change" if changed else "answer"
    data = {"agency": batch.agency.name, "name": request.name, "value": request.value}
    if request.mismatch:
        kind, params = request._mismatch
        verb = f"verify.{event}.x.{kind}"
        data.update(params)
    else:
        verb = f"verify.{event}.{batch.question}.{'y' if request.found else 'n'}"
    household_id = request.household_id or request.application.household_id
    return household_entry(verb, household_id, actor=actor, **data)


# --- Mismatches -----------------------------------------------------------------------


def _reevaluate(batch, touched: list[VerificationRequest]) -> list[VerificationRequest]:
    """Work out the mismatch of every answered request of the families `touched`
    belongs to, and return the requests whose flag or words changed (touched ones
    included). Each request in the result carries `_mismatch` = (kind, params) or None."""
    by_pk = {r.pk: r for r in touched}
    families = Q(application_id__in={r.application_id for r in touched if r.application_id})
    families |= Q(household_id__in={r.household_id for r in touched if r.household_id})
    group_members = defaultdict(list)
    for r in VerificationRequest.objects.filter(families, batch=batch):
        r = by_pk.get(r.pk, r)
        group_members[(r.application_id, r.household_id)].append(r)
    changed = []
    for requests in group_members.values():
        for r, verdict in mismatches(batch.question, requests):
            r._mismatch = verdict
            reason = mismatch_words(*verdict) if verdict else ""
            if (r.mismatch, r.mismatch_reason) != (bool(verdict), reason) or r.pk in by_pk:
                r.mismatch, r.mismatch_reason = bool(verdict), reason[:300]
                changed.append(r)
    return changed


# --- Answer files ---------------------------------------------------------------------


@dataclass
class UploadReport:
    batch: str
    source: str
    rows: int = 0
    answered: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e["line"] for e in self.errors})

    def verdict(self) -> str:
        return _(
            "%(rows)s rows read: %(answered)s answered, %(changed)s changed, "
            "%(unchanged)s as before, %(rejected)s rejected."
        ) % {
            "rows": self.rows,
            "answered": self.answered,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    def to_dict(self) -> dict:
        return {
            "batch": self.batch,
            "source": self.source,
            "rows": self.rows,
            "answered": self.answered,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors[:MAX_ERRORS_KEPT],
            "errors_total": len(self.errors),
        }


def batch_answers_import(
    batch: VerificationBatch, *, actor, source, name: str = ""
) -> UploadReport:
    """Read an answer file and record its good rows. Each bad row is left out with its
    line number and the reason; the good ones are recorded all the same. Sending the
    same file again changes nothing. Raises DomainError when the file as a whole cannot
    be read."""
    _check_answerable(batch)
    rows = files.read_answers(source, name=name)
    report = UploadReport(batch=batch.number, source=name)
    report.rows = len(rows)

    def reject(row, reason, code):
        report.errors.append(
            {
                "line": row.line,
                "ref": row.values.get("ref", ""),
                "code": code,
                "reason": str(reason),
            }
        )

    lines_of = defaultdict(list)
    for row in rows:
        ref = row.values.get("ref", "").strip()
        if ref:
            lines_of[ref].append(row.line)
    known = {r.ref: r for r in batch.requests.filter(ref__in=list(lines_of))}
    elsewhere = set(
        VerificationRequest.objects.filter(
            ref__in=[r for r in lines_of if r not in known]
        ).values_list("ref", flat=True)
    )
    answers = []
    for row in rows:
        ref = row.values.get("ref", "").strip()
        if not ref:
            reject(row, _("“ref” is empty."), "ref_missing")
            continue
        if len(lines_of[ref]) > 1:
            reject(
                row,
                _("%(ref)s appears more than once in the file (lines %(lines)s).")
                % {"ref": ref, "lines": ", ".join(str(n) for n in lines_of[ref])},
                "ref_duplicate",
            )
            continue
        request = known.get(ref)
        if request is None:
            if ref in elsewhere:
                reject(
                    row, _("%(ref)s belongs to another batch.") % {"ref": ref}, "ref_other_batch"
                )
            else:
                reject(
                    row, _("%(ref)s is not a reference Anju knows.") % {"ref": ref}, "ref_unknown"
                )
            continue
        try:
            found, value, detail = answer_clean(
                batch.question,
                row.values.get("found", ""),
                row.values.get("value", ""),
                row.values.get("detail", ""),
            )
        except AnswerError as exc:
            reject(row, exc.message, exc.code)
            continue
        answers.append(Answer(request, found, value, detail))
    report.errors.sort(key=lambda e: e["line"])
    if answers:
        applied = answers_apply(batch, actor=actor, answers=answers)
        report.answered, report.changed, report.unchanged = (
            applied.answered,
            applied.changed,
            applied.unchanged,
        )
    return report


def batch_answers_upload(batch: VerificationBatch, *, actor, file) -> JobRun:
    """Keep an uploaded answer file and queue its import as a background job; the
    result page follows the job's progress and shows its report."""
    from anju.admission.tasks import verification_answers_task

    _check_answerable(batch)
    name = (getattr(file, "name", "") or "answers").rsplit("/", 1)[-1]
    job = JobRun(
        kind=UPLOAD_KIND,
        created_by=actor,
        message=_("Waiting to read the file…"),
        params={"batch": batch.pk, "source": name, "language": translation.get_language()},
    )
    job.input_file.save(name, file, save=False)
    job.save()
    transaction.on_commit(lambda: verification_answers_task(job.pk))
    return job


def batch_answers_job_run(job_id: int) -> JobRun:
    """The background job's body: import the file and record the report. A job that
    has already finished is left alone, so a retried task does nothing."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    language = (job.params or {}).get("language")
    with translation.override(language) if language else nullcontext():
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, message=_("Reading the answers…")
        )
        try:
            batch = VerificationBatch.objects.get(pk=job.params["batch"])
            with job.input_file.open("rb") as handle:
                report = batch_answers_import(
                    batch, actor=job.created_by, source=handle, name=job.params["source"]
                )
        except DomainError as exc:
            job.status, job.message = JobStatus.FAILED, str(exc.message)[:300]
            job.result = {"error": str(exc.message)}
        except Exception as exc:
            logger.exception("verification answers job %s failed", job.pk)
            job.status = JobStatus.FAILED
            job.message = (_("The file could not be read: %(error)s") % {"error": exc})[:300]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.status, job.message = JobStatus.DONE, report.verdict()[:300]
            job.result = {
                **report.to_dict(),
                "next_url": reverse("verification_upload_result", args=[job.pk]),
            }
            job.done = job.total = max(report.rows, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job
