"""The yearly admission rules (准入条件): the authority's pages to start a year (a copy
of the last one), edit its procedure numbers, category lines and priority lines, and
publish it; and the public page, without log-in, of the rules in force.

A published set stays editable, but only by citing the document that amends it; the
audit log keeps who changed what, before and after, and the citation, and the public
page lists every amendment. The forms here only parse input; the services decide."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from anju.core import audit
from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm
from anju.households.models import Category

from ..models import CategoryRule, PriorityGround, PriorityRule, RuleSet
from ..services import rules as services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- Finding -----------------------------------------------------------------------
# The rules are district-wide and public: every staff member may find them; the
# permission on each view decides who reads and who changes.


def find_ruleset(user, pk):
    return get_or_404(RuleSet.objects.select_related("created_by"), pk=pk)


def find_category(user, pk):
    return get_or_404(CategoryRule.objects.select_related("ruleset"), pk=pk)


def find_priority(user, pk):
    return get_or_404(PriorityRule.objects.select_related("ruleset"), pk=pk)


# --- Forms -------------------------------------------------------------------------


def _field(model, name, **overrides):
    """The model field's own form field (its label, limits and decimals)."""
    field = model._meta.get_field(name).formfield(**overrides)
    if isinstance(field, forms.DateField):
        field.widget = DATE
    return field


class CitationMixin:
    """A published set's forms ask for the amending document."""

    def __init__(self, *args, published=False, **kwargs):
        super().__init__(*args, **kwargs)
        if published:
            self.fields["citation"] = forms.CharField(
                label=gettext_lazy("Amending document"),
                max_length=200,
                help_text=gettext_lazy(
                    "These rules are published. Name the document that makes this change "
                    "(e.g. 长住建〔2026〕12号); it is recorded and shown on the public page."
                ),
            )


class NewRuleSetForm(forms.Form):
    year = _field(RuleSet, "year")
    effective_from = _field(RuleSet, "effective_from")
    source = _field(RuleSet, "source")


class RuleSetForm(CitationMixin, forms.Form):
    def __init__(self, *args, published=False, **kwargs):
        super().__init__(*args, published=published, **kwargs)
        names = services.RULESET_FIELDS[1:] if published else services.RULESET_FIELDS
        fields = {name: _field(RuleSet, name) for name in names}
        fields["max_lease_years"].help_text = _(
            "Order No. 11 (2012), art. 18: a lease term is generally no longer than 5 years."
        )
        self.fields = {**fields, **self.fields}


AREA_LINE = re.compile(r"^\s*(\d+)\s*[:：=]\s*(\d+(?:\.\d+)?)\s*(?:m²|m2|㎡)?\s*$")


