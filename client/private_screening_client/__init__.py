"""The private-screening client: checks a company phone list against the directory while every number
that is not listed stays on this machine (SPEC section 4)."""
