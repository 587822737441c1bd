from django.shortcuts import render

from anju.core.access import get_or_404, staff_view
from anju.core.models import JobRun


def _job_for(user, pk):
    # A job is visible to the person who started it (and to nobody else).
    return get_or_404(JobRun.objects.filter(created_by=user), pk=pk)


@staff_view(None, find=_job_for)
def job_detail(request, job, pk):
    template = "core/job_detail.html#progress" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})
