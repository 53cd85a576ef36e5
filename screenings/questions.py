"""What the screening page asks before it deletes a screening."""

from lib.confirm import Question


def screening_deletion(screening) -> Question:
    return Question(
        title="Delete this screening?",
        text=f"The results of {screening.filename} are deleted for good, for everyone in your organization. "
        "The audit log keeps a record that you deleted them.",
        button="Delete screening",
    )
