"""The outreach app's models: notices, activities and surveys."""

from .activities import Activity, ActivityStatus, Signup
from .notices import (
    Audience,
    Notice,
    NoticeAttachment,
    NoticeKind,
    NoticeQuestion,
    NoticeRead,
    NoticeStatus,
)
from .surveys import (
    Answer,
    Dimension,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
)

__all__ = [
    "Activity",
    "ActivityStatus",
    "Answer",
    "Audience",
    "Dimension",
    "Invitation",
    "Notice",
    "NoticeAttachment",
    "NoticeKind",
    "NoticeQuestion",
    "NoticeRead",
    "NoticeStatus",
    "Question",
    "QuestionKind",
    "Response",
    "Signup",
    "Survey",
    "SurveyKind",
    "SurveyStatus",
]
