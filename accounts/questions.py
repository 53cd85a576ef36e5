"""What the members and API key pages ask before they remove a member or revoke a key."""

from lib.confirm import Question


def member_removal(membership) -> Question:
    return Question(
        title=f"Remove {membership.user.email}?",
        text=f"They lose access to {membership.organization} at once, and their API keys stop working. "
        "To bring them back, invite them again.",
        button="Remove member",
    )


def key_revocation(api_key) -> Question:
    return Question(
        title=f"Revoke key {api_key.prefix}…?",
        text=f"Programs that use the key “{api_key.name}” of {api_key.user.email} stop working at once. "
        "A revoked key cannot be turned back on.",
        button="Revoke key",
    )