class AreaStandardField(forms.CharField):
    """ "1: 40, 2: 50, 3: 60" ⇄ [[1, 40], [2, 50], [3, 60]]. Commas, semicolons or new
    lines separate the sizes; full-width punctuation is accepted."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return area_standard_text(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [p for p in re.split(r"[,，;；、\n]+", text or "") if p.strip()]
        rows = []
        for part in parts:
            match = AREA_LINE.match(part)
            if not match:
                raise forms.ValidationError(
                    _("“%(part)s” is not a household size and an area, such as “2: 50”.")
                    % {"part": part.strip()},
                    code="area_line",
                )
            try:
                rows.append([int(match[1]), Decimal(match[2])])
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                raise forms.ValidationError(_("Not a number: %(v)s") % {"v": match[2]}) from None
        return rows

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


TIER_LINE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*[-–—~～至]\s*(\d+(?:\.\d+)?)\s*[×x]?\s*[:：=]\s*(\d+(?:\.\d+)?)\s*[×x]?\s*$"
)


class RentTiersField(forms.CharField):
    """ "2–3: 1.5, 3–5: 2" ⇄ [(2, 3, 1.5), (3, 5, 2)]."""

    def to_python(self, value):
        text = super().to_python(value)
        bands = []
        for part in [p for p in re.split(r"[,，;；、\n]+", text or "") if p.strip()]:
            match = TIER_LINE.match(part)
            if not match:
                raise forms.ValidationError(
                    _("“%(part)s” is not a band and a rent multiple, such as “2–3: 1.5”.")
                    % {"part": part.strip()},
                    code="tier_line",
                )
            bands.append(tuple(Decimal(match[i]) for i in (1, 2, 3)))
        return bands


class RentTiersForm(CitationMixin, forms.Form):
    tiers = RentTiersField(
        label=gettext_lazy("Tiered rent bands"),
        help_text=gettext_lazy(
            "Per-capita income as a multiple of the category's limit, then the rent multiple: "
            "“2–3: 1.5, 3–5: 2” means above 2× up to 3× pays 1.5× the rent. Above the last "
            "band the household must exit; up to the first it pays the normal rent."
        ),
    )


def area_standard_text(rows) -> str:
    return ", ".join(f"{size}: {area}" for size, area in rows or [])


class CategoryRuleForm(CitationMixin, forms.Form):
    income_limit = _field(CategoryRule, "income_limit")
    housing_area_limit = _field(CategoryRule, "housing_area_limit")
    max_vehicles = _field(CategoryRule, "max_vehicles")
    deposit_limit = _field(CategoryRule, "deposit_limit")
    business_allowed = _field(CategoryRule, "business_allowed")
    min_residence_years = _field(CategoryRule, "min_residence_years")
    min_insurance_months = _field(CategoryRule, "min_insurance_months")
    min_age = _field(CategoryRule, "min_age")
    max_age = _field(CategoryRule, "max_age")
    relief_tier = _field(CategoryRule, "relief_tier")
    area_standard = AreaStandardField(
        label=gettext_lazy("Area standard by household size"),
        help_text=gettext_lazy(
            "Household size: largest unit area in m², e.g. “1: 40, 2: 50, 3: 60”. The last "
            "size covers every larger household."
        ),
    )


class PriorityRuleForm(CitationMixin, forms.Form):
    group = _field(PriorityRule, "group")
    points = _field(PriorityRule, "points")
    min_age = _field(PriorityRule, "min_age")

    def __init__(self, *args, elderly=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not elderly:
            del self.fields["min_age"]
        else:
            self.fields["min_age"].required = True


def _values(form) -> tuple[dict, str]:
    values = dict(form.cleaned_data)
    return values, values.pop("citation", "")


# --- Reading -----------------------------------------------------------------------

# The rows of the category table: (field, how to show it).
CATEGORY_ROWS = [
    ("income_limit", "money"),
    ("housing_area_limit", "area"),
    ("max_vehicles", "count"),
    ("deposit_limit", "money"),
    ("business_allowed", "yesno"),
    ("min_residence_years", "count"),
    ("min_insurance_months", "count"),
    ("min_age", "count"),
    ("max_age", "count"),
    ("relief_tier", "share"),
    ("area_standard", "areas"),
]


def with_state(rulesets, in_force):
    """Each set's state for the badge: draft, in force, published for a later date, or
    superseded by a later one."""
    today = timezone.localdate()
    for rs in rulesets:
        if not rs.published_at:
            rs.state = "draft"
        elif in_force is not None and rs.pk == in_force.pk:
            rs.state = "in_force"
        elif rs.effective_from > today:
            rs.state = "upcoming"
        else:
            rs.state = "superseded"
    return rulesets


def rules_context(ruleset: RuleSet) -> dict:
    """What the detail page and the public page both show."""
    categories = list(ruleset.categories.all())
    rows = [
        {
            "field": name,
            "label": CategoryRule._meta.get_field(name).verbose_name,
            "kind": kind,
            "values": [getattr(rule, name) for rule in categories],
        }
        for name, kind in CATEGORY_ROWS
    ]
    priorities = list(ruleset.priorities.all())
    in_force = RuleSet.objects.in_force(timezone.localdate())
    with_state([ruleset], in_force)
    return {
        "ruleset": ruleset,
        "categories": categories,
        "category_rows": rows,
        "priorities": priorities,
        "no_ground_group": max((p.group for p in priorities), default=0) + 1,
        "procedure": [
            (RuleSet._meta.get_field(name).verbose_name, name, getattr(ruleset, name))
            for name in services.RULESET_FIELDS[3:]
        ],
        "in_force": in_force,
        "rent_tiers": list(ruleset.rent_tiers.all()),
        "changes": changes_in_words(ruleset),
    }


def changes_in_words(ruleset: RuleSet) -> list[dict]:
    """The audit entries of the set as rows a reader follows: when, who, which line,
    each field's label with before and after, and the citation."""
    labels = {
        "ruleset": RuleSet,
        "categoryrule": CategoryRule,
        "priorityrule": PriorityRule,
    }
    out = []
    for entry in services.ruleset_changes(ruleset):
        model = labels.get(entry.target_type.split(".")[-1], RuleSet)
        changes = dict(entry.changes)
        citation = changes.pop("citation", "")
        line = ""
        if "category" in changes and model is CategoryRule:
            line = Category(changes.pop("category")).label
        if "ground" in changes and model is PriorityRule:
            line = PriorityGround(changes.pop("ground")).label
        fields = []
        if entry.action.endswith((".update", ".category", ".priority")):
            changes.pop("year", None)
            for name, pair in changes.items():
                try:
                    label = model._meta.get_field(name).verbose_name
                except FieldDoesNotExist:  # a field since removed: show its name
                    label = name
                before, after = pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)
                if name == "area_standard":
                    before, after = area_standard_text(before), area_standard_text(after)
                fields.append({"label": label, "before": before, "after": after})
        out.append(
            {
                "at": entry.at,
                "actor": entry.actor_label,
                "action": entry.action,
                "line": line,
                "fields": fields,
                "citation": citation,
                "copied_from": changes.get("copied_from")
                if entry.action == "ruleset.create"
                else None,
            }
        )
    return out


