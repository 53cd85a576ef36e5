"""Audit events as sentences a person reads, for the pages that show an audit log.

Events keep their detail as data (what the code recorded); this module is the one place that
turns an action and its detail into words. An action it does not know still reads as words.
"""

from collections.abc import Callable, Mapping
from typing import Any

from lib.dates import day

OUTCOME_WORDS = {
    "match": "match",
    "outside_window": "outside the window",
    "no_match": "no match",
    "invalid": "invalid",
    "duplicate": "repeat",
}
ROLE_WORDS = {"legal": "Legal", "hr": "HR", "admin": "Admin"}
FILE_FORMATS = {"csv": "CSV", "xlsx": "XLSX"}


def describe(action: str, detail: Mapping[str, Any] | None) -> str:
    """One sentence for an event, e.g. "Looked up 3 numbers: 1 match, 2 no match."."""
    detail = detail or {}
    sentence = SENTENCES.get(action)
    if sentence is None:
        return _fallback(action, detail)
    try:
        return sentence(detail) if callable(sentence) else sentence.format_map(detail)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _fallback(action, detail)


def action_label(action: str) -> str:
    """A short name for an action, for filters: "member.role_changed" -> "Member role changed"."""
    return LABELS.get(action) or _words(action)


def _words(code: str) -> str:
    text = code.replace(".", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _fallback(action: str, detail: Mapping[str, Any]) -> str:
    facts = "; ".join(f"{_words(str(key)).lower()}: {value}" for key, value in detail.items())
    return f"{_words(action)}." if not facts else f"{_words(action)} ({facts})."


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _counts(counts: Mapping[str, int]) -> str:
    parts = [f"{value:,} {OUTCOME_WORDS.get(key, _words(key).lower())}" for key, value in counts.items() if value]
    return ", ".join(parts) if parts else "nothing found"


def _role(code: str) -> str:
    return ROLE_WORDS.get(code, code)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _screening(detail) -> str:
    """The screening an event is about, by its file and the day it was uploaded when the event kept them."""
    if not detail.get("file"):
        return "a screening"
    uploaded = day(detail.get("uploaded"))
    return f"the screening of {detail['file']}, {uploaded}" if uploaded else f"the screening of {detail['file']}"


def _upload(detail) -> str:
    return detail.get("file") or "a phone list"


def _lookup(detail) -> str:
    return f"Looked up {_plural(int(detail['numbers']), 'number')}: {_counts(detail.get('counts', {}))}."


def _screening_done(detail) -> str:
    return f"{_capital(_screening(detail))} finished: {_counts(detail.get('counts', {}))}."


def _screening_created(detail) -> str:
    watch = " and kept its numbers under watch" if detail.get("monitor") else ""
    return f"Started {_screening(detail)}{watch}."


def _screening_exported(detail) -> str:
    outcome = detail.get("outcome", "all")
    only = "" if outcome == "all" else f", only the rows “{OUTCOME_WORDS.get(outcome, outcome)}”"
    return f"Downloaded the results of {_screening(detail)} as {_format(detail)}{only}."


def _format(detail) -> str:
    return FILE_FORMATS.get(detail.get("format", ""), "a file")


def _lookup_exported(detail) -> str:
    results = f"{int(detail['rows']):,} lookup result{'' if int(detail['rows']) == 1 else 's'}"
    if detail.get("how") == "copy":
        return f"Copied {results}."
    return f"Downloaded {results} as {_format(detail)}."


def _contacts_imported(detail) -> str:
    counts = (
        f"{detail['added']:,} added, {detail['skipped']:,} skipped as already there, {detail['rejected']:,} rejected"
    )
    return f"Imported contacts from {detail['file']}: {counts}."


def _retention_purge(detail) -> str:
    deleted = f"{_plural(int(detail['contacts']), 'contact')} and {_plural(int(detail['numbers']), 'number')}"
    return f"Deleted {deleted} from before {day(detail['cutoff'])}, past the retention period."


def _number_status_changed(detail) -> str:
    return f"Changed a number's status from {_words(detail['from']).lower()} to {_words(detail['to']).lower()}."


def _role_changed(detail) -> str:
    return f"Changed the role of {detail['member']} from {_role(detail['from'])} to {_role(detail['to'])}."


def _refused(what: str) -> Callable[[Mapping[str, Any]], str]:
    """The sentence of a request a limit refused; `what` names it, with {numbers} for how many numbers."""
    return lambda d: f"{what.format(numbers=_plural(int(d['numbers']), 'number'))} was refused by a limit."


# A fixed sentence, a sentence with {fields} of the detail, or a function of the detail.
SENTENCES: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    "lookup": _lookup,
    "lookup.number": lambda d: f"Looked up one number of a list: {OUTCOME_WORDS.get(d['outcome'], d['outcome'])}.",
    "lookup.exported": _lookup_exported,
    "lookup.evidence_report": "Opened the evidence report of a looked-up number.",
    "screening.uploaded": lambda d: f"Uploaded {_upload(d)} to check its columns; nothing was screened yet.",
    "screening.upload_cancelled": lambda d: f"Cancelled the upload of {_upload(d)}: deleted, never screened.",
    "screening.created": _screening_created,
    "screening.done": _screening_done,
    "screening.failed": lambda d: f"{_capital(_screening(d))} failed: {d['error']}",
    "screening.results_viewed": lambda d: f"Opened the results of {_screening(d)}.",
    "screening.exported": _screening_exported,
    "screening.evidence_report": lambda d: f"Opened the evidence report of row {int(d['row']):,} of {_screening(d)}.",
    "screening.deleted": lambda d: f"Deleted {_screening(d)} and its results.",
    "screening.purged": lambda d: f"Deleted {_plural(int(d['count']), 'screening')} past their retention period.",
    "monitoring.watch_started": lambda d: (
        f"Started watching {_plural(int(d['numbers']), 'number')} of {_screening(d)}."
    ),
    "monitoring.watch_stopped": "Stopped watching {name}.",
    "monitoring.alert": "A watched number had a new contact: an alert was raised.",
    "monitoring.alert_reviewed": "Marked an alert as reviewed.",
    "monitoring.alerts_viewed": "Opened the alerts.",
    "member.invited": lambda d: f"Invited {d['email']} as {_role(d['role'])}.",
    "member.invitation_resent": "Sent the invitation to {email} again.",
    "member.invitation_revoked": "Withdrew the invitation to {email}.",
    "member.joined": lambda d: f"Joined the organization as {_role(d['role'])}.",
    "member.role_changed": _role_changed,
    "member.removed": "Removed {member} from the organization.",
    "api_key.created": "Made API key {key}… for {member}.",
    "api_key.revoked": "Revoked API key {key}… of {member}.",
    "auth.login": "Logged in.",
    "auth.logout": "Logged out.",
    "auth.login_failed": lambda d: f"A log-in as {d['email'] or 'an empty address'} failed.",
    "auth.second_factor_passed": "Entered a correct second-factor code.",
    "auth.second_factor_failed": "Entered a wrong second-factor code.",
    "auth.second_factor_enrolled": "Set up two-factor sign-in.",
    "org.access_requested": "Asked for access for the domain {domain}.",
    "org.access_requested_again": "Asked again for access for the domain {domain}, which already has an organization.",
    "org.approved": "Staff approved the organization.",
    "org.suspended": "Staff suspended the organization: its members and API keys are blocked.",
    "org.rejected": "Staff rejected the organization's access request.",
    "dispute.refused": "A request for a dispute code was refused by a limit.",
    "dispute.code_sent": "A code to confirm a dispute was texted to the number.",
    "dispute.code_refused": "A wrong or expired dispute code was entered.",
    "dispute.filed": "A dispute was filed.",
    "dispute.accepted": "Staff accepted a dispute for review.",
    "dispute.removed": "Staff resolved a dispute: the number was removed from the directory.",
    "dispute.relisted": "Staff resolved a dispute: the listing was kept.",
    "dispute.not_listed": "Staff closed a dispute: the number was not in the directory.",
    "directory.contact_added": "Added a contact to the directory.",
    "directory.contact_changed": "Changed a contact in the directory.",
    "directory.contact_deleted": "Deleted a contact from the directory.",
    "directory.number_added": "Added a number to the directory.",
    "directory.number_status_changed": _number_status_changed,
    "directory.operation_added": lambda d: f"Added the operation “{d.get('name', d['operation'])}”.",
    "directory.operation_changed": "Changed the operation “{name}”.",
    "directory.contacts_import_queued": "Queued an import of contacts from {file}.",
    "directory.contacts_imported": _contacts_imported,
    "directory.import_report_exported": "Downloaded the report of a contact import.",
    "directory.retention_purge": _retention_purge,
    "statistics.exported": lambda d: f"Downloaded the chart “{d['chart'].replace('-', ' ')}” as CSV.",
    "lookup.refused": _refused("A lookup of {numbers}"),
    "screening.refused": "An upload was refused by a limit.",
    "private_screening.setup_downloaded": "Downloaded the private-screening set-up.",
    "private_screening.request": lambda d: f"Sent {_plural(int(d['numbers']), 'number')} blinded to private screening.",
    "private_screening.confirmed": lambda d: f"Confirmed the hits of a private screening: {_counts(d['counts'])}.",
    "private_screening.request_refused": _refused("A private screening of {numbers}"),
    "private_screening.confirm_refused": _refused("Confirming {numbers}"),
}

LABELS = {
    "lookup": "Lookup",
    "lookup.number": "Lookup of one number in a list",
    "api_key.created": "API key made",
    "api_key.revoked": "API key revoked",
    "auth.login": "Log-in",
    "auth.logout": "Log-out",
    "auth.login_failed": "Failed log-in",
    "monitoring.alert": "Alert",
}
