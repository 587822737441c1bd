"""Forms of the exchange pages (staff and portal). They parse input only; the services
in anju.exits.services.exchanges and .mutual decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.handover import CHECKLIST_ITEMS, METERS, REQUIRED_METERS
from anju.housing.models import Estate

from ..models import (
    AUTHORITY_REASONS,
    HOUSEHOLD_REASONS,
    ExchangeKind,
    ExchangeReason,
    RequestStatus,
    UnitAfter,
)

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _styled(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def errors_text(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
        for name, errs in form.errors.items()
    )


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Request, household or unit"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *ExchangeKind.choices]
        self.fields["status"].choices = [
            ("open", _("In progress")),
            ("", _("All")),
            *RequestStatus.choices,
        ]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        _styled(self)


class WantsForm(forms.Form):
    """What the unit must have: the scope of choice and the needs."""

    estates = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Estates wanted"),
        queryset=Estate.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the household's own estate."),
    )
    min_rooms = forms.IntegerField(
        label=gettext_lazy("Rooms at least"), required=False, min_value=1, max_value=9
    )
    max_floor = forms.IntegerField(
        label=gettext_lazy("Floor at most"), required=False, min_value=1, max_value=99
    )
    needs_lift = forms.BooleanField(label=gettext_lazy("Needs a lift"), required=False)
    needs_accessible = forms.BooleanField(
        label=gettext_lazy("Needs a barrier-free unit"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The estates of the district are public: tenants choose among them too.
        self.fields["estates"].queryset = Estate.objects.order_by("code")
        _styled(self)

    def wants(self) -> dict:
        data = self.cleaned_data
        return {
            "estates": list(data.get("estates") or ()),
            "min_rooms": data.get("min_rooms"),
            "max_floor": data.get("max_floor"),
            "needs_lift": bool(data.get("needs_lift")),
            "needs_accessible": bool(data.get("needs_accessible")),
            "note": data.get("note") or "",
        }


class RequestForm(WantsForm):
    """A household's request, at the counter or on the portal."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What the household asks"),
        choices=[
            (ExchangeKind.EXCHANGE, gettext_lazy("Move to a vacant unit (exchange)")),
            (ExchangeKind.MUTUAL, gettext_lazy("Swap with another household (mutual exchange)")),
        ],
        widget=forms.RadioSelect,
        initial=ExchangeKind.EXCHANGE,
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[(r.value, r.label) for r in ExchangeReason if r in HOUSEHOLD_REASONS],
        help_text=gettext_lazy("A mutual exchange is only for work or school."),
    )
    field_order = ["kind", "reason", "estates", "min_rooms", "max_floor", "needs_lift"]


class TransferForm(WantsForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[(r.value, r.label) for r in ExchangeReason if r in AUTHORITY_REASONS],
    )
    field_order = ["reason", "note", "estates", "min_rooms", "max_floor", "needs_lift"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].label = _("Why the household must move")


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))],
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class OfferForm(forms.Form):
    unit = forms.IntegerField(label=gettext_lazy("Unit"), min_value=1)


class MoveForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Day of the move"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class PairDeclineForm(forms.Form):
    household = forms.IntegerField(required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


# --- Handovers ---------------------------------------------------------------------------


def handover_input(post, files, prefix: str, *, move_out: bool) -> dict:
    """One handover of the move page, as `exchange_carry_out` takes it. The fields are
    named "<prefix>-item-<item>", "<prefix>-note-<item>", "<prefix>-charge-<item>",
    "<prefix>-meter-<meter>", "<prefix>-keys", "<prefix>-cards", "<prefix>-photos",
    "<prefix>-unit_after" and "<prefix>-remark" (the note on the whole handover)."""
    checklist = [
        {
            "item": code,
            "ok": {"ok": True, "defect": False}.get(post.get(f"{prefix}-item-{code}", "")),
            "note": post.get(f"{prefix}-note-{code}", ""),
        }
        for code in CHECKLIST_ITEMS
    ]
    out = {
        "checklist": checklist,
        "meter_readings": {m: post.get(f"{prefix}-meter-{m}", "") for m in METERS},
        "keys": post.get(f"{prefix}-keys", ""),
        "cards": post.get(f"{prefix}-cards", ""),
        "photos": files.getlist(f"{prefix}-photos") if files is not None else [],
        "note": post.get(f"{prefix}-remark", ""),
    }
    if move_out:
        out["unit_after"] = post.get(f"{prefix}-unit_after", "")
        out["charges"] = {code: post.get(f"{prefix}-charge-{code}", "") for code in CHECKLIST_ITEMS}
    return out


def handover_rows(post, prefix: str, *, move_out: bool, title, unit, before=None) -> dict:
    """The rows of one handover form, holding what was typed when the page comes back
    with an error; `before` is the unit's move-in state (checklist rows by item)."""
    post = post or {}
    before = before or {}
    return {
        "prefix": prefix,
        "title": title,
        "unit": unit,
        "move_out": move_out,
        "choose_after": move_out,
        "items": [
            {
                "code": code,
                "label": label,
                "state": post.get(f"{prefix}-item-{code}", ""),
                "note": post.get(f"{prefix}-note-{code}", ""),
                "charge": post.get(f"{prefix}-charge-{code}", ""),
                "before": before.get(code),
            }
            for code, label in CHECKLIST_ITEMS.items()
        ],
        "meters": [
            {
                "code": code,
                "label": label,
                "value": post.get(f"{prefix}-meter-{code}", ""),
                "required": code in REQUIRED_METERS,
            }
            for code, label in METERS.items()
        ],
        "keys": post.get(f"{prefix}-keys", ""),
        "cards": post.get(f"{prefix}-cards", ""),
        "remark": post.get(f"{prefix}-remark", ""),
        "unit_after": post.get(f"{prefix}-unit_after", ""),
        "unit_after_choices": UnitAfter.choices,
    }
