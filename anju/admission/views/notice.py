"""Public notice (公示): the public pages anyone can open without logging in (the notices
and their masked households, and the objection form), and the authority's pages to
publish a notice from the approved applications, follow its objections and close it."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.middleware import client_ip
from anju.core.roles import Perm

from ..models import Finding, NoticeStatus, ObjectionStatus
from ..services import notice as svc

# How many objections one address may lodge against one notice in a day: enough for a
# family or an office behind one address, too few for a flood.
OBJECTIONS_PER_DAY = 20
OPEN = [ObjectionStatus.RECEIVED, ObjectionStatus.INVESTIGATING]


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


# --- The public side ---------------------------------------------------------------


class ObjectionForm(forms.Form):
    entry = forms.TypedChoiceField(
        label=gettext_lazy("Objection about"), coerce=int, empty_value=None, required=False
    )
    text = forms.CharField(
        label=gettext_lazy("What is the objection?"),
        max_length=svc.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=gettext_lazy(
            "Say what you know and how: for example, that the household owns a flat or a "
            "car, or lives elsewhere."
        ),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Object anonymously (leave no name or contact)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    contact = forms.CharField(
        label=gettext_lazy("Your name and phone"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=gettext_lazy(
            "Only the investigating officers see it; they may call you to ask more."
        ),
    )

    def __init__(self, notice, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        self.entries = {e.pk: e for e in notice.entries.all()}
        self.fields["entry"].choices = [("", _("The notice in general"))] + [
            (pk, f"{e.masked_name} · {e.masked_id} · {e.community_name}")
            for pk, e in self.entries.items()
        ]
        self.fields["entry"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if not data.get("anonymous") and not (data.get("contact") or "").strip():
            self.add_error(
                "contact", _("Leave a name and a way to reach you, or object anonymously.")
            )
        return data


def _public_detail(request, notice, form, status=200):
    return render(
        request,
        "admission/notice/public_detail.html",
        {
            "notice": notice,
            "entries": notice.entries.all(),
            "form": form,
            "open": svc.notice_is_open(notice),
        },
        status=status,
    )


@require_safe
def notice_public_list(request):
    today = timezone.localdate()
    notices = list(svc.public_notices(on=today))
    return render(
        request,
        "admission/notice/public_list.html",
        {
            "open_notices": [n for n in notices if svc.notice_is_open(n, today)],
            "past_notices": [n for n in notices if not svc.notice_is_open(n, today)],
        },
    )


@require_safe
def notice_public_detail(request, pk):
    notice = get_or_404(svc.public_notices(), pk=pk)
    return _public_detail(request, notice, ObjectionForm(notice))


def _throttled(request, notice) -> bool:
    key = f"anju:objections:{notice.pk}:{client_ip(request)}:{timezone.localdate()}"
    cache.add(key, 0, timeout=24 * 3600)
    return cache.incr(key) > getattr(settings, "ANJU_OBJECTIONS_PER_DAY", OBJECTIONS_PER_DAY)


@require_POST
def notice_objection_lodge(request, pk):
    notice = get_or_404(svc.public_notices(), pk=pk)
    form = ObjectionForm(notice, request.POST)
    if form.is_valid():
        if _throttled(request, notice):
            form.add_error(
                None, _("Too many objections from your address today; please try tomorrow.")
            )
            return _public_detail(request, notice, form, status=429)
        data = form.cleaned_data
        try:
            objection = svc.objection_lodge(
                notice,
                text=data["text"],
                entry=form.entries.get(data["entry"]) if data["entry"] else None,
                anonymous=data["anonymous"],
                contact=data["contact"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your objection no. %(n)s is recorded. The authority investigates every "
                    "objection and records its finding."
                )
                % {"n": objection.pk},
            )
            return redirect("notice_public_detail", pk=notice.pk)
    return _public_detail(request, notice, form)


# --- The authority's side ------------------------------------------------------------


@staff_view(Perm.ADMISSION_VIEW)
def notice_list(request):
    notices = svc.notices_visible_to(request.user).annotate(
        households=Count("entries", distinct=True),
        open_objections=Count("objections", filter=Q(objections__status__in=OPEN), distinct=True),
        objection_count=Count("objections", distinct=True),
    )
    return list_page(
        request,
        "admission/notice/list.html",
        notices.order_by("-starts_on", "-id"),
        {
            "approved_waiting": svc.approved_for_notice(request.user).count(),
            "today": timezone.localdate(),
        },
    )


class PublishForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Open for objections from"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text=gettext_lazy(
            "The rule set in force on that day sets the number of days. A past day records "
            "a notice already posted on the community's notice board since then."
        ),
    )
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Approved applications"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one approved application.")},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = svc.approved_for_notice(user)


@staff_view(Perm.NOTICE_MANAGE, methods=("GET", "POST"))
def notice_create(request):
    candidates = svc.approved_for_notice(request.user)
    today = timezone.localdate()
    form = PublishForm(
        request.user,
        request.POST or None,
        initial={
            "starts_on": today,
            "title": _("Households approved for public rental housing, %(date)s")
            % {"date": today.strftime("%Y-%m-%d")},
            "applications": list(candidates.values_list("pk", flat=True)),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice = svc.notice_publish(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Notice %(n)s published: %(count)s households, open for objections until %(e)s.")
                % {
                    "n": notice.number,
                    "count": notice.entries.count(),
                    "e": notice.ends_on.strftime("%Y-%m-%d"),
                },
            )
            return redirect("notice_detail", pk=notice.pk)
    chosen = {str(v) for v in (form["applications"].value() or [])}
    return render(
        request,
        "admission/notice/create.html",
        {"form": form, "candidates": candidates, "chosen": chosen},
    )


@staff_view(Perm.ADMISSION_VIEW, find=svc.notice_for_user)
def notice_detail(request, notice, pk):
    objections = (
        svc.objections_visible_to(request.user)
        .filter(notice=notice)
        .select_related("entry", "resolved_by")
        .order_by("-received_at", "-id")
    )
    return render(
        request,
        "admission/notice/detail.html",
        {
            "notice": notice,
            "entries": svc.notice_entries_for(notice, request.user),
            "objections": objections,
            "today": timezone.localdate(),
            "running": notice.status == NoticeStatus.OPEN
            and timezone.localdate() <= notice.ends_on,
        },
    )


@staff_view(Perm.NOTICE_MANAGE, find=svc.notice_for_user, methods=("POST",))
def notice_close(request, notice, pk):
    try:
        result = svc.notice_close(notice, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        joined = ngettext(
            "%(joined)s household joined the waiting list",
            "%(joined)s households joined the waiting list",
            result["joined"],
        ) % {"joined": result["joined"]}
        held = ngettext(
            "%(held)s waits for its objections to be resolved",
            "%(held)s wait for their objections to be resolved",
            result["held"],
        ) % {"held": result["held"]}
        messages.success(
            request,
            _("Notice %(n)s closed: %(joined)s; %(held)s.")
            % {"n": notice.number, "joined": joined, "held": held},
        )
    return redirect("notice_detail", pk=notice.pk)


@staff_view(Perm.NOTICE_MANAGE, find=svc.objection_for_user, methods=("POST",))
def objection_investigate(request, objection, pk):
    try:
        svc.objection_investigate(objection, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Objection #%(pk)s is being investigated.") % {"pk": pk})
    return redirect("notice_detail", pk=objection.notice_id)


@staff_view(Perm.NOTICE_MANAGE, find=svc.objection_for_user, methods=("POST",))
def objection_contact(request, objection, pk):
    """The objector's contact in full (an audited access), into the page by htmx."""
    try:
        value = svc.objection_contact_reveal(objection, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notice_detail", pk=objection.notice_id)
    if request.htmx:
        return render(request, "households/_revealed.html", {"value": value})
    messages.info(request, value)
    return redirect("notice_detail", pk=objection.notice_id)


class ResolveForm(forms.Form):
    finding = forms.ChoiceField(label=gettext_lazy("Finding"), choices=Finding.choices)
    finding_text = forms.CharField(label=gettext_lazy("What the investigation found"))


@staff_view(Perm.NOTICE_MANAGE, find=svc.objection_for_user, methods=("POST",))
def objection_resolve(request, objection, pk):
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("notice_detail", pk=objection.notice_id)
    try:
        svc.objection_resolve(objection, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Objection #%(pk)s resolved: %(finding)s.")
            % {"pk": pk, "finding": objection.get_finding_display()},
        )
    return redirect("notice_detail", pk=objection.notice_id)


urlpatterns = [
    path("notices/", notice_public_list, name="notice_public_list"),
    path("notices/<int:pk>/", notice_public_detail, name="notice_public_detail"),
    path("notices/<int:pk>/objection/", notice_objection_lodge, name="notice_objection_lodge"),
    path("notices/manage/", notice_list, name="notice_list"),
    path("notices/manage/new/", notice_create, name="notice_create"),
    path("notices/manage/<int:pk>/", notice_detail, name="notice_detail"),
    path("notices/manage/<int:pk>/close/", notice_close, name="notice_close"),
    path(
        "notices/objections/<int:pk>/investigate/",
        objection_investigate,
        name="notice_objection_investigate",
    ),
    path(
        "notices/objections/<int:pk>/contact/",
        objection_contact,
        name="notice_objection_contact",
    ),
    path(
        "notices/objections/<int:pk>/resolve/",
        objection_resolve,
        name="notice_objection_resolve",
    ),
]
