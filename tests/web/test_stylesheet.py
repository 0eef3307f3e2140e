"""The site's stylesheet parses as its authors meant: every phone-width block is closed.

One ``@media (max-width: 640px) {`` left open (three were, after merging the console's
branches) swallows every rule after it, so the desktop console lost its queue, petition,
oversight and dashboard styles while every phone-width test still passed."""

from pathlib import Path

import tinycss2

SITE_CSS = Path(__file__).parents[2] / "service" / "static" / "web" / "site.css"


def test_every_media_block_is_closed_and_nothing_is_nested() -> None:
    sheet = tinycss2.parse_stylesheet(
        SITE_CSS.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    errors = [rule.message for rule in sheet if rule.type == "error"]
    assert not errors
    blocks = [rule for rule in sheet if rule.type == "at-rule" and rule.at_keyword == "media"]
    # As many blocks at the top level as the file opens: none is inside another.
    assert len(blocks) == SITE_CSS.read_text(encoding="utf-8").count("@media")
    for block in blocks:
        inner = tinycss2.parse_rule_list(block.content, skip_comments=True, skip_whitespace=True)
        assert all(rule.type == "qualified-rule" for rule in inner), tinycss2.serialize(
            block.prelude
        )
