"""Lease amendments: the approval queue, a request form per kind opened from the lease
page (Perm.LEASE_AMEND: the operator or the authority), and an amendment's page with
the decision form (Perm.LEASE_AMEND_APPROVE: the authority)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.households.models import Relation

from ..forms_leases import AMENDMENT_FORMS, AmendmentFilter, DecideForm, errors_text
from ..models import AmendmentKind, AmendmentStatus
from ..selectors import leases as selectors
from ..services import amendments as services
from .leases import household_account_url


@staff_view(Perm.TENANCY_VIEW)
def amendment_list(request):
    # The queue: pending requests unless another status is asked for.
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = AmendmentStatus.PENDING
    filters = AmendmentFilter(data, queryset=selectors.amendment_list(request.user))
    amendments = filters.qs.order_by("requested_at", "id")
    if data.get("status") != AmendmentStatus.PENDING:
        amendments = amendments.reverse()
    return list_page(
        request,
        "tenancy/amendments/amendment_list.html",
        amendments,
        {"filter": filters, "pending_total": selectors.pending_count(request.user)},
    )


def _lease_and_kind(user, pk, kind):
    if kind not in AmendmentKind.values:
        raise Http404
    return selectors.lease_for_user(user, pk)


@staff_view(Perm.LEASE_AMEND, find=_lease_and_kind, methods=("GET", "POST"))
def amendment_request(request, lease, pk, kind):
    members = selectors.current_members(lease)
    form_class = AMENDMENT_FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None, lease=lease, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.amendment_request(
                lease,
                actor=request.user,
                kind=kind,
                reason=data["reason"],
                effective_from=data["effective_from"],
                values=form.values(),
                document_file=data.get("document"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Amendment requested: %(what)s. It awaits the authority's approval.")
                % {"what": services.summary(amendment)},
            )
            return redirect("amendment_detail", pk=amendment.pk)
    return render(
        request,
        "tenancy/amendments/amendment_request.html",
        {
            "lease": lease,
            "form": form,
            "kind": AmendmentKind(kind),
            "members": members,
        },
    )


@staff_view(Perm.TENANCY_VIEW, find=selectors.amendment_for_user)
def amendment_detail(request, amendment, pk):
    lease = amendment.lease
    member = None
    if amendment.details.get("member"):
        member = lease.household.members.filter(pk=amendment.details["member"]).first()
    return render(
        request,
        "tenancy/amendments/amendment_detail.html",
        {
            "amendment": amendment,
            "lease": lease,
            "household": lease.household,
            "summary": services.summary(amendment),
            "details": amendment.details,
            "member": member,
            "relation": Relation(amendment.details["relation"]).label
            if amendment.details.get("relation") in Relation.values
            else "",
            "cause": services.HeadChangeCause(amendment.details["cause"]).label
            if amendment.details.get("cause") in services.HeadChangeCause.values
            else "",
            "form": DecideForm() if amendment.status == AmendmentStatus.PENDING else None,
            "rent_after": services.rent_after(amendment)
            if amendment.status == AmendmentStatus.PENDING
            else None,
            "account_url": household_account_url(lease.household_id),
        },
    )


@staff_view(Perm.LEASE_AMEND_APPROVE, find=selectors.amendment_for_user, methods=("POST",))
def amendment_decide(request, amendment, pk):
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("amendment_detail", pk=amendment.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.amendment_decide(
            amendment, actor=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("amendment_detail", pk=amendment.pk)
    if approve:
        messages.success(
            request,
            _("Approved and applied from %(day)s: %(what)s.")
            % {"day": amendment.effective_from, "what": services.summary(amendment)},
        )
    else:
        messages.success(request, _("Rejected; nothing was changed."))
    return redirect("amendment_detail", pk=amendment.pk)


urlpatterns = [
    path("amendments/", amendment_list, name="amendment_list"),
    path("amendments/<int:pk>/", amendment_detail, name="amendment_detail"),
    path("amendments/<int:pk>/decide/", amendment_decide, name="amendment_decide"),
    path(
        "leases/<int:pk>/amendments/<str:kind>/",
        amendment_request,
        name="amendment_request",
    ),
]
