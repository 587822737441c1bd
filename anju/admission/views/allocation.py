"""Allocation rounds (配租批次) and unit selection (选房).

The authority's pages prepare a round (the units offered, the entrants frozen from the
waiting list), close it (the entrant hash and the seed commitment are published), draw,
re-draw with a public reason, publish and complete it. The selection screen, for the
authority and for the operators of the estates whose units are offered, records each
household's choice or refusal in the drawn order. The public pages, without log-in,
show every round from its closing on: the entrants by ticket, the commitment, each draw
with its seed and reason, the order, and the files `scripts/verify-lottery` re-runs.

A round is in a staff member's scope when it offers a unit in an estate they see; the
district-wide roles see every round."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.models import AuditEntry
from anju.core.roles import Perm
from anju.housing.models import Estate, Unit, UnitStatus

from .. import lottery
from ..models import (
    AllocationRound,
    EntrantStatus,
    Flag,
    FlagStatus,
    RoundEntrant,
    RoundStatus,
    RoundUnit,
    RuleSet,
    Selection,
    WaitingEntry,
    WaitingStatus,
)
from ..selectors.allocation import (
    LIVE_SELECTION,
    round_public_data,
    round_published_files,
    round_turn,
    units_choosable,
)
from ..services import allocation as services
from ..services import selection as choosing

READ = (Perm.ADMISSION_VIEW, Perm.SELECTION_RECORD)
STEPS = [RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.DRAWN, RoundStatus.PUBLISHED]
UNFINISHED = [s for s in RoundStatus.values if s != RoundStatus.COMPLETED]
PAGE = 100


# --- Finding -----------------------------------------------------------------------------


def find_round(user, pk):
    return get_or_404(
        AllocationRound.objects.visible_to(user).select_related("ruleset", "created_by"), pk=pk
    )


def find_entrant(user, pk, entrant_pk):
    rnd = find_round(user, pk)
    entrant = get_or_404(
        rnd.entrants.select_related("household__head", "waiting_entry"), pk=entrant_pk
    )
    entrant.round = rnd
    return entrant


def _public_round(number):
    """A round is public from its closing on."""
    return get_or_404(
        AllocationRound.objects.exclude(status=RoundStatus.OPEN).select_related("ruleset"),
        number=number,
    )


def _announced_reason(rnd: AllocationRound) -> str:
    """The reason given when the pending re-draw was announced (kept in the audit log)."""
    entry = (
        AuditEntry.objects.filter(
            target_type=AllocationRound._meta.label_lower,
            target_id=str(rnd.pk),
            action="round.announce_redraw",
        )
        .order_by("-id")
        .first()
    )
    return (entry.changes or {}).get("reason", "") if entry else ""


# --- Forms -------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class RefusalForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason given by the household"), max_length=300)
    valid = forms.BooleanField(
        label=gettext_lazy("The reason is valid (not counted against the household)"),
        required=False,
    )


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


def _act(request, rnd, action, success, *, to="round_detail"):
    """Run one service call; say how it went; back to the round."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(to, pk=rnd.pk)


