"""The deadline table (SLA) and the repair classification. Everyone who sees work
orders reads them (Perm.HELPDESK_VIEW); the authority changes them
(Perm.SLA_MANAGE): a rule per classification, estate and urgency, each with its
source; a classification offered to reporters or not."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..forms.workorders import SlaRuleForm
from ..models import RepairClass, SlaRule
from ..selectors import workorders as selectors
from ..services import sla as services


def _class_for_user(user, pk) -> RepairClass:
    # The classification is the district's, the same for everyone.
    return get_or_404(RepairClass.objects.all(), pk=pk)


@staff_view(Perm.HELPDESK_VIEW)
def sla_rules(request):
    return render(
        request,
        "helpdesk/workorders/sla_rules.html",
        {
            "rules": list(selectors.sla_rules_for(request.user)),
            "may_manage": request.user.can(Perm.SLA_MANAGE),
        },
    )


def _save(request, form, rule=None):
    data = form.cleaned_data
    return services.sla_rule_save(
        actor=request.user,
        rule=rule,
        repair_class=data["repair_class"],
        estate=data["estate"],
        urgency=data["urgency"],
        respond_in=data["respond_in"],
        respond_unit=data["respond_unit"],
        complete_in=data["complete_in"],
        complete_unit=data["complete_unit"],
        source=data["source"],
    )


@staff_view(Perm.SLA_MANAGE, methods=("GET", "POST"))
def sla_rule_new(request):
    form = SlaRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Deadline rule added."))
            return redirect("sla_rules")
    return render(request, "helpdesk/workorders/sla_rule_form.html", {"form": form, "rule": None})


@staff_view(Perm.SLA_MANAGE, find=selectors.sla_rule_for_user, methods=("GET", "POST"))
def sla_rule_edit(request, rule, pk):
    initial = {
        "repair_class": rule.repair_class_id,
        "estate": rule.estate_id,
        "urgency": rule.urgency,
        "respond_in": rule.respond_in,
        "respond_unit": rule.respond_unit,
        "complete_in": rule.complete_in,
        "complete_unit": rule.complete_unit,
        "source": rule.source,
    }
    form = SlaRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, rule)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Deadline rule changed."))
            return redirect("sla_rules")
    return render(request, "helpdesk/workorders/sla_rule_form.html", {"form": form, "rule": rule})


@staff_view(Perm.SLA_MANAGE, find=selectors.sla_rule_for_user, methods=("POST",))
def sla_rule_delete(request, rule: SlaRule, pk):
    try:
        services.sla_rule_delete(rule, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Deadline rule deleted."))
    return redirect("sla_rules")


@staff_view(Perm.HELPDESK_VIEW)
def repair_classes(request):
    return render(
        request,
        "helpdesk/workorders/classes.html",
        {
            "tree": selectors.class_tree(),
            "may_manage": request.user.can(Perm.SLA_MANAGE),
        },
    )


@staff_view(Perm.SLA_MANAGE, find=_class_for_user, methods=("POST",))
def repair_class_toggle(request, node, pk):
    node = services.repair_class_set_active(node, actor=request.user, active=not node.is_active)
    messages.success(
        request,
        (
            _("“%(c)s” is offered to reporters again.")
            if node.is_active
            else _("“%(c)s” is no longer offered to reporters; orders already reported keep it.")
        )
        % {"c": node.name},
    )
    return redirect("repair_classes")


urlpatterns = [
    path("repairs/deadlines/", sla_rules, name="sla_rules"),
    path("repairs/deadlines/new/", sla_rule_new, name="sla_rule_new"),
    path("repairs/deadlines/<int:pk>/", sla_rule_edit, name="sla_rule_edit"),
    path("repairs/deadlines/<int:pk>/delete/", sla_rule_delete, name="sla_rule_delete"),
    path("repairs/classes/", repair_classes, name="repair_classes"),
    path("repairs/classes/<int:pk>/toggle/", repair_class_toggle, name="repair_class_toggle"),
]
