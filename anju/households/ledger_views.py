"""The legacy-ledger pages: upload → background check with a progress bar → preview
of what would change and every bad row → confirm → background import → result."""

import io

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.export import XLSX
from anju.core.models import JobRun
from anju.core.roles import Perm
from anju.housing.models import Unit

from .ledger.export import ledger_export
from .ledger.jobs import KIND_CHECK, KIND_IMPORT, ledger_job_start


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Ledger file (CSV or XLSX)"))
    allow_new_estates = forms.BooleanField(
        label=gettext_lazy("Create estates that are not registered yet"), required=False
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return f


def _ledger_job_for(user, pk):
    return get_or_404(
        JobRun.objects.filter(created_by=user, kind__in=[KIND_CHECK, KIND_IMPORT]), pk=pk
    )


@staff_view(Perm.LEDGER_IMPORT, methods=("GET", "POST"))
def ledger_import(request):
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = ledger_job_start(
            actor=request.user,
            file=form.cleaned_data["file"],
            dry_run=True,
            allow_new_estates=form.cleaned_data["allow_new_estates"],
        )
        return redirect("ledger_job", pk=job.pk)
    jobs = JobRun.objects.filter(created_by=request.user, kind__in=[KIND_CHECK, KIND_IMPORT])[:10]
    return render(request, "households/ledger_import.html", {"form": form, "jobs": jobs})


@staff_view(Perm.LEDGER_IMPORT, find=_ledger_job_for)
def ledger_job(request, job, pk):
    context = {
        "job": job,
        "report": job.result if job.is_finished else None,
        "is_check": job.kind == KIND_CHECK,
    }
    if request.htmx:
        return render(request, "households/ledger_job.html#job", context)
    return render(request, "households/ledger_job.html", context)


@staff_view(Perm.LEDGER_IMPORT, find=_ledger_job_for, methods=("POST",))
def ledger_job_confirm(request, job, pk):
    report = job.result or {}
    if job.kind != KIND_CHECK or not job.is_finished or "rows" not in report:
        messages.error(request, _("Only a finished check can be imported."))
        return redirect("ledger_job", pk=job.pk)
    only_good = request.POST.get("only_good_rows") == "on"
    if report.get("errors_total") and not only_good:
        messages.error(
            request,
            _(
                "The file has bad rows: tick “import only the good rows” "
                "or correct the file and upload it again."
            ),
        )
        return redirect("ledger_job", pk=job.pk)
    new_job = ledger_job_start(
        actor=request.user,
        from_job=job,
        only_good_rows=only_good,
        allow_new_estates=bool(job.params.get("allow_new_estates")),
    )
    return redirect("ledger_job", pk=new_job.pk)


@staff_view(Perm.LEDGER_EXPORT)
def ledger_export_xlsx(request):
    buffer = io.BytesIO()
    ledger_export(
        buffer, actor=request.user, units=Unit.objects.visible_to(request.user), fmt="xlsx"
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"ledger-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
