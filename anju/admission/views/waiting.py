"""The waiting list (轮候) for staff: the list in its computed order with filters, one
household's place explained with its history, suspension and reinstatement, the yearly
contact refresh with answers taken at the counter, and the households waiting longer
than the guideline."""

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Count, F, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.households.models import Category

from ..models import ContactRefresh, ContactRefreshAnswer, WaitingEntry, WaitingStatus
from ..services import waiting as svc


def _entries(user):
    return WaitingEntry.objects.visible_to(user).select_related(
        "household__head", "application__community"
    )


def _entry_for(user, pk) -> WaitingEntry:
    return get_or_404(_entries(user), pk=pk)


def _answer_for(user, pk) -> ContactRefreshAnswer:
    return get_or_404(
        ContactRefreshAnswer.objects.filter(
            entry__in=WaitingEntry.objects.visible_to(user)
        ).select_related("refresh", "entry__household"),
        pk=pk,
    )


def _refresh_for(user, pk) -> ContactRefresh:
    # A campaign is district-wide; what each user sees of it is scoped below.
    return get_or_404(ContactRefresh.objects.all(), pk=pk)


class WaitingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("Household no. or name"), method="filter_q")
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("Category"), choices=Category.choices, empty_label=gettext_lazy("All")
    )
    priority_group = django_filters.ChoiceFilter(
        label=gettext_lazy("Priority group"), choices=(), empty_label=gettext_lazy("All")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=WaitingStatus.choices,
        empty_label=gettext_lazy("All"),
    )

    class Meta:
        model = WaitingEntry
        fields = ["q", "category", "priority_group", "status"]

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority_group"].extra["choices"] = [(str(g), str(g)) for g in groups]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(household__number__startswith=value.upper())
            | Q(household__head__name__contains=value)
        )


@staff_view(Perm.ADMISSION_VIEW)
def waiting_list(request):
    base = _entries(request.user)
    groups = sorted(set(base.values_list("priority_group", flat=True).order_by()))
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = WaitingStatus.WAITING
    filters = WaitingFilter(query, queryset=base, groups=groups)
    entries = filters.qs.order_by(F("position").asc(nulls_last=True), "status", "id")
    counts = base.aggregate(
        waiting=Count("pk", filter=Q(status=WaitingStatus.WAITING)),
        suspended=Count("pk", filter=Q(status=WaitingStatus.SUSPENDED)),
    )
    return list_page(
        request,
        "admission/waiting/list.html",
        entries,
        {"filter": filters, "counts": counts},
        export=(
            "waiting-list.xlsx",
            [
                _("Position"),
                _("Household no."),
                _("Head"),
                _("Category"),
                _("Household size"),
                _("Priority group"),
                _("Points"),
                _("Approved on"),
                _("Joined the list"),
                _("Community"),
                _("Status"),
            ],
            lambda e: [
                e.position,
                e.household.number,
                e.household.head.name if e.household.head else "",
                e.get_category_display(),
                e.size,
                e.priority_group,
                e.points,
                e.approved_on,
                e.joined_on,
                e.application.community.name,
                e.get_status_display(),
            ],
        ),
    )


@staff_view(Perm.ADMISSION_VIEW, find=_entry_for)
def waiting_detail(request, entry, pk):
    return render(
        request,
        "admission/waiting/detail.html",
        {
            "entry": entry,
            "explained": svc.position_explained(entry),
            "history": svc.position_history(entry, limit=50),
            "answers": entry.refresh_answers.select_related("refresh", "answered_by").order_by(
                "-refresh__year"
            ),
            "moves": svc.WAITING_TRANSITIONS[entry.status],
        },
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def _entry_action(request, entry, action, done):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
        return redirect("waiting_detail", pk=entry.pk)
    try:
        action(entry, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"n": entry.household.number})
    return redirect("waiting_detail", pk=entry.pk)


@staff_view(Perm.WAITING_MANAGE, find=_entry_for, methods=("POST",))
def waiting_suspend(request, entry, pk):
    return _entry_action(request, entry, svc.waiting_suspend, _("The place of %(n)s is suspended."))


@staff_view(Perm.WAITING_MANAGE, find=_entry_for, methods=("POST",))
def waiting_reinstate(request, entry, pk):
    return _entry_action(
        request, entry, svc.waiting_reinstate, _("The place of %(n)s is reinstated.")
    )


