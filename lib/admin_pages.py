"""Pages shared by the Django admin of several apps."""

from django.shortcuts import render


def action_reason_page(model_admin, request, queryset, form, *, action: str, title: str, items, button: str, intro=""):
    """The intermediate page of an admin action that needs a reason.

    It names what the action applies to (`items`, one line each) and asks for the reason; its hidden
    fields bring the curator back to the same action with the same selection.
    """
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "form": form,
        "title": title,
        "intro": intro,
        "items": items,
        "selected": queryset,
        "action": action,
        "button": button,
    }
    return render(request, "admin/action_with_reason.html", context)
