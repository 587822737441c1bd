"""Staff pages of exchanges (调换) and mutual exchanges (互换): the requests (by kind,
status, estate), a request's page with its criteria passed or failed, the units that
match and the actions of its stage; a request entered at the counter
(Perm.EXCHANGE_ENTER) and a transfer ordered by the authority (EXCHANGE_DECIDE); the
decision and the offer of a unit (EXCHANGE_DECIDE), the offer declined and the request
withdrawn (EXCHANGE_ENTER), the move with its two handovers (HANDOVER). The swap board
with "propose pairs" (EXCHANGE_DECIDE), a pair's page, consent recorded at the counter
and decline (EXCHANGE_ENTER), and the owner's approval with the four handovers
(EXCHANGE_DECIDE)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm
from anju.core.scoping import estate_q
from anju.households.models import Household

from ..forms.exchanges import (
    DecideForm,
    MoveForm,
    OfferForm,
    PairDeclineForm,
    ReasonForm,
    RequestFilterForm,
    RequestForm,
    TransferForm,
    errors_text,
    handover_input,
    handover_rows,
)
from ..models import OPEN_REQUEST, ExchangeKind, ExchangeRequest, PairStatus, RequestStatus
from ..selectors import exchanges as selectors
from ..services import exchanges as services
from ..services import moves, mutual
from ..services.handover_record import move_in_record

STEPS = [
    RequestStatus.SUBMITTED,
    RequestStatus.APPROVED,
    RequestStatus.OFFERED,
    RequestStatus.DONE,
]
MUTUAL_STEPS = [
    gettext_lazy("Submitted"),
    gettext_lazy("On the swap board"),
    gettext_lazy("A pair proposed"),
    gettext_lazy("Swapped"),
]
MATCHES_SHOWN = 30


@staff_view(Perm.EXITS_VIEW)
def exchange_requests(request):
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = "open"
    form = RequestFilterForm(query, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = selectors.request_list(
        request.user,
        kind=filters.get("kind", ""),
        status=filters.get("status", "open"),
        estate=filters.get("estate"),
        q=(filters.get("q") or "").strip(),
    )
    return list_page(
        request,
        "exits/exchanges/list.html",
        requests,
        {"filter": {"form": form}},
        export=(
            "exchange-requests.xlsx",
            [
                _("Request no."),
                _("Kind"),
                _("Reason"),
                _("Status"),
                _("Household no."),
                _("Estate"),
                _("Unit"),
                _("Unit offered"),
                _("Submitted"),
                _("Decided"),
            ],
            lambda r: [
                r.number,
                r.get_kind_display(),
                r.get_reason_display(),
                r.get_status_display(),
                r.household.number,
                r.estate.name,
                r.unit.code,
                r.target_unit.code if r.target_unit else "",
                timezone.localtime(r.created_at).date(),
                r.decided_on,
            ],
        ),
    )


def _criteria(exchange_request, today):
    """The criteria as decided, else (a request awaiting its decision) as they stand
    today; a transfer is not tested."""
    if exchange_request.kind == ExchangeKind.TRANSFER:
        return [], None
    if exchange_request.eligibility:
        return exchange_request.eligibility, exchange_request.decided_on
    if exchange_request.status == RequestStatus.SUBMITTED or (
        exchange_request.kind == ExchangeKind.MUTUAL
        and exchange_request.status == RequestStatus.APPROVED
    ):
        return services.eligibility(exchange_request, today), today
    return [], None


@staff_view(Perm.EXITS_VIEW, find=selectors.request_for_user)
def exchange_request(request, exchange_request, pk):
    today = timezone.localdate()
    perms = request.user.permission_set
    status = exchange_request.status
    criteria, criteria_on = _criteria(exchange_request, today)
    matches, hidden = [], 0
    if status == RequestStatus.APPROVED and exchange_request.kind != ExchangeKind.MUTUAL:
        everywhere = selectors.matching_units(exchange_request, today)
        mine = everywhere.filter(estate_q(request.user, "estate"))
        matches = list(mine[:MATCHES_SHOWN])
        hidden = everywhere.count() - mine.count()
    pair = services.live_pair_of(exchange_request)
    reached = STEPS.index(status) if status in STEPS else -1
    labels = [s.label for s in STEPS]
    if exchange_request.kind == ExchangeKind.MUTUAL:
        labels = MUTUAL_STEPS
        if pair is not None:
            reached = 2
    elif exchange_request.kind == ExchangeKind.TRANSFER:
        labels = [_("Ordered"), *labels[1:]]
    return render(
        request,
        "exits/exchanges/detail.html",
        {
            "req": exchange_request,
            "household": exchange_request.household,
            "today": today,
            "steps": [(label, i < reached, i == reached) for i, label in enumerate(labels)],
            "criteria": criteria,
            "criteria_on": criteria_on,
            "all_passed": all(c["passed"] for c in criteria),
            "limit": services.area_limit(exchange_request.household, today),
            "wanted": list(exchange_request.estates.all()),
            "matches": matches,
            "hidden_matches": hidden,
            "pair": pair,
            "is_open": status in OPEN_REQUEST,
            "exchanges": selectors.request_exchanges(exchange_request),
            "history": selectors.request_history(exchange_request),
            "decide_form": DecideForm(),
            "may_enter": Perm.EXCHANGE_ENTER in perms,
            "may_decide": Perm.EXCHANGE_DECIDE in perms,
            "may_move": Perm.HANDOVER in perms,
        },
    )


def _household_from_query(request, view_name):
    """The household named by ?household=<pk> (404 outside the user's scope), or None
    with ?number= looked up and redirected to its pk."""
    raw = request.GET.get("household", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return selectors.household_for_request(request.user, int(raw)), None
    number = request.GET.get("number", "").strip()
    if number:
        found = (
            Household.objects.visible_to(request.user)
            .filter(number=number, unit__isnull=False)
            .first()
        )
        if found is not None:
            return None, redirect(reverse(view_name) + f"?household={found.pk}")
        messages.error(request, _("No housed household %(n)s in your estates.") % {"n": number})
    return None, None


def _request_page(request, form_class, view_name, create, template_title):
    household, redirected = _household_from_query(request, view_name)
    if redirected is not None:
        return redirected
    form = form_class(request.POST or None) if household is not None else None
    if household is None and request.method == "POST":
        messages.error(request, _("Find the household first."))
    if household is not None and request.method == "POST" and form.is_valid():
        try:
            created = create(household, form)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Request %(n)s is recorded.") % {"n": created.number},
            )
            return redirect("exchange_request", pk=created.pk)
    open_request = (
        ExchangeRequest.objects.open().filter(household=household).first()
        if household is not None
        else None
    )
    return render(
        request,
        "exits/exchanges/new.html",
        {
            "household": household,
            "form": form,
            "view_name": view_name,
            "title": template_title,
            "open_request": open_request,
            "limit": services.area_limit(household, timezone.localdate()) if household else None,
        },
    )


@staff_view(Perm.EXCHANGE_ENTER, methods=("GET", "POST"))
def exchange_request_new(request):
    def create(household, form):
        return services.exchange_request(
            household,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            channel="counter",
            **form.wants(),
        )

    return _request_page(
        request, RequestForm, "exchange_request_new", create, _("Exchange request at the counter")
    )


@staff_view(Perm.EXCHANGE_DECIDE, methods=("GET", "POST"))
def exchange_transfer_new(request):
    def create(household, form):
        return services.transfer_order(
            household, actor=request.user, reason=form.cleaned_data["reason"], **form.wants()
        )

    return _request_page(
        request,
        TransferForm,
        "exchange_transfer_new",
        create,
        _("Transfer ordered by the authority"),
    )


def _act(request, exchange_request, call, success):
    """Call one service with the request; a refusal is shown as an error."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("exchange_request", pk=exchange_request.pk)


@staff_view(Perm.EXCHANGE_DECIDE, find=selectors.request_for_user, methods=("POST",))
def exchange_decide(request, exchange_request, pk):
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("exchange_request", pk=exchange_request.pk)
    approve = form.cleaned_data["decision"] == "approve"
    if approve and exchange_request.kind == ExchangeKind.MUTUAL:
        done = _("Approved: the household is on the swap board.")
    elif approve:
        done = _("Approved: offer a matching unit next.")
    else:
        done = _("Refused; the household sees the criteria and your note.")
    return _act(
        request,
        exchange_request,
        lambda: services.exchange_decide(
            exchange_request,
            actor=request.user,
            approve=approve,
            note=form.cleaned_data["note"],
        ),
        done,
    )


@staff_view(Perm.EXCHANGE_DECIDE, find=selectors.request_for_user, methods=("POST",))
def exchange_offer(request, exchange_request, pk):
    from anju.housing.models import Unit

    form = OfferForm(request.POST)
    unit = None
    if form.is_valid():
        unit = Unit.objects.visible_to(request.user).filter(pk=form.cleaned_data["unit"]).first()
    if unit is None:
        messages.error(request, _("Choose one of the matching units."))
        return redirect("exchange_request", pk=exchange_request.pk)
    return _act(
        request,
        exchange_request,
        lambda: services.exchange_offer(exchange_request, actor=request.user, unit=unit),
        _("Unit %(u)s is reserved for the household; record the move when it happens.")
        % {"u": unit.code},
    )


@staff_view(Perm.EXCHANGE_ENTER, find=selectors.request_for_user, methods=("POST",))
def exchange_offer_decline(request, exchange_request, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("exchange_request", pk=exchange_request.pk)
    return _act(
        request,
        exchange_request,
        lambda: services.offer_decline(
            exchange_request, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("The offer is declined and the unit is vacant again."),
    )


@staff_view(Perm.EXCHANGE_ENTER, find=selectors.request_for_user, methods=("POST",))
def exchange_withdraw(request, exchange_request, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("exchange_request", pk=exchange_request.pk)
    return _act(
        request,
        exchange_request,
        lambda: services.exchange_withdraw(
            exchange_request, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("The request is withdrawn."),
    )


def _move_in_state(lease) -> dict:
    record = move_in_record(lease)
    if record is None:
        return {}
    checklist, _meters, _keys, _cards = record
    return {row["item"]: row for row in checklist}


@staff_view(Perm.HANDOVER, find=selectors.request_for_user, methods=("GET", "POST"))
def exchange_carry_out(request, exchange_request, pk):
    if exchange_request.status != RequestStatus.OFFERED:
        messages.error(request, _("Only a request with a unit offered can be carried out."))
        return redirect("exchange_request", pk=exchange_request.pk)
    form = MoveForm(request.POST or None)
    post = request.POST if request.method == "POST" else None
    if request.method == "POST" and form.is_valid():
        try:
            moves.exchange_carry_out(
                exchange_request,
                actor=request.user,
                on=form.cleaned_data["on"],
                out_handover=handover_input(post, request.FILES, "out", move_out=True),
                in_handover=handover_input(post, request.FILES, "in", move_out=False),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Household %(h)s moved to unit %(u)s: the new lease is in force.")
                % {
                    "h": exchange_request.household.number,
                    "u": exchange_request.target_unit.code,
                },
            )
            return redirect("exchange_request", pk=exchange_request.pk)
    elif request.method == "POST":
        messages.error(request, errors_text(form))
    old = exchange_request.household.leases.filter(status="active").first()
    forms = [
        handover_rows(
            post,
            "out",
            move_out=True,
            title=_("Move-out of unit %(u)s") % {"u": exchange_request.unit.code},
            unit=exchange_request.unit,
            before=_move_in_state(old) if old else None,
        ),
        handover_rows(
            post,
            "in",
            move_out=False,
            title=_("Move-in to unit %(u)s") % {"u": exchange_request.target_unit.code},
            unit=exchange_request.target_unit,
        ),
    ]
    return render(
        request,
        "exits/exchanges/move.html",
        {
            "req": exchange_request,
            "form": form,
            "handovers": forms,
            "resubmitted": request.method == "POST",
        },
    )


# --- Mutual exchanges ------------------------------------------------------------------------


@staff_view(Perm.EXITS_VIEW)
def mutual_pairs(request):
    status = request.GET.get("status", "live")
    if status not in ("live", "", *PairStatus.values):
        status = "live"
    return list_page(
        request,
        "exits/exchanges/board.html",
        selectors.pair_list(request.user, status=status),
        {
            "posted": list(selectors.board(request.user)),
            "status": status,
            "statuses": [("live", _("Proposed or consented")), ("", _("All")), *PairStatus.choices],
            "may_decide": Perm.EXCHANGE_DECIDE in request.user.permission_set,
        },
    )


@staff_view(Perm.EXCHANGE_DECIDE, methods=("POST",))
def mutual_pairs_propose(request):
    made = mutual.pairs_propose(timezone.localdate(), actor=request.user)
    if made:
        messages.success(
            request,
            ngettext(
                "%(n)s pair proposed; both households are told to consent.",
                "%(n)s pairs proposed; the households are told to consent.",
                made,
            )
            % {"n": made},
        )
    else:
        messages.info(request, _("No new pair: no two posted households fit each other's unit."))
    return redirect("mutual_pairs")


def _side(pair, request_obj, partner, today, user):
    visible = Household.objects.visible_to(user).filter(pk=request_obj.household_id).exists()
    return {
        "req": request_obj,
        "household": request_obj.household,
        "unit": request_obj.unit,
        "wanted": list(request_obj.estates.all()) or [request_obj.estate],
        "criteria": services.eligibility(request_obj, today, partner=partner)
        if pair.status in (PairStatus.PROPOSED, PairStatus.CONSENTED)
        else [],
        "limit": services.area_limit(request_obj.household, today),
        "misfits": services.unit_misfits(
            request_obj, partner.unit, services.area_limit(request_obj.household, today)
        )
        if pair.status in (PairStatus.PROPOSED, PairStatus.CONSENTED)
        else [],
        "in_scope": visible,
    }


@staff_view(Perm.EXITS_VIEW, find=selectors.pair_for_user)
def mutual_pair(request, pair, pk):
    today = timezone.localdate()
    perms = request.user.permission_set
    first = _side(pair, pair.first, pair.second, today, request.user)
    second = _side(pair, pair.second, pair.first, today, request.user)
    first["consent_at"], second["consent_at"] = pair.first_consent_at, pair.second_consent_at
    return render(
        request,
        "exits/exchanges/pair.html",
        {
            "pair": pair,
            "sides": [first, second],
            "live": pair.status in (PairStatus.PROPOSED, PairStatus.CONSENTED),
            "exchanges": list(
                pair.exchanges.select_related("household", "from_unit", "to_unit", "to_lease")
            ),
            "history": selectors.pair_history(pair),
            "may_enter": Perm.EXCHANGE_ENTER in perms,
            "may_decide": Perm.EXCHANGE_DECIDE in perms,
        },
    )


def _pair_household(request, pair, raw):
    """The household named in the form: one of the pair's, in the user's scope."""
    if raw is None:
        return None
    household = (
        Household.objects.visible_to(request.user)
        .filter(pk=raw, pk__in=[pair.first.household_id, pair.second.household_id])
        .first()
    )
    if household is None:
        raise DomainError(_("Choose one of the pair's households in your estates."))
    return household


@staff_view(Perm.EXCHANGE_ENTER, find=selectors.pair_for_user, methods=("POST",))
def mutual_pair_consent(request, pair, pk):
    raw = request.POST.get("household", "")
    try:
        household = _pair_household(request, pair, int(raw) if raw.isdigit() else 0)
        mutual.pair_consent(pair, household=household, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Household %(h)s's consent is recorded.") % {"h": household.number},
        )
    return redirect("mutual_pair", pk=pair.pk)


@staff_view(Perm.EXCHANGE_ENTER, find=selectors.pair_for_user, methods=("POST",))
def mutual_pair_decline(request, pair, pk):
    form = PairDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("mutual_pair", pk=pair.pk)
    raw = form.cleaned_data["household"]
    try:
        if raw is None and not request.user.can(Perm.EXCHANGE_DECIDE):
            raise DomainError(_("Only the authority refuses a pair; say which household declines."))
        household = _pair_household(request, pair, raw)
        mutual.pair_decline(
            pair, actor=request.user, household=household, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The pair is declined; both households stay on the swap board.")
        )
    return redirect("mutual_pair", pk=pair.pk)


@staff_view(Perm.EXCHANGE_DECIDE, find=selectors.pair_for_user, methods=("GET", "POST"))
def mutual_pair_approve(request, pair, pk):
    if pair.status != PairStatus.CONSENTED:
        messages.error(request, _("The pair is approved once both households have consented."))
        return redirect("mutual_pair", pk=pair.pk)
    form = MoveForm(request.POST or None)
    post = request.POST if request.method == "POST" else None
    if request.method == "POST" and form.is_valid():
        handovers = {
            side: {
                "out": handover_input(post, request.FILES, f"{side}-out", move_out=True),
                "in": handover_input(post, request.FILES, f"{side}-in", move_out=False),
            }
            for side in ("first", "second")
        }
        for side in handovers.values():
            side["out"].pop("unit_after")  # always ready to let: the other moves in
        try:
            mutual.pair_approve(
                pair, actor=request.user, on=form.cleaned_data["on"], handovers=handovers
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Approved: both households have swapped units and hold new leases.")
            )
            return redirect("mutual_pair", pk=pair.pk)
    elif request.method == "POST":
        messages.error(request, errors_text(form))
    a, b = pair.first, pair.second
    handovers = []
    for side, mine, other in (("first", a, b), ("second", b, a)):
        old = mine.household.leases.filter(status="active").first()
        handovers.append(
            handover_rows(
                post,
                f"{side}-out",
                move_out=True,
                title=_("%(h)s moves out of unit %(u)s")
                % {"h": mine.household.number, "u": mine.unit.code},
                unit=mine.unit,
                before=_move_in_state(old) if old else None,
            )
            | {"choose_after": False}
        )
        handovers.append(
            handover_rows(
                post,
                f"{side}-in",
                move_out=False,
                title=_("%(h)s moves into unit %(u)s")
                % {"h": mine.household.number, "u": other.unit.code},
                unit=other.unit,
            )
        )
    return render(
        request,
        "exits/exchanges/pair_approve.html",
        {
            "pair": pair,
            "form": form,
            "handovers": handovers,
            "resubmitted": request.method == "POST",
        },
    )


urlpatterns = [
    path("exits/exchanges/", exchange_requests, name="exchange_requests"),
    path("exits/exchanges/new/", exchange_request_new, name="exchange_request_new"),
    path("exits/exchanges/transfer/new/", exchange_transfer_new, name="exchange_transfer_new"),
    path("exits/exchanges/<int:pk>/", exchange_request, name="exchange_request"),
    path("exits/exchanges/<int:pk>/decide/", exchange_decide, name="exchange_decide"),
    path("exits/exchanges/<int:pk>/offer/", exchange_offer, name="exchange_offer"),
    path(
        "exits/exchanges/<int:pk>/offer/decline/",
        exchange_offer_decline,
        name="exchange_offer_decline",
    ),
    path("exits/exchanges/<int:pk>/withdraw/", exchange_withdraw, name="exchange_withdraw"),
    path("exits/exchanges/<int:pk>/move/", exchange_carry_out, name="exchange_carry_out"),
    path("exits/mutual/", mutual_pairs, name="mutual_pairs"),
    path("exits/mutual/propose/", mutual_pairs_propose, name="mutual_pairs_propose"),
    path("exits/mutual/<int:pk>/", mutual_pair, name="mutual_pair"),
    path("exits/mutual/<int:pk>/consent/", mutual_pair_consent, name="mutual_pair_consent"),
    path("exits/mutual/<int:pk>/decline/", mutual_pair_decline, name="mutual_pair_decline"),
    path("exits/mutual/<int:pk>/approve/", mutual_pair_approve, name="mutual_pair_approve"),
]
