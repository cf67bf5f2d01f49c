"""The status line fits the width it has and always keeps the time of the last refresh."""

from __future__ import annotations

from rich.text import Text

from labguide.tui.screens.lab import status_text

TARGET = "simulator (ap-southeast-2)"


def test_wide_screens_get_the_full_labels():
    text = status_text(TARGET, Text("… manual (0/2 passed)"), "14:50:01 UTC", 120)
    assert text.plain == ("◆ simulator (ap-southeast-2)  │  checks: … manual (0/2 passed)"
                          "  │  refreshed 14:50:01 UTC")


def test_at_80_columns_the_time_of_the_last_refresh_stays_visible():
    text = status_text(TARGET, Text("… manual (0/2 passed)"), "14:50:01 UTC", 78)
    assert text.cell_len <= 78
    assert text.plain.endswith("↻ 14:50:01")
    assert "… manual (0/2 passed)" in text.plain


def test_a_long_error_gives_way_to_the_time():
    error = Text("⚠ error: cannot reach the endpoint http://127.0.0.1:5000: connection refused")
    text = status_text(TARGET, error, "not yet", 78)
    assert text.cell_len <= 78
    assert text.plain.startswith("◆ simulator (ap-southeast-2) │ ⚠ error: cannot")
    assert text.plain.endswith("↻ not yet")
    assert "…" in text.plain
