"""One set of named tokens: every colour is named once in site.css, and a badge looks the same on every page."""

import re

from django.conf import settings

STYLES = settings.BASE_DIR / "static" / "css"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")
TOKEN = re.compile(r"^\s*--[\w-]+\s*:")


def stylesheets():
    return sorted(STYLES.glob("*.css"))


def test_colours_are_written_only_as_site_tokens():
    for path in stylesheets():
        for line in path.read_text().splitlines():
            if path.name == "site.css" and TOKEN.match(line):
                continue
            assert not COLOUR.search(line), f"{path.name}: {line.strip()}"


def test_badges_are_styled_in_site_css_alone():
    styled = {path.name for path in stylesheets() if re.search(r"\.badge\b", path.read_text())}
    assert styled == {"site.css"}
