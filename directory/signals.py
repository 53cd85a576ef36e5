"""What the directory tells the apps above it, without importing them (they connect receivers)."""

from django.dispatch import Signal

# Sent once new contacts are committed, with `contact_ids`: apps that watch numbers are told.
contacts_added = Signal()

# Sent by `manage.py purge_expired` with `dry_run`: each receiver deletes its own expired data (or only
# counts it) and returns a phrase for the report, such as "3 expired screening(s)".
purge_requested = Signal()

# Sent once a number's status change is committed, with `number_id`: apps that keep a copy of the
# listed numbers (the private-screening set-up) rebuild it.
number_status_changed = Signal()
