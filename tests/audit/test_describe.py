"""Every audit event reads as a sentence: each action the code records has one, and a screening is named
by its file and day, never by its id."""

import ast
from datetime import UTC, datetime

import pytest

from audit.describe import SENTENCES, describe
from tests.factories import ScreeningFactory
from tests.test_architecture import project_modules

WRITERS = {"record_event", "record_number_events", "refusal_recorded"}
# Actions built from a value: each f-string with the actions it can make.
BUILT = {
    "f'dispute.{status}'": {"dispute.not_listed", "dispute.removed", "dispute.relisted"},
    "f'org.{status}'": {"org.approved", "org.suspended", "org.rejected"},
}


def callee(call: ast.Call) -> str:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", "")


def action_argument(call: ast.Call, position: int | None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    return call.args[position] if position is not None and position < len(call.args) else None


def forwarders(trees: list[ast.Module]) -> dict[str, int | None]:
    """The audit writers, and every function that passes its own `action` on to one, with the position
    of that parameter (None: keyword only)."""
    writers: dict[str, int | None] = dict.fromkeys(WRITERS)
    functions = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    while True:
        found = {}
        for function in functions:
            names = [arg.arg for arg in function.args.args]
            takes = "action" in names or "action" in [arg.arg for arg in function.args.kwonlyargs]
            if function.name in writers or not takes:
                continue
            calls = [node for node in ast.walk(function) if isinstance(node, ast.Call) and callee(node) in writers]
            passed = [action_argument(call, writers[callee(call)]) for call in calls]
            if any(isinstance(value, ast.Name) and value.id == "action" for value in passed):
                found[function.name] = names.index("action") if "action" in names else None
        if not found:
            return writers
        writers.update(found)


def recorded_actions() -> set[str]:
    """Every action string the code passes to an audit writer, directly or through a function that forwards it."""
    trees = [ast.parse(path.read_text(), filename=str(path)) for _, path in project_modules()]
    writers = forwarders(trees)
    actions = set()
    for tree in trees:
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call) and callee(node) in writers):
            actions |= action_values(action_argument(call, writers[callee(call)]))
    return actions


def action_values(value: ast.expr | None) -> set[str]:
    if value is None or (isinstance(value, ast.Name) and value.id == "action"):
        return set()  # forwarded: its callers' actions are collected where they are written
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return {value.value}
    if isinstance(value, ast.IfExp):
        return action_values(value.body) | action_values(value.orelse)
    source = ast.unparse(value)
    assert source in BUILT, f"List in BUILT the actions {source} can make"
    return BUILT[source]


def test_the_walk_finds_actions_written_directly_forwarded_and_built():
    actions = recorded_actions()
    assert {"screening.created", "monitoring.watch_started", "lookup.exported"} <= actions  # written
    assert {"lookup", "private_screening.request_refused", "private_screening.confirmed"} <= actions  # forwarded
    assert {"directory.contact_added", "directory.contact_changed", "dispute.removed", "org.suspended"} <= actions


def test_every_recorded_action_has_a_sentence():
    assert sorted(recorded_actions() - SENTENCES.keys()) == []


SCREENING = {"screening": "0b6c…", "file": "staff.csv", "uploaded": "2025-03-16T09:30:00+00:00"}


@pytest.mark.parametrize(
    ("action", "detail", "sentence"),
    [
        (
            "screening.created",
            {**SCREENING, "monitor": True},
            "Started the screening of staff.csv, 16 Mar 2025 and kept its numbers under watch.",
        ),
        ("screening.results_viewed", SCREENING, "Opened the results of the screening of staff.csv, 16 Mar 2025."),
        (
            "screening.exported",
            {**SCREENING, "format": "xlsx", "outcome": "outside_window"},
            "Downloaded the results of the screening of staff.csv, 16 Mar 2025 as XLSX, only the rows "
            "“outside the window”.",
        ),
        (
            "screening.evidence_report",
            {**SCREENING, "row": 1204},
            "Opened the evidence report of row 1,204 of the screening of staff.csv, 16 Mar 2025.",
        ),
        (
            "screening.failed",
            {**SCREENING, "error": "The file is empty."},
            "The screening of staff.csv, 16 Mar 2025 failed: The file is empty.",
        ),
        (
            "monitoring.watch_started",
            {**SCREENING, "watch": 3, "numbers": 2},
            "Started watching 2 numbers of the screening of staff.csv, 16 Mar 2025.",
        ),
        (
            "monitoring.watch_stopped",
            {"watch": 3, "name": "staff.csv, 16 Mar 2025"},
            "Stopped watching staff.csv, 16 Mar 2025.",
        ),
        (
            "screening.uploaded",
            {"draft": "9f…", "file": "staff.csv"},
            "Uploaded staff.csv to check its columns; nothing was screened yet.",
        ),
        ("lookup.exported", {"format": "csv", "how": "copy", "rows": 1200}, "Copied 1,200 lookup results."),
        ("lookup.exported", {"format": "xlsx", "rows": 1}, "Downloaded 1 lookup result as XLSX."),
        (
            "directory.contacts_imported",
            {"file": "march.csv", "added": 1200, "skipped": 3, "rejected": 0},
            "Imported contacts from march.csv: 1,200 added, 3 skipped as already there, 0 rejected.",
        ),
    ],
)
def test_sentences_name_what_the_event_is_about(action, detail, sentence):
    assert describe(action, detail) == sentence


def test_an_event_recorded_before_screenings_were_named_still_reads_as_a_sentence():
    assert describe("screening.deleted", {"screening": "0b6c…"}) == "Deleted a screening and its results."
    assert describe("monitoring.watch_started", {"screening": "0b6c…", "watch": 3, "numbers": 1}) == (
        "Started watching 1 number of a screening."
    )


@pytest.mark.django_db
def test_a_screening_event_keeps_what_names_the_screening():
    screening = ScreeningFactory(filename="staff.csv")
    screening.created_at = datetime(2025, 3, 16, 9, 30, tzinfo=UTC)
    text = describe("screening.deleted", screening.audit_detail)
    assert text == "Deleted the screening of staff.csv, 16 Mar 2025 and its results."
    assert str(screening.pk) not in text
