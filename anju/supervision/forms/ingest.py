"""Forms of the ingest pages: the filters of the batch, device and data-quality lists,
an upload of a file by staff, and the two device actions."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.housing.models import Estate

from ..models import DeviceKind, IngestKind

MAX_QUALITY_DAYS = 366


def _estate_field():
    return forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )


class _Scoped(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class BatchFilterForm(_Scoped):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *IngestKind.choices]
    )
    estate = _estate_field()
    rejected = forms.ChoiceField(
        label=_("Rows rejected"),
        required=False,
        choices=[("", _("All")), ("1", _("Some rejected")), ("0", _("None rejected"))],
    )


class DeviceFilterForm(_Scoped):
    estate = _estate_field()
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *DeviceKind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("In service")),
            ("unconfirmed", _("Waiting for confirmation")),
            ("retired", _("Retired")),
        ],
    )


class QualityFilterForm(_Scoped):
    estate = _estate_field()
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )

    @staticmethod
    def window(data: dict) -> tuple[datetime.date, datetime.date]:
        """The dates asked for (valid `cleaned_data`), by default the 30 days to today."""
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - datetime.timedelta(days=29)
        return min(since, until), until

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if since > until:
                raise forms.ValidationError(_("The window must start before it ends."))
            if (until - since).days >= MAX_QUALITY_DAYS:
                raise forms.ValidationError(
                    _("Ask for at most %(days)s days at a time.") % {"days": MAX_QUALITY_DAYS}
                )
        return data


class IngestUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Records"), choices=IngestKind.choices)
    file = forms.FileField(
        label=_("File (CSV or NDJSON)"),
        help_text=_(
            "The formats are described in docs/ingest.md; the header row names the fields."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ANJU_INGEST_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split it into smaller files.")
                % {"mb": limit // (1024 * 1024)}
            )
        return upload


class DeviceConfirmForm(forms.Form):
    as_gate = forms.BooleanField(
        label=_("This is a gate serving the whole estate, not a unit's lock"), required=False
    )
    notes = forms.CharField(label=_("Notes"), max_length=200, required=False)


class DeviceRetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it retired?"),
        max_length=200,
        help_text=_("e.g. replaced by a new lock, removed, broken beyond repair"),
    )
