"""The shared kernel: rules every app uses (numbers, limits, file reading, errors).

Nothing here imports a project app. `phone`, `tabular` and `phone_lists` do not need
Django at all, so the private-screening client reads files exactly as the server does.
"""
