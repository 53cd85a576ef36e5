"""What the screening page asks before it deletes a screening."""

from lib.confirm import Question


def screening_deletion(screening) -> Question:
    gone = f"The results of {screening.filename} are deleted for good, for everyone in your organization."
    kept = "The audit log keeps a record that you deleted them."
    return Question("Delete this screening?", f"{gone} {kept}", "Delete screening")
