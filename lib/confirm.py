"""The question a destructive action asks before it runs, written once for its page and its dialog."""

from dataclasses import dataclass

from django.shortcuts import render


@dataclass(frozen=True)
class Question:
    title: str
    text: str
    button: str


def ask_first(request, question: Question, cancel_url: str):
    """The confirmation page of a destructive action; its form posts back to the same address.

    Pages open the same question in a dialog (static/js/confirm.js, from the link's `confirm_attributes`);
    this page is for browsers without script.
    """
    context = {"title": question.title, "text": question.text, "button": question.button, "cancel_url": cancel_url}
    return render(request, "confirm.html", context)
