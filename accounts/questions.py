"""What the members and API key pages ask before they remove a member or revoke a key."""

from lib.confirm import Question


def member_removal(membership) -> Question:
    lost = f"They lose access to {membership.organization} at once, and their API keys stop working."
    back = "To bring them back, invite them again."
    return Question(f"Remove {membership.user.email}?", f"{lost} {back}", "Remove member")


def key_revocation(api_key) -> Question:
    stop = f"Programs that use the key “{api_key.name}” of {api_key.user.email} stop working at once."
    return Question(f"Revoke key {api_key.prefix}…?", f"{stop} A revoked key cannot be turned back on.", "Revoke key")
