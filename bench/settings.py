"""The product's settings plus the benchmark's URLs, so the floor endpoint never ships.

A settings override is the one place a star import is the clearest way to say
"everything as in production, except this".
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
