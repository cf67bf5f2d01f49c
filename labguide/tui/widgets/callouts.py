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
    return [block for block, _ in markdown_parts(markdown)]


def markdown_parts(markdown: str) -> list[tuple[Widget, Widget]]:
    """markdown_blocks, each with the Markdown document it holds (the block itself, or the
    one inside its callout box): a document's TableOfContentsUpdated says it is mounted."""
    from labguide.scenario import split_callouts
    from labguide.tui.widgets.codefence import GuideMarkdown as Markdown  # not at startup

    parts: list[tuple[Widget, Widget]] = []
    for block in split_callouts(markdown):
        document = Markdown(block.text, open_links=False)
        if block.kind == "markdown":
            parts.append((document, document))
            continue
        title = CALLOUT_LABELS.get(block.kind, block.kind)
        if block.title:
            title = f"{title}: {block.title}"
        parts.append((Vertical(Label(Text(title), classes="callout-title"), document,
                               classes=f"callout callout-{block.kind}"), document))
    return parts