@staff_view(Perm.ADMISSION_VIEW)
def ruleset_list(request):
    rulesets = RuleSet.objects.annotate(application_count=Count("applications")).order_by("-year")
    in_force = RuleSet.objects.in_force(timezone.localdate())
    return render(
        request,
        "admission/rules/list.html",
        {"rulesets": with_state(list(rulesets), in_force), "in_force": in_force},
    )


@staff_view(Perm.ADMISSION_VIEW, find=find_ruleset)
def ruleset_detail(request, ruleset, pk):
    return render(
        request,
        "admission/rules/detail.html",
        {**rules_context(ruleset), "editable": request.user.can(Perm.RULES_MANAGE)},
    )


@require_safe
def rules_public(request):
    """The rules in force, and any published for a later date, for anyone."""
    today = timezone.localdate()
    in_force = RuleSet.objects.in_force(today)
    upcoming = RuleSet.objects.filter(published_at__isnull=False, effective_from__gt=today)
    context = rules_context(in_force) if in_force else {"ruleset": None}
    return render(
        request,
        "admission/rules/public.html",
        {**context, "upcoming": upcoming.order_by("effective_from"), "public": True},
    )


# --- Changing ----------------------------------------------------------------------


@staff_view(Perm.RULES_MANAGE, methods=("GET", "POST"))
def ruleset_create(request):
    last = RuleSet.objects.order_by("-year").first()
    year = (last.year + 1) if last else timezone.localdate().year
    form = NewRuleSetForm(
        request.POST or None,
        initial={
            "year": year,
            "effective_from": f"{year}-01-01",
            "source": "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            ruleset = services.ruleset_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The rules for %(year)s are started as a draft; edit them, then publish.")
                % {"year": ruleset.year},
            )
            return redirect("ruleset_detail", pk=ruleset.pk)
    return render(request, "admission/rules/create.html", {"form": form, "last": last})


# A service refusal's code → the field it is about, to show the message under it.
ERROR_FIELDS = {
    "area_standard": "area_standard",
    "tiers_empty": "tiers",
    "tiers_start": "tiers",
    "tiers_band": "tiers",
    "tiers_multiple": "tiers",
    "tiers_gap": "tiers",
    "relief_tier": "relief_tier",
    "age_range": "max_age",
    "citation_required": "citation",
    "source": "source",
    "year_fixed": "year",
    "duplicate": "year",
    "group": "group",
    "age": "min_age",
}


def _edit(request, *, form, template, done, run, context):
    """Run the service on a valid POST; its refusal is shown on the form, under the
    field it is about when there is one."""
    if request.method == "POST" and form.is_valid():
        values, citation = _values(form)
        try:
            changed = run(values, citation)
        except DomainError as exc:
            field = ERROR_FIELDS.get(exc.code)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            if changed:
                messages.success(request, _("Saved. The change is in the audit log."))
            else:
                messages.info(request, _("Nothing was changed."))
            return done
    return render(request, template, {"form": form, **context})


@staff_view(Perm.RULES_MANAGE, find=find_ruleset, methods=("GET", "POST"))
def ruleset_edit(request, ruleset, pk):
    published = bool(ruleset.published_at)
    names = services.RULESET_FIELDS[1:] if published else services.RULESET_FIELDS
    form = RuleSetForm(
        request.POST or None,
        initial={name: getattr(ruleset, name) for name in names},
        published=published,
    )

    def run(values, citation):
        before = audit.snapshot(ruleset, names)
        services.ruleset_update(ruleset, actor=request.user, citation=citation, **values)
        return before != audit.snapshot(ruleset, names)

    return _edit(
        request,
        form=form,
        template="admission/rules/edit.html",
        done=redirect("ruleset_detail", pk=ruleset.pk),
        run=run,
        context={
            "ruleset": ruleset,
            "heading": _("Source and procedure numbers"),
        },
    )


