"""Schemes and indicators (考核方案, 考核指标). Everyone who reads evaluations reads
them (Perm.EVALUATION_VIEW); the authority edits them (Perm.EVALUATION_MANAGE): a
new version copied from the latest, draft edits of thresholds, lines and consequence
rules, publication; manual indicators and every indicator's names and definitions."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..forms.schemes import (
    IndicatorForm,
    IndicatorNewForm,
    LineAddForm,
    LineForm,
    RuleForm,
    SchemeForm,
    SchemeNewForm,
)
from ..models import PartyKind
from ..selectors import schemes as selectors
from ..services import indicator_defs
from ..services import schemes as services

SCHEME_FIELDS = [
    "effective_from",
    "source",
    "pass_from",
    "good_from",
    "excellent_from",
    "objection_days",
]


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _try(request, call, success):
    try:
        result = call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_schemes(request):
    return render(
        request,
        "evaluation/schemes/list.html",
        {
            "groups": selectors.scheme_groups(),
            "may_manage": request.user.can(Perm.EVALUATION_MANAGE),
        },
    )


@staff_view(Perm.EVALUATION_VIEW, find=selectors.scheme_for_user)
def evaluation_scheme(request, scheme, pk):
    may_manage = request.user.can(Perm.EVALUATION_MANAGE)
    draft = scheme.published_at is None
    in_use = services.scheme_in_use(scheme)
    lines = selectors.scheme_lines(scheme)
    context = {
        "scheme": scheme,
        "lines": lines,
        "line_forms": {
            line.pk: LineForm(
                initial={"weight": line.weight, "target": line.target, "zero_at": line.zero_at},
                prefix=f"line{line.pk}",
            )
            for line in lines
        }
        if may_manage and draft
        else {},
        "rules": selectors.scheme_rules(scheme),
        "usage": selectors.scheme_usage(scheme),
        "in_use": in_use,
        "draft": draft,
        "may_manage": may_manage,
        "weight_total": sum(line.weight for line in lines),
    }
    if may_manage:
        context["new_form"] = SchemeNewForm(initial={"source": scheme.source})
        if draft or not in_use:
            context["scheme_form"] = SchemeForm(
                initial={name: getattr(scheme, name) for name in SCHEME_FIELDS}
            )
        if draft:
            context["line_form"] = LineAddForm(indicators=selectors.addable_indicators(scheme))
            context["rule_form"] = RuleForm(party_kind=scheme.party_kind)
    for line in lines:
        line.form = context["line_forms"].get(line.pk)
    return render(request, "evaluation/schemes/detail.html", context)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.scheme_for_user, methods=("POST",))
def evaluation_scheme_new(request, scheme, pk):
    form = SchemeNewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("evaluation_scheme", scheme.pk)
    created = _try(
        request,
        lambda: services.scheme_create(
            actor=request.user,
            party_kind=scheme.party_kind,
            period_kind=scheme.period_kind,
            **form.cleaned_data,
        ),
        _("A new draft version is copied from the latest one."),
    )
    return redirect("evaluation_scheme", created.pk if created else scheme.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.scheme_for_user, methods=("POST",))
def evaluation_scheme_edit(request, scheme, pk):
    form = SchemeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        data = dict(form.cleaned_data)
        citation = data.pop("citation", "")
        _try(
            request,
            lambda: services.scheme_update(scheme, actor=request.user, citation=citation, **data),
            _("The scheme is changed."),
        )
    return redirect("evaluation_scheme", scheme.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.scheme_for_user, methods=("POST",))
def evaluation_scheme_publish(request, scheme, pk):
    _try(
        request,
        lambda: services.scheme_publish(scheme, actor=request.user),
        _("The scheme is published."),
    )
    return redirect("evaluation_scheme", scheme.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.scheme_for_user, methods=("POST",))
def evaluation_scheme_line_add(request, scheme, pk):
    form = LineAddForm(request.POST, indicators=selectors.addable_indicators(scheme))
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        _try(
            request,
            lambda: services.line_add(scheme, actor=request.user, **form.cleaned_data),
            _("The indicator is added."),
        )
    return redirect("evaluation_scheme", scheme.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.line_for_user, methods=("POST",))
def evaluation_scheme_line_edit(request, line, pk):
    form = LineForm(request.POST, prefix=f"line{line.pk}")
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        _try(
            request,
            lambda: services.line_update(line, actor=request.user, **form.cleaned_data),
            _("The indicator's weight and target are changed."),
        )
    return redirect("evaluation_scheme", line.scheme_id)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.line_for_user, methods=("POST",))
def evaluation_scheme_line_remove(request, line, pk):
    scheme_id = line.scheme_id
    _try(
        request,
        lambda: services.line_remove(line, actor=request.user),
        _("The indicator is removed from the scheme."),
    )
    return redirect("evaluation_scheme", scheme_id)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.scheme_for_user, methods=("POST",))
def evaluation_scheme_rule_add(request, scheme, pk):
    form = RuleForm(request.POST, party_kind=scheme.party_kind)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        _try(
            request,
            lambda: services.rule_add(scheme, actor=request.user, **form.cleaned_data),
            _("The consequence is added."),
        )
    return redirect("evaluation_scheme", scheme.pk)


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.rule_for_user, methods=("POST",))
def evaluation_scheme_rule_remove(request, rule, pk):
    scheme_id = rule.scheme_id
    _try(
        request,
        lambda: services.rule_remove(rule, actor=request.user),
        _("The consequence is removed."),
    )
    return redirect("evaluation_scheme", scheme_id)


# --- Indicators -----------------------------------------------------------------------------


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_indicators(request):
    party_kind = request.GET.get("party_kind", "")
    if party_kind not in PartyKind.values:
        party_kind = ""
    return render(
        request,
        "evaluation/schemes/indicators.html",
        {
            "indicators": selectors.indicator_list(party_kind=party_kind),
            "party_kinds": PartyKind.choices,
            "party_kind": party_kind,
            "may_manage": request.user.can(Perm.EVALUATION_MANAGE),
        },
    )


@staff_view(Perm.EVALUATION_MANAGE, methods=("GET", "POST"))
def evaluation_indicator_new(request):
    form = IndicatorNewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator_defs.indicator_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The manual indicator is created."))
            return redirect("evaluation_indicators")
    return render(
        request, "evaluation/schemes/indicator_form.html", {"form": form, "indicator": None}
    )


@staff_view(Perm.EVALUATION_MANAGE, find=selectors.indicator_for_user, methods=("GET", "POST"))
def evaluation_indicator_edit(request, indicator, pk):
    initial = {name: getattr(indicator, name) for name in IndicatorForm.base_fields}
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator_defs.indicator_update(indicator, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The indicator is changed."))
            return redirect("evaluation_indicators")
    return render(
        request, "evaluation/schemes/indicator_form.html", {"form": form, "indicator": indicator}
    )


urlpatterns = [
    path("evaluation/schemes/", evaluation_schemes, name="evaluation_schemes"),
    path("evaluation/schemes/<int:pk>/", evaluation_scheme, name="evaluation_scheme"),
    path(
        "evaluation/schemes/<int:pk>/new-version/",
        evaluation_scheme_new,
        name="evaluation_scheme_new",
    ),
    path(
        "evaluation/schemes/<int:pk>/edit/", evaluation_scheme_edit, name="evaluation_scheme_edit"
    ),
    path(
        "evaluation/schemes/<int:pk>/publish/",
        evaluation_scheme_publish,
        name="evaluation_scheme_publish",
    ),
    path(
        "evaluation/schemes/<int:pk>/lines/add/",
        evaluation_scheme_line_add,
        name="evaluation_scheme_line_add",
    ),
    path(
        "evaluation/scheme-lines/<int:pk>/",
        evaluation_scheme_line_edit,
        name="evaluation_scheme_line_edit",
    ),
    path(
        "evaluation/scheme-lines/<int:pk>/remove/",
        evaluation_scheme_line_remove,
        name="evaluation_scheme_line_remove",
    ),
    path(
        "evaluation/schemes/<int:pk>/rules/add/",
        evaluation_scheme_rule_add,
        name="evaluation_scheme_rule_add",
    ),
    path(
        "evaluation/consequence-rules/<int:pk>/remove/",
        evaluation_scheme_rule_remove,
        name="evaluation_scheme_rule_remove",
    ),
    path("evaluation/indicators/", evaluation_indicators, name="evaluation_indicators"),
    path("evaluation/indicators/new/", evaluation_indicator_new, name="evaluation_indicator_new"),
    path(
        "evaluation/indicators/<int:pk>/",
        evaluation_indicator_edit,
        name="evaluation_indicator_edit",
    ),
]
