"""Forms of the notice pages. They parse input only; anju.outreach.services.notices
decides."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Building, Estate

from ..models import Audience, NoticeKind, NoticeStatus
from ..selectors.notices import STATES

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BuildingField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.estate.name} · {_('building %(n)s') % {'n': obj.number}}"


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Title or document no."), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), required=False)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *NoticeKind.choices]
        self.fields["state"].choices = [("", _("All")), *STATES]
        self.fields["audience"].choices = [("", _("All")), *Audience.choices]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=NoticeKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("One or two sentences; the list and the SMS show it."),
    )
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    source = forms.CharField(
        label=gettext_lazy("Document no."),
        max_length=120,
        required=False,
        help_text=gettext_lazy("For example 长住建〔2026〕12号."),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Audience"), choices=Audience.choices, widget=forms.RadioSelect
    )
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"), queryset=Estate.objects.none(), required=False
    )
    building = BuildingField(
        label=gettext_lazy("Building"), queryset=Building.objects.none(), required=False
    )
    important = forms.BooleanField(
        label=gettext_lazy("Ask households to confirm they have read it"), required=False
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pin to the top"), required=False)
    expire_at = forms.DateTimeField(
        label=gettext_lazy("Expires at"),
        required=False,
        widget=WHEN,
        help_text=gettext_lazy("Leave empty for a notice that stays until it is withdrawn."),
    )

    def __init__(self, *args, user=None, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        estates = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].queryset = estates
        self.fields["building"].queryset = (
            Building.objects.filter(estate__in=estates)
            .select_related("estate")
            .order_by("estate__code", "number")
        )
        self.target_fixed = notice is not None and notice.status != NoticeStatus.DRAFT
        if self.target_fixed:
            for name in ("audience", "estate", "building"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if self.target_fixed:
            return data
        audience = data.get("audience")
        if audience == Audience.ESTATE and not data.get("estate"):
            self.add_error("estate", _("Choose the estate the notice is for."))
        if audience == Audience.BUILDING and not data.get("building"):
            self.add_error("building", _("Choose the building the notice is for."))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if self.target_fixed:
            for name in ("audience", "estate", "building"):
                data.pop(name, None)
        return data


class QuestionForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question"), max_length=300, required=False)
    answer = forms.CharField(
        label=gettext_lazy("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if bool((data.get("question") or "").strip()) != bool((data.get("answer") or "").strip()):
            raise forms.ValidationError(_("Write both the question and its answer."))
        return data


QuestionFormSet = formset_factory(
    QuestionForm, extra=2, can_delete=True, max_num=30, absolute_max=40
)


def questions_of(formset) -> list[tuple[str, str]]:
    """The kept rows of a valid formset, in their order, as (question, answer)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append((data.get("question", ""), data.get("answer", "")))
    return rows


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=gettext_lazy("Publish at"),
        required=False,
        widget=WHEN,
        help_text=gettext_lazy("Leave empty to publish now."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it withdrawn?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Leave empty to use the file's name."),
    )
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG)"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
