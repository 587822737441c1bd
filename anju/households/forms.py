from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentType


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Type"), choices=DocumentType.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    file = forms.FileField(label=_("File"))
    expires_on = forms.DateField(
        label=_("Expires"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    ALLOWED = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".doc", ".docx", ".xlsx")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(self.ALLOWED):
            raise forms.ValidationError(_("Upload a PDF, an image or an Office document."))
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("A document may be at most 20 MB."))
        return f


class PaperFileForm(forms.Form):
    room = forms.CharField(label=_("Room"), max_length=40)
    cabinet = forms.CharField(label=_("Cabinet"), max_length=20)
    box = forms.CharField(label=_("Box"), max_length=20)


class LoanForm(forms.Form):
    borrower = forms.CharField(label=_("Borrower"), max_length=60)
    purpose = forms.CharField(label=_("Purpose"), max_length=120, required=False)
    due_on = forms.DateField(
        label=_("Due back"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
