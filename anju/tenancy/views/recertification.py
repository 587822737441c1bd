"""Recertification pages for staff (年审): the campaigns, opening one (Perm.RECERT_MANAGE),
a campaign's progress per estate and community, its cases and the outcomes report
(Perm.TENANCY_VIEW), sending the declarations to the agencies, computing and confirming
the outcomes (Perm.RECERT_MANAGE), and the declaration taken at the counter
(Perm.RECERT_ENTER). A campaign is in scope when one of its estates is; a case when its
estate is. The tenant's own pages are in anju/portal/views/declare.py."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from anju.admission.models import VerificationRequest
from anju.admission.services.rules import ruleset_in_force
from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.export import xlsx_response
from anju.core.models import JobRun
from anju.core.roles import Perm
from anju.core.scoping import sees_whole_district
from anju.housing.models import Estate

from ..forms_recert import CampaignForm, ConfirmForm, DeclarationForm, ExceptionForm
from ..models import (
    Campaign,
    CampaignStatus,
    EntryChannel,
    Outcome,
    RecertCase,
    RecertStatus,
)
from ..selectors import recertification as selectors
from ..services import recert_confirm as confirming
from ..services import recertification as services

PAGE_SIZE = 50
REPORT_HEADERS = [
    gettext_lazy("Household no."),
    gettext_lazy("Head of household"),
    gettext_lazy("Estate"),
    gettext_lazy("Community"),
    gettext_lazy("Unit"),
    gettext_lazy("Status"),
    gettext_lazy("Declared by"),
    gettext_lazy("Declared on"),
    gettext_lazy("Members"),
    gettext_lazy("Household monthly income (yuan)"),
    gettext_lazy("Per-capita monthly income (yuan)"),
    gettext_lazy("Times the limit"),
    gettext_lazy("Computed outcome"),
    gettext_lazy("Rent multiple"),
    gettext_lazy("Confirmed outcome"),
    gettext_lazy("Confirmed multiple"),
    gettext_lazy("Reason for the exception"),
    gettext_lazy("New rent from"),
    gettext_lazy("Reasons"),
]


# --- Finding ----------------------------------------------------------------------------


def find_campaign(user, pk) -> Campaign:
    return get_or_404(Campaign.objects.visible_to(user).select_related("ruleset"), pk=pk)


def find_case(user, pk) -> RecertCase:
    return get_or_404(
        RecertCase.objects.visible_to(user).select_related(
            "campaign__ruleset",
            "household__head",
            "household__unit",
            "estate__community",
            "declaration__submitted_by",
            "confirmed_by",
        ),
        pk=pk,
    )


def _estate_ids(request, campaign) -> list[int] | None:
    """The estates an action covers: the one chosen, else all the user sees (None: the
    whole campaign, for a user who sees the whole district)."""
    visible = campaign.estates.filter(pk__in=Estate.objects.visible_to(request.user))
    chosen = request.POST.get("estate") or request.GET.get("estate")
    if chosen:
        ids = (
            list(visible.filter(pk=chosen).values_list("pk", flat=True)) if chosen.isdigit() else []
        )
        if not ids:
            raise Http404
        return ids
    if sees_whole_district(request.user):
        return None
    return list(visible.values_list("pk", flat=True))


def _cases(request, campaign):
    cases = RecertCase.objects.visible_to(request.user).filter(campaign=campaign)
    ids = _estate_ids(request, campaign)
    return cases if ids is None else cases.filter(estate_id__in=ids)


def _errors(form) -> str:
    return "; ".join(str(m) for ms in form.errors.values() for m in ms)


# --- Campaigns --------------------------------------------------------------------------


@staff_view(Perm.TENANCY_VIEW)
def recert_campaign_list(request):
    return render(
        request,
        "tenancy/recert/campaign_list.html",
        {"campaigns": selectors.campaigns_for(request.user)},
    )


@staff_view(Perm.RECERT_MANAGE, methods=("GET", "POST"))
def recert_campaign_open(request):
    estates = Estate.objects.visible_to(request.user).select_related("community").order_by("code")
    form = CampaignForm(request.POST or None, estates=estates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_open(
                actor=request.user,
                year=data["year"],
                name=data["name"],
                estates=data["estates"],
                declare_by=data["declare_by"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s opened: %(n)s households are asked to declare by %(day)s.")
                % {
                    "name": campaign.name,
                    "n": campaign.cases.count(),
                    "day": f"{campaign.declare_by:%Y-%m-%d}",
                },
            )
            return redirect("recert_campaign_detail", pk=campaign.pk)
    try:
        ruleset = ruleset_in_force()
    except DomainError:
        ruleset = None
    return render(
        request,
        "tenancy/recert/campaign_open.html",
        {"form": form, "ruleset": ruleset, "reminder_days": services.REMINDER_DAYS},
    )


@staff_view(Perm.TENANCY_VIEW, find=find_campaign)
def recert_campaign_detail(request, campaign, pk):
    cases = RecertCase.objects.visible_to(request.user).filter(campaign=campaign)
    today = timezone.localdate()
    job = (
        JobRun.objects.filter(
            kind=services.COMPUTE_KIND, params__campaign=campaign.pk, created_by=request.user
        )
        .order_by("-pk")
        .first()
    )
    return render(
        request,
        "tenancy/recert/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign, request.user),
            "outcomes": Outcome.choices,
            "to_send": cases.filter(status=RecertStatus.DECLARED).count(),
            "with_agencies": cases.filter(status=RecertStatus.VERIFYING).count(),
            "to_confirm": cases.exclude(status=RecertStatus.CONFIRMED).exclude(outcome="").count(),
            "confirm_form": ConfirmForm(
                initial={"effective_from": services.first_of_next_month(today)}
            ),
            "job": job,
            "is_open": campaign.status == CampaignStatus.OPEN,
            "overdue": today > campaign.declare_by,
        },
    )


@staff_view(Perm.TENANCY_VIEW, find=find_campaign)
def recert_campaign_cases(request, campaign, pk):
    cases = selectors.cases_for(campaign, request.user)
    estates = campaign.estates.filter(pk__in=Estate.objects.visible_to(request.user)).order_by(
        "code"
    )
    chosen = {
        "estate": request.GET.get("estate", ""),
        "status": request.GET.get("status", ""),
        "outcome": request.GET.get("outcome", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if chosen["estate"].isdigit():
        cases = cases.filter(estate_id=chosen["estate"])
    if chosen["status"] in RecertStatus.values:
        cases = cases.filter(status=chosen["status"])
    if chosen["outcome"] in Outcome.values:
        cases = cases.filter(selectors.decided_q(chosen["outcome"]))
    elif chosen["outcome"] == "none":
        cases = cases.filter(outcome="")
    if chosen["q"]:
        cases = cases.filter(household__number__icontains=chosen["q"])
    page = Paginator(cases.order_by("estate__code", "household__number"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tenancy/recert/cases.html",
        {
            "campaign": campaign,
            "page": page,
            "cases": selectors.with_sentences(page.object_list),
            "estates": estates,
            "chosen": chosen,
            "statuses": RecertStatus.choices,
            "outcomes": Outcome.choices,
            "confirm_form": ConfirmForm(
                initial={"effective_from": services.first_of_next_month(timezone.localdate())}
            ),
            "is_open": campaign.status == CampaignStatus.OPEN,
        },
    )


@staff_view(Perm.TENANCY_VIEW, find=find_campaign)
def recert_outcomes_export(request, campaign, pk):
    cases = RecertCase.objects.visible_to(request.user).filter(campaign=campaign)
    return xlsx_response(
        f"recertification-{campaign.year}-{campaign.pk}.xlsx",
        [str(h) for h in REPORT_HEADERS],
        selectors.outcome_report_rows(cases),
    )


@staff_view(Perm.RECERT_MANAGE, find=find_campaign, methods=("POST",))
def recert_campaign_compute(request, campaign, pk):
    try:
        job = services.recert_compute_start(
            campaign, actor=request.user, estate_ids=_estate_ids(request, campaign)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("recert_campaign_detail", pk=campaign.pk)
    return redirect("job_detail", pk=job.pk)


@staff_view(Perm.RECERT_MANAGE, find=find_campaign, methods=("POST",))
def recert_campaign_verify(request, campaign, pk):
    try:
        batches = services.recert_verify_send(
            campaign, actor=request.user, cases=_cases(request, campaign)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "The declarations went to the agencies in %(n)s batch.",
                "The declarations went to the agencies in %(n)s batches.",
                len(batches),
            )
            % {"n": len(batches)},
        )
    return redirect("recert_campaign_detail", pk=campaign.pk)


@staff_view(Perm.RECERT_MANAGE, find=find_campaign, methods=("POST",))
def recert_campaign_answers(request, campaign, pk):
    count = services.recert_verification_refresh(campaign)
    messages.info(
        request,
        ngettext(
            "%(n)s more household is verified: the agencies answered every request.",
            "%(n)s more households are verified: the agencies answered every request.",
            count,
        )
        % {"n": count},
    )
    return redirect("recert_campaign_detail", pk=campaign.pk)


def _report_confirmed(request, result) -> None:
    messages.success(
        request,
        ngettext(
            "%(n)s outcome confirmed: %(r)s rent changes, %(l)s households put on the "
            "“must vacate” list.",
            "%(n)s outcomes confirmed: %(r)s rent changes, %(l)s households put on the "
            "“must vacate” list.",
            result.confirmed,
        )
        % {"n": result.confirmed, "r": result.rent_changes, "l": result.listed},
    )
    for number, why in result.skipped:
        messages.warning(
            request, _("%(h)s was left unconfirmed: %(why)s") % {"h": number, "why": why}
        )


@staff_view(Perm.RECERT_MANAGE, find=find_campaign, methods=("POST",))
def recert_campaign_confirm(request, campaign, pk):
    back = request.POST.get("back") == "cases"
    target = redirect("recert_campaign_cases" if back else "recert_campaign_detail", pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return target
    cases = RecertCase.objects.visible_to(request.user).filter(campaign=campaign)
    selected = [pk for pk in request.POST.getlist("cases") if pk.isdigit()]
    if selected:
        cases = cases.filter(pk__in=selected)
    elif request.POST.get("estate"):
        cases = cases.filter(estate_id__in=_estate_ids(request, campaign) or [])
    else:
        messages.error(request, _("Choose an estate, or the households to confirm."))
        return target
    try:
        result = confirming.recert_confirm(
            cases, actor=request.user, effective_from=form.cleaned_data["effective_from"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report_confirmed(request, result)
    return target


# --- One case ---------------------------------------------------------------------------


@staff_view(Perm.TENANCY_VIEW, find=find_case)
def recert_case_detail(request, case, pk):
    campaign = case.campaign
    requests = (
        VerificationRequest.objects.filter(
            household_id=case.household_id,
            batch__purpose="recertification",
            batch__created_at__gte=campaign.created_at,
        )
        .select_related("batch__agency")
        .order_by("batch__agency__code", "id")
    )
    declarations = case.household.declarations.filter(
        submitted_at__gte=campaign.created_at
    ).select_related("submitted_by")
    return render(
        request,
        "tenancy/recert/case_detail.html",
        {
            "case": selectors.with_sentences([case])[0],
            "campaign": campaign,
            "members": list(case.declaration.members.all()) if case.declaration_id else [],
            "requests": list(requests),
            "declarations": list(declarations),
            "exception_form": ExceptionForm(
                initial={
                    "outcome": case.outcome,
                    "multiple": case.rent_multiple,
                    "effective_from": services.first_of_next_month(timezone.localdate()),
                }
            ),
            "can_declare": campaign.status == CampaignStatus.OPEN
            and case.status != RecertStatus.CONFIRMED,
            "can_confirm": campaign.status == CampaignStatus.OPEN
            and case.status != RecertStatus.CONFIRMED
            and bool(case.outcome),
        },
    )


@staff_view(Perm.RECERT_ENTER, find=find_case, methods=("GET", "POST"))
def recert_case_declare(request, case, pk):
    form = DeclarationForm(
        request.POST or None,
        members=case.household.members.current().order_by("id"),
        declaration=case.declaration,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recert_declare(
                case, actor=request.user, channel=EntryChannel.COUNTER, **form.declared()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The declaration of household %(h)s is recorded.") % {"h": case.household.number},
            )
            return redirect("recert_case_detail", pk=case.pk)
    return render(
        request,
        "tenancy/recert/declare.html",
        {"case": case, "campaign": case.campaign, "form": form},
    )


@staff_view(Perm.RECERT_MANAGE, find=find_case, methods=("POST",))
def recert_case_confirm(request, case, pk):
    exceptions = None
    if request.POST.get("exception"):
        form = ExceptionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors(form))
            return redirect("recert_case_detail", pk=case.pk)
        data = form.cleaned_data
        exceptions = {
            case.pk: confirming.Override(
                outcome=data["outcome"], note=data["exception_note"], multiple=data["multiple"]
            )
        }
    else:
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors(form))
            return redirect("recert_case_detail", pk=case.pk)
        data = form.cleaned_data
    try:
        result = confirming.recert_confirm(
            RecertCase.objects.filter(pk=case.pk),
            actor=request.user,
            effective_from=data["effective_from"],
            exceptions=exceptions,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report_confirmed(request, result)
    return redirect("recert_case_detail", pk=case.pk)


urlpatterns = [
    path("recertification/", recert_campaign_list, name="recert_campaign_list"),
    path("recertification/new/", recert_campaign_open, name="recert_campaign_open"),
    path("recertification/<int:pk>/", recert_campaign_detail, name="recert_campaign_detail"),
    path("recertification/<int:pk>/cases/", recert_campaign_cases, name="recert_campaign_cases"),
    path(
        "recertification/<int:pk>/outcomes.xlsx",
        recert_outcomes_export,
        name="recert_outcomes_export",
    ),
    path(
        "recertification/<int:pk>/compute/",
        recert_campaign_compute,
        name="recert_campaign_compute",
    ),
    path("recertification/<int:pk>/verify/", recert_campaign_verify, name="recert_campaign_verify"),
    path(
        "recertification/<int:pk>/answers/",
        recert_campaign_answers,
        name="recert_campaign_answers",
    ),
    path(
        "recertification/<int:pk>/confirm/",
        recert_campaign_confirm,
        name="recert_campaign_confirm",
    ),
    path("recertification/cases/<int:pk>/", recert_case_detail, name="recert_case_detail"),
    path(
        "recertification/cases/<int:pk>/declare/",
        recert_case_declare,
        name="recert_case_declare",
    ),
    path(
        "recertification/cases/<int:pk>/confirm/",
        recert_case_confirm,
        name="recert_case_confirm",
    ),
]