def _act_with_reason(request, rnd, action, success):
    """`_act` for a step that needs a reason: `action(reason)` runs only with one."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("round_detail", pk=rnd.pk)
    return _act(request, rnd, lambda: action(form.cleaned_data["reason"]), success)


# --- Staff: the rounds -------------------------------------------------------------------


@staff_view(READ)
def round_list(request):
    rounds = (
        AllocationRound.objects.visible_to(request.user)
        .select_related("ruleset")
        .annotate(
            unit_count=Count("round_units", distinct=True),
            entrant_count=Count("entrants", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    return list_page(request, "admission/allocation/round_list.html", rounds, {})


def _offerable_units(user):
    busy = RoundUnit.objects.filter(round__status__in=UNFINISHED).values("unit")
    return (
        Unit.objects.visible_to(user)
        .filter(status=UnitStatus.VACANT)
        .exclude(pk__in=busy)
        .select_related("estate", "building")
        .order_by("estate__code", "code")
    )


@staff_view(Perm.ROUND_MANAGE, methods=("GET", "POST"))
def round_create(request):
    rulesets = RuleSet.objects.filter(published_at__isnull=False).order_by("-year")
    in_force = RuleSet.objects.in_force(timezone.localdate())
    units = _offerable_units(request.user)
    estates = (
        Estate.objects.visible_to(request.user)
        .filter(pk__in=units.values("estate"))
        .order_by("code")
    )
    estate_id = request.GET.get("estate") or request.POST.get("estate") or ""
    if estate_id.isdigit():
        units = units.filter(estate_id=int(estate_id))
    chosen = {int(pk) for pk in request.POST.getlist("units") if pk.isdigit()}
    title = request.POST.get("title", "")
    posted = request.POST.get("ruleset", "")
    ruleset_id = int(posted) if posted.isdigit() else (in_force.pk if in_force else 0)
    if request.method == "POST":
        ruleset = rulesets.filter(pk=ruleset_id).first()
        # The service names any unit no longer free to offer.
        picked = list(Unit.objects.visible_to(request.user).filter(pk__in=chosen))
        try:
            if ruleset is None:
                raise DomainError(_("Choose the published rules the round follows."))
            rnd = services.round_create(
                actor=request.user, title=title, ruleset=ruleset, units=picked
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Round %(n)s created with %(c)s units. Now add the entrants.")
                % {"n": rnd.number, "c": len(picked)},
            )
            return redirect("round_entrants_add", pk=rnd.pk)
    return render(
        request,
        "admission/allocation/round_create.html",
        {
            "rulesets": rulesets,
            "ruleset_id": ruleset_id,
            "estates": estates,
            "estate_id": int(estate_id) if estate_id.isdigit() else None,
            "units": units[:500],
            "unit_total": units.count(),
            "chosen": chosen,
            "title": title,
        },
    )


@staff_view(READ, find=find_round)
def round_detail(request, rnd, pk):
    entrants = (
        rnd.entrants.select_related("household__head")
        .prefetch_related(
            Prefetch(
                "selections",
                queryset=Selection.objects.filter(
                    status__in=[*LIVE_SELECTION, "moved_in"]
                ).select_related("unit"),
                to_attr="live",
            )
        )
        .order_by("order", "ticket")
    )
    page = Paginator(entrants, PAGE).get_page(request.GET.get("page"))
    held = {
        s.unit_id: s for s in rnd.selections.exclude(status="cancelled").select_related("entrant")
    }
    units = list(
        Unit.objects.filter(round_offers__round=rnd)
        .select_related("estate", "building")
        .order_by("code")
    )
    for unit in units:
        unit.selection = held.get(unit.pk)
    draws = list(rnd.draws.select_related("drawn_by").order_by("seq"))
    last = draws[-1] if draws else None
    pending = bool(
        last and rnd.status == RoundStatus.DRAWN and last.seed_commitment != rnd.seed_commitment
    )
    counts = dict(rnd.entrants.order_by().values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "admission/allocation/round_detail.html",
        {
            "round": rnd,
            "page": page,
            "units": units,
            "draws": draws,
            "redraw_pending": pending,
            "announced_reason": _announced_reason(rnd) if pending else "",
            "files": list(round_published_files(rnd)) if rnd.status != RoundStatus.OPEN else [],
            "counts": {s: counts.get(s, 0) for s in EntrantStatus.values},
            "entrant_total": sum(counts.values()),
            "steps": _steps(rnd),
            "reason_form": ReasonForm(),
        },
    )


def _steps(rnd):
    here = STEPS.index(rnd.status) if rnd.status in STEPS else len(STEPS)
    return [
        {"label": RoundStatus(s).label, "done": i < here, "current": i == here}
        for i, s in enumerate([*STEPS, RoundStatus.COMPLETED])
    ]


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("GET", "POST"))
def round_entrants_add(request, rnd, pk):
    if request.method == "POST":
        if request.POST.get("all"):
            entries = None
        else:
            ids = [int(x) for x in request.POST.getlist("entries") if x.isdigit()]
            entries = list(WaitingEntry.objects.visible_to(request.user).filter(pk__in=ids))
            if not entries:
                messages.error(request, _("Tick the households to add, or add all of them."))
                return redirect("round_entrants_add", pk=rnd.pk)
        try:
            added = services.round_add_entrants(rnd, actor=request.user, entries=entries)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("round_entrants_add", pk=rnd.pk)
        if added:
            messages.success(request, _("%(n)s households entered the round.") % {"n": added})
        else:
            messages.warning(
                request, _("No waiting household could enter: none is free that a unit suits.")
            )
        return redirect("round_detail", pk=rnd.pk)

    busy = RoundEntrant.objects.filter(
        household=OuterRef("household"), status=EntrantStatus.WAITING_TURN
    ).exclude(round__status=RoundStatus.COMPLETED)
    flagged = Flag.objects.filter(application=OuterRef("application"), status=FlagStatus.OPEN)
    candidates = (
        WaitingEntry.objects.visible_to(request.user)
        .filter(status=WaitingStatus.WAITING)
        .exclude(household__round_entries__round=rnd)
        .select_related("household__head")
        .annotate(busy=Exists(busy), flagged=Exists(flagged))
        .order_by("position", "id")
    )
    page = Paginator(candidates, PAGE).get_page(request.GET.get("page"))
    areas = sorted(
        rnd.round_units.filter(unit__status=UnitStatus.VACANT).values_list(
            "unit__area_m2", flat=True
        )
    )
    smallest = areas[0] if areas else None
    rules = {r.category: r for r in rnd.ruleset.categories.all()}
    for entry in page:
        rule = rules.get(entry.category)
        entry.max_area = rule.max_area_for(entry.size) if rule else None
        entry.fits = smallest is not None and (entry.max_area is None or smallest <= entry.max_area)
    return render(
        request,
        "admission/allocation/round_entrants_add.html",
        {
            "round": rnd,
            "page": page,
            "smallest": smallest,
            "entrant_count": rnd.entrants.count(),
        },
    )


@staff_view(Perm.ROUND_MANAGE, find=find_entrant, methods=("POST",))
def round_entrant_remove(request, entrant, pk, entrant_pk):
    rnd = entrant.round
    return _act(
        request,
        rnd,
        lambda: services.round_remove_entrant(rnd, actor=request.user, entrant=entrant),
        _("Ticket %(t)s taken out of the round.") % {"t": entrant.ticket},
    )


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_close(request, rnd, pk):
    return _act(
        request,
        rnd,
        lambda: services.round_close(rnd, actor=request.user),
        _(
            "Entrants closed. Publish the entrant list and the seed commitment now, "
            "before the draw: the public page shows them."
        ),
    )


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_reopen(request, rnd, pk):
    return _act_with_reason(
        request,
        rnd,
        lambda reason: services.round_reopen(rnd, actor=request.user, reason=reason),
        _("The round is open again; its earlier commitment is void."),
    )


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_announce_redraw(request, rnd, pk):
    return _act_with_reason(
        request,
        rnd,
        lambda reason: services.round_announce_redraw(rnd, actor=request.user, reason=reason),
        _(
            "Re-draw announced with a new seed commitment. It is public now; draw when "
            "the entrants have been able to note it."
        ),
    )


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_draw(request, rnd, pk):
    try:
        draw = services.round_draw(rnd, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Draw %(seq)s made: the seed is revealed and the order computed.")
            % {"seq": draw.seq},
        )
    return redirect("round_detail", pk=rnd.pk)


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_publish(request, rnd, pk):
    return _act(
        request,
        rnd,
        lambda: services.round_publish(rnd, actor=request.user),
        _("Results published. Households can now choose units in order."),
    )


@staff_view(Perm.ROUND_MANAGE, find=find_round, methods=("POST",))
def round_complete(request, rnd, pk):
    return _act(
        request,
        rnd,
        lambda: services.round_complete(rnd, actor=request.user),
        _("Selection closed; the round is complete."),
    )


# --- Staff: choosing units -----------------------------------------------------------


@staff_view(Perm.SELECTION_RECORD, find=find_round)
def round_selection(request, rnd, pk):
    turn = round_turn(rnd)
    choosable, mine, entry = [], set(), None
    if turn is not None:
        turn.round = rnd
        choosable = list(units_choosable(turn).select_related("building"))
        mine = set(
            Unit.objects.visible_to(request.user)
            .filter(pk__in=[u.pk for u in choosable])
            .values_list("pk", flat=True)
        )
        entry = turn.waiting_entry
    recorded = (
        rnd.entrants.exclude(status=EntrantStatus.WAITING_TURN)
        .select_related("household__head")
        .prefetch_related(
            Prefetch(
                "selections",
                queryset=Selection.objects.exclude(status="cancelled").select_related(
                    "unit", "offer"
                ),
                to_attr="chosen",
            ),
            "refusals",
        )
        .order_by("-order", "-ticket")[:30]
    )
    upcoming = (
        rnd.entrants.filter(status=EntrantStatus.WAITING_TURN)
        .select_related("household__head")
        .order_by("order", "ticket")[1:11]
    )
    counts = dict(rnd.entrants.order_by().values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "admission/allocation/selection.html",
        {
            "round": rnd,
            "turn": turn,
            "entry": entry,
            "choosable": choosable,
            "mine": mine,
            "recorded": recorded,
            "upcoming": upcoming,
            "counts": {s: counts.get(s, 0) for s in EntrantStatus.values},
            "refusal_form": RefusalForm(),
            "ruleset": rnd.ruleset,
        },
    )


@staff_view(Perm.SELECTION_RECORD, find=find_entrant, methods=("POST",))
def entrant_choose(request, entrant, pk, entrant_pk):
    rnd = entrant.round
    unit_id = request.POST.get("unit", "")
    # An operator hands out only the units of the estates it runs.
    unit = (
        Unit.objects.visible_to(request.user)
        .filter(pk=int(unit_id) if unit_id.isdigit() else 0, round_offers__round=rnd)
        .first()
    )
    if unit is None:
        messages.error(request, _("Choose one of the units offered in your estates."))
        return redirect("round_selection", pk=rnd.pk)
    try:
        selection = choosing.selection_choose(entrant, actor=request.user, unit=unit)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("round_selection", pk=rnd.pk)
    messages.success(
        request,
        _("Ticket %(t)s chose unit %(u)s. Prepare the lease offer.")
        % {"t": entrant.ticket, "u": unit.code},
    )
    if request.user.can(Perm.LEASE_SIGN):
        return redirect("lease_offer_create", pk=selection.pk)
    return redirect("round_selection", pk=rnd.pk)


@staff_view(Perm.SELECTION_RECORD, find=find_entrant, methods=("POST",))
def entrant_refuse(request, entrant, pk, entrant_pk):
    rnd = entrant.round
    form = RefusalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("round_selection", pk=rnd.pk)
    valid = form.cleaned_data["valid"]
    return _act(
        request,
        rnd,
        lambda: choosing.entrant_refuse(
            entrant, actor=request.user, reason=form.cleaned_data["reason"], valid=valid
        ),
        (
            _("Refusal of ticket %(t)s recorded with a valid reason.")
            if valid
            else _("Refusal of ticket %(t)s recorded and counted.")
        )
        % {"t": entrant.ticket},
        to="round_selection",
    )


@staff_view(Perm.SELECTION_RECORD, find=find_entrant, methods=("POST",))
def entrant_no_unit(request, entrant, pk, entrant_pk):
    rnd = entrant.round
    return _act(
        request,
        rnd,
        lambda: choosing.entrant_skip_no_unit(entrant, actor=request.user),
        _(
            "Ticket %(t)s leaves the round with no suitable unit; its place on the waiting "
            "list is kept."
        )
        % {"t": entrant.ticket},
        to="round_selection",
    )


# --- Public ----------------------------------------------------------------------------


@require_safe
def round_public_list(request):
    rounds = (
        AllocationRound.objects.exclude(status=RoundStatus.OPEN)
        .annotate(
            entrant_total=Count("entrants", distinct=True),
            unit_total=Count("round_units", distinct=True),
        )
        .order_by("-closed_at", "-id")
    )
    page = Paginator(rounds, 50).get_page(request.GET.get("page"))
    return render(request, "admission/allocation/public_list.html", {"page": page})


@require_safe
def round_public(request, number):
    rnd = _public_round(number)
    data = round_public_data(rnd)
    drawn = bool(data.draws)
    rows = rnd.entrants.values("ticket", "tier", "draw_position", "order", "status")
    rows = rows.order_by("order", "ticket") if drawn else rows.order_by("ticket")
    page = Paginator(rows, 200).get_page(request.GET.get("page"))
    draws = [{"draw": d, "checks": lottery.commit(d.seed) == d.seed_commitment} for d in data.draws]
    chosen = dict(
        Selection.objects.filter(round=rnd)
        .exclude(status="cancelled")
        .values_list("entrant__ticket", "unit__code")
    )
    for row in page:
        row["unit"] = chosen.get(row["ticket"], "")
        row["status_label"] = EntrantStatus(row["status"]).label
    return render(
        request,
        "admission/allocation/public.html",
        {
            "round": rnd,
            "data": data,
            "draws": draws,
            "page": page,
            "drawn": drawn,
            "selecting": rnd.status in (RoundStatus.PUBLISHED, RoundStatus.COMPLETED),
            "announced_reason": _announced_reason(rnd) if data.redraw_pending else "",
            "script_available": _script_path().exists(),
        },
    )


@require_safe
def round_public_file(request, number, name):
    rnd = _public_round(number)
    files = round_published_files(rnd)
    if name not in files:
        raise Http404
    kind = "text/csv" if name.endswith(".csv") else "application/json"
    response = HttpResponse(files[name].encode("utf-8"), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _script_path():
    return settings.BASE_DIR / "scripts" / "verify-lottery"


@require_safe
def lottery_script(request):
    """scripts/verify-lottery, the one file anyone needs to re-run a draw."""
    script = _script_path()
    if not script.exists():
        raise Http404
    response = HttpResponse(script.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify-lottery.py"'
    return response


urlpatterns = [
    path("rounds/", round_list, name="round_list"),
    path("rounds/new/", round_create, name="round_create"),
    path("rounds/<int:pk>/", round_detail, name="round_detail"),
    path("rounds/<int:pk>/entrants/", round_entrants_add, name="round_entrants_add"),
    path(
        "rounds/<int:pk>/entrants/<int:entrant_pk>/remove/",
        round_entrant_remove,
        name="round_entrant_remove",
    ),
    path("rounds/<int:pk>/close/", round_close, name="round_close"),
    path("rounds/<int:pk>/reopen/", round_reopen, name="round_reopen"),
    path("rounds/<int:pk>/announce-redraw/", round_announce_redraw, name="round_announce_redraw"),
    path("rounds/<int:pk>/draw/", round_draw, name="round_draw"),
    path("rounds/<int:pk>/publish/", round_publish, name="round_publish"),
    path("rounds/<int:pk>/complete/", round_complete, name="round_complete"),
    path("rounds/<int:pk>/selection/", round_selection, name="round_selection"),
    path(
        "rounds/<int:pk>/entrants/<int:entrant_pk>/choose/",
        entrant_choose,
        name="entrant_choose",
    ),
    path(
        "rounds/<int:pk>/entrants/<int:entrant_pk>/refuse/",
        entrant_refuse,
        name="entrant_refuse",
    ),
    path(
        "rounds/<int:pk>/entrants/<int:entrant_pk>/no-unit/",
        entrant_no_unit,
        name="entrant_no_unit",
    ),
    path("lottery/", round_public_list, name="round_public_list"),
    path("lottery/verify-lottery.py", lottery_script, name="lottery_script"),
    path("lottery/<str:number>/", round_public, name="round_public"),
    path("lottery/<str:number>/<str:name>", round_public_file, name="round_public_file"),
]
