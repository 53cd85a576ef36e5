from django.shortcuts import render

from audit.services import client_ip
from disputes import services
from disputes.forms import DisputeForm
from lib import limits
from lib.http import limit_reached


def file_dispute(request):
    """Public: the answer is the same whether or not the number is listed."""
    form = DisputeForm(request.POST or None)
    if request.method == "POST":
        try:
            limits.check_dispute_rate(client_ip(request))
        except limits.LimitExceeded as error:
            return limit_reached(request, error)
        if form.is_valid():
            if not form.is_bot:
                data = form.cleaned_data
                services.file_dispute(
                    e164=data["number"],
                    contact_email=data["contact_email"],
                    statement=data["statement"],
                    held_since=data["held_since"],
                    request=request,
                )
            return render(request, "disputes/filed.html")
    return render(request, "disputes/new.html", {"form": form})
