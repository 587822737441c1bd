"""Forms of the consequence pages: the list's filter and the notes of the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ConsequenceKind, ConsequenceState, PartyKind
from .schemes import styled


class ConsequenceFilterForm(forms.Form):
    q = forms.CharField(label=_("Party or period"), required=False)
    kind = forms.ChoiceField(label=_("Consequence"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    party_kind = forms.ChoiceField(label=_("Party kind"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *ConsequenceKind.choices]
        self.fields["state"].choices = [
            ("open", _("Open")),
            ("", _("All")),
            *ConsequenceState.choices,
        ]
        self.fields["party_kind"].choices = [("", _("All")), *PartyKind.choices]
        styled(self)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)