@staff_view(Perm.ADMISSION_VIEW)
def waiting_long(request):
    try:
        entries, years = svc.long_waits(request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        entries, years = WaitingEntry.objects.none(), None
    today = timezone.localdate()
    return list_page(
        request,
        "admission/waiting/long.html",
        entries.select_related("household__head"),
        {"years": years, "today": today},
        export=(
            "long-waits.xlsx",
            [
                _("Household no."),
                _("Head"),
                _("Joined the list"),
                _("Years waiting"),
                _("Position"),
                _("Status"),
                _("Community"),
            ],
            lambda e: [
                e.household.number,
                e.household.head.name if e.household.head else "",
                e.joined_on,
                round((today - e.joined_on).days / 365.25, 1),
                e.position,
                e.get_status_display(),
                e.application.community.name,
            ],
        ),
    )


# --- The yearly contact refresh ------------------------------------------------------


@staff_view(Perm.ADMISSION_VIEW)
def refresh_list(request):
    refreshes = ContactRefresh.objects.select_related("created_by").order_by("-year")
    rows = [(r, svc.refresh_counts(r, request.user)) for r in refreshes]
    last = refreshes.first()
    return render(
        request,
        "admission/waiting/refresh_list.html",
        {
            "rows": rows,
            "next_year": max(timezone.localdate().year, (last.year + 1) if last else 0),
            "waiting_count": WaitingEntry.objects.filter(status=WaitingStatus.WAITING).count(),
        },
    )


class RefreshStartForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)


@staff_view(Perm.WAITING_MANAGE, methods=("POST",))
def refresh_start(request):
    form = RefreshStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the year of the contact refresh."))
        return redirect("waiting_refresh_list")
    try:
        refresh = svc.refresh_start(actor=request.user, year=form.cleaned_data["year"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("waiting_refresh_list")
    messages.success(
        request,
        _("Contact refresh %(year)s sent to %(n)s waiting households; answers due by %(due)s.")
        % {
            "year": refresh.year,
            "n": refresh.answers.count(),
            "due": refresh.due_on.strftime("%Y-%m-%d"),
        },
    )
    return redirect("waiting_refresh_detail", pk=refresh.pk)


@staff_view(Perm.ADMISSION_VIEW, find=_refresh_for)
def refresh_detail(request, refresh, pk):
    answers = (
        refresh.answers.filter(entry__in=WaitingEntry.objects.visible_to(request.user))
        .select_related("entry__household__head", "entry__application__community", "answered_by")
        .order_by(F("answered_at").asc(nulls_first=True), "entry__position", "id")
    )
    show = request.GET.get("show", "unanswered")
    if show == "unanswered":
        answers = answers.filter(answered_at__isnull=True)
    elif show == "answered":
        answers = answers.filter(answered_at__isnull=False)
    return list_page(
        request,
        "admission/waiting/refresh_detail.html",
        answers,
        {
            "refresh": refresh,
            "counts": svc.refresh_counts(refresh, request.user),
            "show": show,
            "overdue": refresh.closed_at is None and timezone.localdate() > refresh.due_on,
        },
    )


@staff_view(Perm.WAITING_MANAGE, find=_refresh_for, methods=("POST",))
def refresh_close(request, refresh, pk):
    try:
        suspended = svc.refresh_close(refresh, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Contact refresh %(year)s closed: %(n)s households did not answer and are suspended.")
            % {"year": refresh.year, "n": suspended},
        )
    return redirect("waiting_refresh_detail", pk=refresh.pk)


class AnswerForm(forms.Form):
    still_wants = forms.TypedChoiceField(
        label=gettext_lazy("Still wants public rental housing"),
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        coerce=lambda v: v == "yes",
    )
    still_qualifies = forms.TypedChoiceField(
        label=gettext_lazy("Still meets the conditions"),
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        coerce=lambda v: v == "yes",
    )


@staff_view(Perm.APPLICATION_ENTER, find=_answer_for, methods=("POST",))
def refresh_answer(request, answer, pk):
    """Counter staff record the answer a household gives in person or by phone."""
    form = AnswerForm(request.POST)
    back = redirect("waiting_refresh_detail", pk=answer.refresh_id)
    if not form.is_valid():
        messages.error(request, _("Say whether the household still wants housing and qualifies."))
        return back
    try:
        svc.refresh_answer(answer, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    data = form.cleaned_data
    if not data["still_wants"]:
        done = _("%(n)s no longer wants housing and has left the waiting list.")
    elif not data["still_qualifies"]:
        done = _("%(n)s may no longer qualify: its place is suspended for the authority to check.")
    else:
        done = _("%(n)s confirmed: it keeps its place.")
    messages.success(request, done % {"n": answer.entry.household.number})
    return back


urlpatterns = [
    path("waiting/", waiting_list, name="waiting_list"),
    path("waiting/long/", waiting_long, name="waiting_long"),
    path("waiting/<int:pk>/", waiting_detail, name="waiting_detail"),
    path("waiting/<int:pk>/suspend/", waiting_suspend, name="waiting_suspend"),
    path("waiting/<int:pk>/reinstate/", waiting_reinstate, name="waiting_reinstate"),
    path("waiting/refresh/", refresh_list, name="waiting_refresh_list"),
    path("waiting/refresh/start/", refresh_start, name="waiting_refresh_start"),
    path("waiting/refresh/<int:pk>/", refresh_detail, name="waiting_refresh_detail"),
    path("waiting/refresh/<int:pk>/close/", refresh_close, name="waiting_refresh_close"),
    path("waiting/refresh/answers/<int:pk>/", refresh_answer, name="waiting_refresh_answer"),
]
