from django.shortcuts import redirect, render

from disputes import services
from disputes.forms import CodeForm, DisputeForm
from lib import limits
from lib.http import limit_reached

PENDING = "pending_dispute"


def file_dispute(request):
    """Public, first step: the filer's details, then a code texted to the number.

    The answer is the same whether or not the number is listed: the directory is not read here.
    """
    form = DisputeForm(request.POST or None)
    if not form.is_valid():
        return render(request, "disputes/new.html", {"form": form})
    if form.is_bot:
        return redirect("disputes:confirm")
    data = form.cleaned_data
    try:
        pending = services.request_code(
            e164=data["number"],
            contact_email=data["contact_email"],
            statement=data["statement"],
            held_since=data["held_since"],
            request=request,
        )
    except limits.LimitExceeded as error:
        return limit_reached(request, error)
    except services.DisputeError as error:
        form.add_error(None, str(error))
        return render(request, "disputes/new.html", {"form": form}, status=503)
    request.session[PENDING] = pending.pk
    return redirect("disputes:confirm")


def confirm_dispute(request):
    """Second step: the code from the text message files the dispute for staff to review."""
    pending_id = request.session.get(PENDING)
    if pending_id is None:
        return redirect("disputes:new")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            services.confirm_code(pending_id=pending_id, code=form.cleaned_data["code"], request=request)
        except services.DisputeError as error:
            form.add_error("code", str(error))
        else:
            del request.session[PENDING]
            return render(request, "disputes/filed.html")
    return render(request, "disputes/confirm.html", {"form": form})
