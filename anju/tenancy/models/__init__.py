"""The tenancy app's models, one module per area."""

from .amendments import AmendmentKind, AmendmentStatus, LeaseAmendment
from .arrears import (
    AgreementStatus,
    ArrearsAction,
    ArrearsHold,
    ArrearsNotice,
    ArrearsStep,
    HoldKind,
    Instalment,
    RepaymentAgreement,
)
from .billing import Bill, BillKind, BillRun, BillStatus
from .declarations import Declaration, DeclaredMember, EntryChannel, HousingAcquired
from .payments import (
    COUNTER_CHANNELS,
    STATEMENT_CHANNELS,
    Allocation,
    Channel,
    Payment,
    Refund,
    Statement,
)
from .recertification import Campaign, CampaignStatus, Outcome, RecertCase, RecertStatus
from .renewal import Renewal, RenewalStatus
from .vacate import LEGAL_BASIS, ListingStatus, VacateListing, VacateReason

__all__ = [
    "COUNTER_CHANNELS",
    "LEGAL_BASIS",
    "STATEMENT_CHANNELS",
    "AgreementStatus",
    "Allocation",
    "AmendmentKind",
    "AmendmentStatus",
    "ArrearsAction",
    "ArrearsHold",
    "ArrearsNotice",
    "ArrearsStep",
    "Bill",
    "BillKind",
    "BillRun",
    "BillStatus",
    "Campaign",
    "CampaignStatus",
    "Channel",
    "Declaration",
    "DeclaredMember",
    "EntryChannel",
    "HoldKind",
    "HousingAcquired",
    "Instalment",
    "LeaseAmendment",
    "ListingStatus",
    "Outcome",
    "Payment",
    "RecertCase",
    "RecertStatus",
    "Refund",
    "Renewal",
    "RenewalStatus",
    "RepaymentAgreement",
    "Statement",
    "VacateListing",
    "VacateReason",
]
