"""The evaluation app's models: indicators and schemes, periods with their
scorecards, scores and objections, and the consequences of the grades."""

from .consequences import OPEN_CONSEQUENCES, Consequence, ConsequenceState
from .periods import (
    Evaluation,
    Objection,
    ObjectionStatus,
    Period,
    PeriodStatus,
    Score,
    ScoreEvidence,
)
from .schemes import (
    MANUAL,
    ORGANISATION_PARTIES,
    PUBLICLY_RANKED,
    TENANT_CONSEQUENCES,
    ConsequenceKind,
    ConsequenceRule,
    Direction,
    Grade,
    Indicator,
    IndicatorUnit,
    PartyKind,
    PeriodKind,
    Scheme,
    SchemeLine,
)

__all__ = [
    "MANUAL",
    "OPEN_CONSEQUENCES",
    "ORGANISATION_PARTIES",
    "PUBLICLY_RANKED",
    "TENANT_CONSEQUENCES",
    "Consequence",
    "ConsequenceKind",
    "ConsequenceRule",
    "ConsequenceState",
    "Direction",
    "Evaluation",
    "Grade",
    "Indicator",
    "IndicatorUnit",
    "Objection",
    "ObjectionStatus",
    "PartyKind",
    "Period",
    "PeriodKind",
    "PeriodStatus",
    "Scheme",
    "SchemeLine",
    "Score",
    "ScoreEvidence",
]
