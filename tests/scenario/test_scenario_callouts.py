"""split_callouts for display, callout_problems for validation."""

from __future__ import annotations

from labguide.scenario import Block, split_callouts
from labguide.scenario.callouts import callout_problems


def test_markdown_and_callouts_in_order():
    text = "# Title\n\nIntro.\n\n::: tip Where to look\nThe **alerts** pane.\n:::\n\nAfter.\n"
    assert split_callouts(text) == [
        Block("markdown", "# Title\n\nIntro.", None),
        Block("tip", "The **alerts** pane.", "Where to look"),
        Block("markdown", "After.", None),
    ]
    assert callout_problems(text) == []


def test_every_kind_and_no_title():
    for kind in ("info", "tip", "question", "warning"):
        assert split_callouts(f"::: {kind}\nbody\n:::") == [Block(kind, "body", None)]


def test_fences_inside_code_blocks_are_text():
    text = "::: info\n```\n:::\n```\n:::\n~~~~\n::: tip\n~~~~\n"
    blocks = split_callouts(text)
    assert blocks == [Block("info", "```\n:::\n```", None),
                      Block("markdown", "~~~~\n::: tip\n~~~~")]
    assert callout_problems(text) == []


def test_lenient_display_and_strict_problems():
    text = "::: danger\nx\n:::\n::: tip\n::: warning\ny\n"
    blocks = split_callouts(text)
    assert blocks[0] == Block("markdown", "::: danger\nx\n:::", None)
    assert blocks[1].kind == "tip" and "::: warning" in blocks[1].text
    assert [line for line, _ in callout_problems(text)] == [1, 3, 5, 4]


def test_blank_text_makes_no_block():
    assert split_callouts("") == []
    assert split_callouts("\n\n::: info\n:::\n\n") == [Block("info", "", None)]
