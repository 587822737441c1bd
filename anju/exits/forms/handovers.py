"""Forms of the move-out handover and the deposit settlement. They parse input only;
anju.exits.services.handovers and .settlement decide, and name every problem."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from anju.housing.handover import CHECKLIST_ITEMS, METERS

from ..models import UnitAfter
from ..services.settlement import REFUND_METHODS

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class HandoverForm(forms.Form):
    """The scalar fields; the checklist, the meters and the photos are read by
    `handover_input`, one row per item, and checked by the service."""

    # Left to the service to require, so that it names them with every other problem.
    on = forms.DateField(label=gettext_lazy("Keys returned on"), widget=DATE, required=False)
    unit = forms.CharField(
        label=gettext_lazy("Unit code"),
        max_length=24,
        help_text=gettext_lazy("As on the door: the unit whose keys come back."),
    )
    keys = forms.CharField(label=gettext_lazy("Keys returned"), required=False, max_length=4)
    cards = forms.CharField(label=gettext_lazy("Cards returned"), required=False, max_length=4)
    unit_after = forms.ChoiceField(
        label=gettext_lazy("The unit afterwards"),
        choices=UnitAfter.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            self.initial.setdefault("unit", case.unit.code)
            self.initial.setdefault("on", timezone.localdate())


def handover_input(post, files) -> dict:
    """The checklist (one {"item", "ok", "note"} per item: ok for "ok", not ok for
    "defect", unanswered otherwise), the charges ({item: yuan}), the meter readings and
    the photos, as the service takes them."""
    checklist, charges = [], {}
    for code in CHECKLIST_ITEMS:
        state = post.get(f"item-{code}", "")
        checklist.append(
            {
                "item": code,
                "ok": {"ok": True, "defect": False}.get(state),
                "note": post.get(f"note-{code}", ""),
            }
        )
        charge = post.get(f"charge-{code}", "").strip()
        # A charge typed before the item was switched back to "in order" is dropped.
        if charge and state == "defect":
            charges[code] = charge
    return {
        "checklist": checklist,
        "charges": charges,
        "meter_readings": {m: post.get(f"meter-{m}", "") for m in METERS},
        "photos": files.getlist("photos") if files else [],
    }


class SettlementForm(forms.Form):
    refund_method = forms.ChoiceField(
        label=gettext_lazy("Pay the rest back by"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on = forms.DateField(label=gettext_lazy("Settled on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refund_method"].choices = [
            ("", "—"),
            *[(c.value, c.label) for c in REFUND_METHODS],
        ]
        self.initial.setdefault("on", timezone.localdate())
