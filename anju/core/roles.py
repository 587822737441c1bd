"""Roles and what each may do. This table is the one place where permissions are
granted; views declare the permission they need, and scoping (which records a role
sees) lives in `anju.core.scoping`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AUTHORITY_OFFICER = "authority_officer", _("Authority officer")
    STREET_REVIEWER = "street_reviewer", _("Street reviewer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    OPERATOR_CLERK = "operator_clerk", _("Operator clerk")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    TENANT = "tenant", _("Tenant")


# GB/T 22239 (等保 2.0) separation of duties: no account holds two of these.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


class Perm(models.TextChoices):
    HOUSING_VIEW = "housing.view", _("View estates, buildings and units")
    HOUSING_CHANGE = "housing.change", _("Change units, their status and rent standards")
    HOUSEHOLDS_VIEW = "households.view", _("View households and their archives")
    HOUSEHOLDS_CHANGE = "households.change", _("Change households, documents and paper files")
    PII_UNMASK = "pii.unmask", _("Reveal full ID and phone numbers")
    LEDGER_IMPORT = "ledger.import", _("Import the legacy ledger")
    LEDGER_EXPORT = "ledger.export", _("Export the ledger with full ID numbers")
    AUDIT_VIEW = "audit.view", _("Search the audit and access logs")
    USERS_MANAGE = "users.manage", _("Manage user accounts and roles")
    ORGS_MANAGE = "orgs.manage", _("Manage organisations")
    APIKEYS_MANAGE = "apikeys.manage", _("Issue and revoke API keys")
    EXPORT = "export", _("Export lists to Excel")
    ADMISSION_VIEW = "admission.view", _("View applications, the waiting list and rounds")
    APPLICATION_ENTER = "admission.enter", _("Enter applications at the counter")
    APPLICATION_REVIEW = "admission.review", _("Review applications at one's own level")
    RULES_MANAGE = "admission.rules", _("Edit and publish the yearly admission rules")
    CONDUCT_RECORD = "households.conduct", _("Record bad conduct and bans")
    VERIFICATION_MANAGE = "verification.manage", _("Send verification requests to agencies")
    VERIFICATION_ANSWER = "verification.answer", _("Answer verification requests")
    NOTICE_MANAGE = "admission.notice", _("Publish notices and resolve objections")
    WAITING_MANAGE = "admission.waiting", _("Run the waiting list and its contact refresh")
    ROUND_MANAGE = "allocation.manage", _("Prepare, close and draw allocation rounds")
    SELECTION_RECORD = "allocation.select", _("Record unit choices and refusals")
    LEASE_SIGN = "allocation.lease", _("Issue and sign leases, hand units over")
    TENANCY_VIEW = "tenancy.view", _("View leases, bills, payments and arrears")
    BILLING_MANAGE = "tenancy.billing", _("Run the bill run and raise other bills")
    PAYMENT_RECORD = "tenancy.payments", _("Record payments, import statements, refund")
    ARREARS_MANAGE = "tenancy.arrears", _("Take arrears steps and agree repayments")
    LEASE_AMEND = "tenancy.amend", _("Request lease amendments")
    LEASE_AMEND_APPROVE = "tenancy.amend_approve", _("Approve lease amendments")
    RENEWAL_ENTER = "tenancy.renewal_enter", _("Enter renewal applications at the counter")
    RENEWAL_DECIDE = "tenancy.renewal_decide", _("Decide renewals")
    RECERT_ENTER = "tenancy.recert_enter", _("Enter recertification declarations")
    RECERT_MANAGE = "tenancy.recert_manage", _("Run recertification campaigns, confirm outcomes")
    VACATE_LIST = "tenancy.vacate", _("Keep the “must vacate” list")
    SUPERVISION_VIEW = (
        "supervision.view",
        _("View screening results, inspections, tips, violation cases and tenant points"),
    )
    INGEST = "supervision.ingest", _("Post door events and meter readings")
    DEVICES_MANAGE = "supervision.devices", _("Confirm and retire devices")
    SCREENING_RUN = "supervision.screen", _("Run screenings and dismiss flags")
    TIP_TRIAGE = "supervision.tips", _("Enter, triage and close tips")
    INSPECTION_PLAN = "supervision.plan", _("Plan inspections and assign inspectors")
    INSPECT = "supervision.inspect", _("Raise inspection tasks and record visits")
    CASE_MANAGE = "supervision.cases", _("Open violation cases, issue notices, take statements")
    CASE_DECIDE = "supervision.decide", _("Decide violation cases and their penalties")
    POINTS_RECORD = "supervision.points", _("Record tenant points and good-conduct credit")
    EXITS_VIEW = "exits.view", _("View exit cases, handovers and exchanges")
    EXIT_MANAGE = (
        "exits.manage",
        _("Open exit cases, issue vacate notices and record court steps"),
    )
    EXIT_DECIDE = "exits.decide", _("Decide exits and withdraw them")
    HANDOVER = "exits.handover", _("Record move-out handovers and settle deposits")
    EXCHANGE_ENTER = "exits.exchange_enter", _("Enter exchange requests at the counter")
    EXCHANGE_DECIDE = (
        "exits.exchange_decide",
        _("Decide exchanges, offer units, approve swaps and order transfers"),
    )
    HELPDESK_VIEW = "helpdesk.view", _("View work orders and feedback")
    WORKORDER_ENTER = "helpdesk.enter", _("Report repairs by phone or at the counter")
    WORKORDER_DISPATCH = (
        "helpdesk.dispatch",
        _("Assign, defer and cancel work orders; set what the tenant pays"),
    )
    WORKORDER_WORK = "helpdesk.work", _("Start and finish repairs")
    WORKORDER_QUALITY = "helpdesk.quality", _("Record quality checks of repairs")
    SLA_MANAGE = "helpdesk.sla", _("Edit repair classifications and deadlines")
    FEEDBACK_ENTER = "feedback.enter", _("Enter feedback at the counter")
    FEEDBACK_ANSWER = (
        "feedback.answer",
        _("Acknowledge, answer and pass on feedback routed to one's organisation"),
    )
    OUTREACH_VIEW = "outreach.view", _("View notices, activities and surveys with their results")
    PUBLICITY_MANAGE = "outreach.publish", _("Publish notices and policy explainers")
    ACTIVITY_MANAGE = "outreach.activities", _("Run community activities and record attendance")
    SURVEY_MANAGE = "outreach.surveys", _("Design and send satisfaction surveys")
    EVALUATION_VIEW = "evaluation.view", _("View evaluation scores and their records")
    EVALUATION_MANAGE = (
        "evaluation.manage",
        _("Edit schemes, run periods, resolve objections, publish grades, decide consequences"),
    )
    EVALUATION_SCORE = "evaluation.score", _("Score the manual indicators, with evidence")
    EVALUATION_RESPOND = (
        "evaluation.respond",
        _("Object to one's organisation's draft scores and report rectifications"),
    )
    CONSEQUENCE_RECORD = (
        "evaluation.consequences",
        _("Record that a tenant's interview, warning or referral was carried out"),
    )
    COCKPIT_VIEW = "evaluation.cockpit", _("View the district dashboard (驾驶舱)")


_VIEW = {Perm.HOUSING_VIEW, Perm.HOUSEHOLDS_VIEW, Perm.EXPORT}
_ADMISSION_VIEW = {Perm.ADMISSION_VIEW}
_SUPERVISION_FIELD = {Perm.SUPERVISION_VIEW, Perm.INSPECT, Perm.CASE_MANAGE}
_EXITS_DESK = {Perm.EXITS_VIEW, Perm.EXIT_MANAGE, Perm.HANDOVER, Perm.EXCHANGE_ENTER}
_HELPDESK_SEEN = {Perm.HELPDESK_VIEW, Perm.OUTREACH_VIEW}
_EVALUATED = {Perm.EVALUATION_VIEW, Perm.EVALUATION_RESPOND}
_TENANCY_DESK = {
    Perm.TENANCY_VIEW,
    Perm.BILLING_MANAGE,
    Perm.PAYMENT_RECORD,
    Perm.ARREARS_MANAGE,
    Perm.LEASE_AMEND,
    Perm.RENEWAL_ENTER,
    Perm.RECERT_ENTER,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.AUTHORITY_OFFICER: frozenset(
        _VIEW
        | {
            Perm.HOUSING_CHANGE,
            Perm.HOUSEHOLDS_CHANGE,
            Perm.PII_UNMASK,
            Perm.LEDGER_IMPORT,
            Perm.LEDGER_EXPORT,
            Perm.ADMISSION_VIEW,
            Perm.APPLICATION_ENTER,
            Perm.APPLICATION_REVIEW,
            Perm.RULES_MANAGE,
            Perm.CONDUCT_RECORD,
            Perm.VERIFICATION_MANAGE,
            Perm.NOTICE_MANAGE,
            Perm.WAITING_MANAGE,
            Perm.ROUND_MANAGE,
            Perm.SELECTION_RECORD,
            Perm.LEASE_SIGN,
            *_TENANCY_DESK,
            Perm.LEASE_AMEND_APPROVE,
            Perm.RENEWAL_DECIDE,
            Perm.RECERT_MANAGE,
            Perm.VACATE_LIST,
            *_SUPERVISION_FIELD,
            Perm.INGEST,
            Perm.DEVICES_MANAGE,
            Perm.SCREENING_RUN,
            Perm.TIP_TRIAGE,
            Perm.INSPECTION_PLAN,
            Perm.CASE_DECIDE,
            Perm.POINTS_RECORD,
            *_EXITS_DESK,
            Perm.EXIT_DECIDE,
            Perm.EXCHANGE_DECIDE,
            *_HELPDESK_SEEN,
            Perm.WORKORDER_ENTER,
            Perm.WORKORDER_QUALITY,
            Perm.SLA_MANAGE,
            Perm.FEEDBACK_ENTER,
            Perm.FEEDBACK_ANSWER,
            Perm.PUBLICITY_MANAGE,
            Perm.ACTIVITY_MANAGE,
            Perm.SURVEY_MANAGE,
            Perm.EVALUATION_VIEW,
            Perm.EVALUATION_MANAGE,
            Perm.EVALUATION_SCORE,
            Perm.CONSEQUENCE_RECORD,
            Perm.COCKPIT_VIEW,
        }
    ),
    Role.STREET_REVIEWER: frozenset(
        _VIEW
        | _ADMISSION_VIEW
        | _HELPDESK_SEEN
        | _EVALUATED
        | {
            Perm.APPLICATION_REVIEW,
            Perm.TENANCY_VIEW,
            Perm.SUPERVISION_VIEW,
            Perm.EXITS_VIEW,
            Perm.FEEDBACK_ENTER,
            Perm.FEEDBACK_ANSWER,
        }
    ),
    Role.COMMUNITY_WORKER: frozenset(
        _VIEW
        | _ADMISSION_VIEW
        | {
            Perm.HOUSEHOLDS_CHANGE,
            Perm.PII_UNMASK,
            Perm.APPLICATION_ENTER,
            Perm.APPLICATION_REVIEW,
            Perm.TENANCY_VIEW,
            Perm.RENEWAL_ENTER,
            Perm.RECERT_ENTER,
            *_SUPERVISION_FIELD,
            Perm.TIP_TRIAGE,
            Perm.EXITS_VIEW,
            Perm.EXCHANGE_ENTER,
            *_HELPDESK_SEEN,
            Perm.WORKORDER_ENTER,
            Perm.FEEDBACK_ENTER,
            Perm.FEEDBACK_ANSWER,
            Perm.ACTIVITY_MANAGE,
            *_EVALUATED,
            Perm.CONSEQUENCE_RECORD,
        }
    ),
    Role.OPERATOR_CLERK: frozenset(
        _VIEW
        | {
            Perm.HOUSING_CHANGE,
            Perm.HOUSEHOLDS_CHANGE,
            Perm.PII_UNMASK,
            Perm.SELECTION_RECORD,
            Perm.LEASE_SIGN,
            *_TENANCY_DESK,
            *_SUPERVISION_FIELD,
            Perm.INGEST,
            Perm.DEVICES_MANAGE,
            Perm.INSPECTION_PLAN,
            Perm.POINTS_RECORD,
            *_EXITS_DESK,
            *_HELPDESK_SEEN,
            Perm.WORKORDER_ENTER,
            Perm.WORKORDER_DISPATCH,
            Perm.WORKORDER_QUALITY,
            Perm.FEEDBACK_ENTER,
            Perm.FEEDBACK_ANSWER,
            *_EVALUATED,
            Perm.CONSEQUENCE_RECORD,
        }
    ),
    # A repairer sees the orders of the estates the company serves and works them; the
    # manager also dispatches them, checks their quality and answers feedback.
    Role.PROPERTY_STAFF: frozenset({Perm.HOUSING_VIEW, Perm.HELPDESK_VIEW, Perm.WORKORDER_WORK}),
    Role.PROPERTY_MANAGER: frozenset(
        _HELPDESK_SEEN
        | {
            Perm.HOUSING_VIEW,
            Perm.EXPORT,  # its company's orders and the SLA report, to Excel
            Perm.WORKORDER_ENTER,
            Perm.WORKORDER_DISPATCH,
            Perm.WORKORDER_WORK,
            Perm.WORKORDER_QUALITY,
            Perm.FEEDBACK_ANSWER,
            *_EVALUATED,
        }
    ),
    Role.PARTNER_AGENCY: frozenset({Perm.VERIFICATION_ANSWER}),
    Role.AUDITOR: frozenset(
        _VIEW
        | _ADMISSION_VIEW
        | _HELPDESK_SEEN
        | {
            Perm.AUDIT_VIEW,
            Perm.TENANCY_VIEW,
            Perm.SUPERVISION_VIEW,
            Perm.EXITS_VIEW,
            Perm.EVALUATION_VIEW,
            Perm.COCKPIT_VIEW,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset({Perm.ORGS_MANAGE}),
    Role.SECURITY_ADMIN: frozenset({Perm.USERS_MANAGE, Perm.APIKEYS_MANAGE}),
    Role.TENANT: frozenset(),
}
