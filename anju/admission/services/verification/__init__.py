"""Verification with partner agencies (协查), one mechanism for admission and for the
yearly recertification.

The authority sends one batch per agency. Each agency function answers one question
(`AGENCY_QUESTIONS`), and a batch holds one request per person asked about, with what the
family declared on that question. The agency answers on screen or by uploading the batch
file back with its answers (`anju.admission.verification_files`, docs/verification.md).
An answer that contradicts the declaration is flagged for the reviewer in words, and
every answer is written to the family's timeline.

Who is asked about is a list of `Subject`s: admission builds them from applications
(`verification_batches_create`), recertification from housed households
(`verification_batches_for_households`). Everything after that is shared.

- `questions`: what each agency is asked, what an answer means, when it contradicts;
- `batches`: subjects, creating and sending batches, reading the full ID numbers;
- `answers`: recording answers, on screen and from files;
- `reads`: what the pages share."""

from .answers import (
    UPLOAD_KIND,
    Answer,
    AnswerError,
    Applied,
    UploadReport,
    answer_clean,
    answers_apply,
    batch_answers_import,
    batch_answers_upload,
    request_answer,
)
from .batches import (
    FACT_KEYS,
    VERIFIABLE_STATUSES,
    Person,
    Subject,
    agencies_asked,
    batch_export,
    batch_send,
    declared_for,
    request_reveal,
    subjects_from_applications,
    subjects_from_households,
    verification_batches_create,
    verification_batches_for_households,
)
from .questions import (
    AGENCY_QUESTIONS,
    ANSWER_WORDS,
    MISMATCH_WORDS,
    VALUE_HINTS,
    VALUE_KINDS,
    answer_words,
    declared_words,
)
from .reads import Rows, batches_with_progress, verification_candidates, verification_rows

__all__ = [
    "AGENCY_QUESTIONS",
    "ANSWER_WORDS",
    "FACT_KEYS",
    "MISMATCH_WORDS",
    "UPLOAD_KIND",
    "VALUE_HINTS",
    "VALUE_KINDS",
    "VERIFIABLE_STATUSES",
    "Answer",
    "AnswerError",
    "Applied",
    "Person",
    "Rows",
    "Subject",
    "UploadReport",
    "agencies_asked",
    "answer_clean",
    "answer_words",
    "answers_apply",
    "batch_answers_import",
    "batch_answers_upload",
    "batch_export",
    "batch_send",
    "batches_with_progress",
    "declared_for",
    "declared_words",
    "request_answer",
    "request_reveal",
    "subjects_from_applications",
    "subjects_from_households",
    "verification_batches_create",
    "verification_batches_for_households",
    "verification_candidates",
    "verification_rows",
]