@staff_view(Perm.RULES_MANAGE, find=find_category, methods=("GET", "POST"))
def ruleset_category_edit(request, rule, pk):
    ruleset = rule.ruleset
    form = CategoryRuleForm(
        request.POST or None,
        initial={name: getattr(rule, name) for name in services.CATEGORY_FIELDS},
        published=bool(ruleset.published_at),
    )

    def run(values, citation):
        before = audit.snapshot(rule, services.CATEGORY_FIELDS)
        services.category_rule_update(rule, actor=request.user, citation=citation, **values)
        return before != audit.snapshot(rule, services.CATEGORY_FIELDS)

    return _edit(
        request,
        form=form,
        template="admission/rules/edit.html",
        done=redirect("ruleset_detail", pk=ruleset.pk),
        run=run,
        context={
            "ruleset": ruleset,
            "heading": rule.get_category_display(),
            "hint": _("A limit left empty does not apply to this category."),
        },
    )


@staff_view(Perm.RULES_MANAGE, find=find_priority, methods=("GET", "POST"))
def ruleset_priority_edit(request, rule, pk):
    ruleset = rule.ruleset
    elderly = rule.ground == PriorityGround.ELDERLY
    form = PriorityRuleForm(
        request.POST or None,
        initial={name: getattr(rule, name) for name in services.PRIORITY_FIELDS},
        published=bool(ruleset.published_at),
        elderly=elderly,
    )

    def run(values, citation):
        before = audit.snapshot(rule, services.PRIORITY_FIELDS)
        services.priority_rule_update(rule, actor=request.user, citation=citation, **values)
        return before != audit.snapshot(rule, services.PRIORITY_FIELDS)

    return _edit(
        request,
        form=form,
        template="admission/rules/edit.html",
        done=redirect("ruleset_detail", pk=ruleset.pk),
        run=run,
        context={
            "ruleset": ruleset,
            "heading": _("Priority: %(ground)s") % {"ground": rule.get_ground_display()},
        },
    )


@staff_view(Perm.RULES_MANAGE, find=find_ruleset, methods=("GET", "POST"))
def ruleset_tiers_edit(request, ruleset, pk):
    current = ruleset.rent_tiers.values_list("above", "up_to", "rent_multiple")
    form = RentTiersForm(
        request.POST or None,
        initial={"tiers": services.tiers_text(current)},
        published=bool(ruleset.published_at),
    )

    def run(values, citation):
        return services.rent_tiers_set(
            ruleset, actor=request.user, tiers=values["tiers"], citation=citation
        )

    return _edit(
        request,
        form=form,
        template="admission/rules/edit.html",
        done=redirect("ruleset_detail", pk=ruleset.pk),
        run=run,
        context={"ruleset": ruleset, "heading": _("Tiered rent for over-income households")},
    )


@staff_view(Perm.RULES_MANAGE, find=find_ruleset, methods=("POST",))
def ruleset_publish(request, ruleset, pk):
    try:
        services.ruleset_publish(ruleset, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The rules for %(year)s are published and apply from %(date)s.")
            % {"year": ruleset.year, "date": ruleset.effective_from.isoformat()},
        )
    return redirect("ruleset_detail", pk=ruleset.pk)


urlpatterns = [
    path("rules/", rules_public, name="rules_public"),
    path("rulesets/", ruleset_list, name="ruleset_list"),
    path("rulesets/new/", ruleset_create, name="ruleset_create"),
    path("rulesets/<int:pk>/", ruleset_detail, name="ruleset_detail"),
    path("rulesets/<int:pk>/edit/", ruleset_edit, name="ruleset_edit"),
    path("rulesets/<int:pk>/publish/", ruleset_publish, name="ruleset_publish"),
    path("rulesets/<int:pk>/rent-tiers/", ruleset_tiers_edit, name="ruleset_tiers_edit"),
    path(
        "rulesets/categories/<int:pk>/edit/",
        ruleset_category_edit,
        name="ruleset_category_edit",
    ),
    path(
        "rulesets/priorities/<int:pk>/edit/",
        ruleset_priority_edit,
        name="ruleset_priority_edit",
    ),
]
