"""Scenario markdown as widgets: markdown runs, and callouts (`::: tip Title` … `:::`) as
titled boxes. Used by the step text and the closing text alike."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label

CALLOUT_LABELS = {"info": "ℹ Note", "tip": "★ Tip", "question": "? Think about it",
                  "warning": "⚠ Warning"}


def markdown_blocks(markdown: str) -> list[Widget]:
    """The widgets showing `markdown`: a Markdown per run of text, a `.callout` box (classes
    `callout callout-<kind>`, title in `.callout-title`) per callout. Links never open."""
    from labguide.scenario import split_callouts
    from labguide.tui.widgets.codefence import GuideMarkdown as Markdown  # not at startup

    widgets: list[Widget] = []
    for block in split_callouts(markdown):
        if block.kind == "markdown":
            widgets.append(Markdown(block.text, open_links=False))
            continue
        title = CALLOUT_LABELS.get(block.kind, block.kind)
        if block.title:
            title = f"{title}: {block.title}"
        widgets.append(Vertical(Label(Text(title), classes="callout-title"),
                                Markdown(block.text, open_links=False),
                                classes=f"callout callout-{block.kind}"))
    return widgets
