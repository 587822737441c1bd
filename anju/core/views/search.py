from django.shortcuts import redirect, render

from anju.core.access import staff_view
from anju.core.roles import Perm
from anju.core.search import LIMIT
from anju.core.search import search as run_search


@staff_view((Perm.HOUSING_VIEW, Perm.HOUSEHOLDS_VIEW))
def search(request):
    result = run_search(request.user, request.GET.get("q", ""))
    if len(result["units"]) == 1 and not result["members"]:
        return redirect("unit_detail", pk=result["units"][0].pk)
    return render(request, "core/search.html", {**result, "limit": LIMIT})
