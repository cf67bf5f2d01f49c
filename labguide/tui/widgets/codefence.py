"""Code blocks a learner can read whole and copy: the guide's commands are long.

Textual's fence scrolls sideways only with a mouse and shows no scrollbar, so a command
wider than the text column was cut off for good (a newcomer could not see the end of
step 6's curl command). A CodeFence takes the focus (Tab, click), scrolls with ←/→,
Home/End, shows a scrollbar when it is wider than the column, and copies its code with
y, exactly as written (never wrapped, so a pasted command runs).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownFence


class CodeFence(MarkdownFence, can_focus=True):
    DEFAULT_CSS = """
    CodeFence {
        scrollbar-size-horizontal: 1;
    }
    CodeFence:focus {
        background-tint: $foreground 8%;
    }
    """
    BINDINGS = [
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("home", "scroll_home", "Start of line", show=False),
        Binding("end", "scroll_end", "End of line", show=False),
        Binding("y", "copy_code", "Copy command"),
    ]

    def action_scroll_home(self) -> None:
        self.scroll_to(x=0, animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_to(x=self.max_scroll_x, animate=False)

    def action_copy_code(self) -> None:
        code = self.code.strip("\n")
        self.app.copy_to_clipboard(code)
        first = code.splitlines()[0] if code else ""
        shown = first[:70] + (" …" if len(first) > 70 or "\n" in code else "")
        self.notify(shown, title="Copied to the clipboard")


class GuideMarkdown(Markdown):
    """The guide's Markdown: code blocks are CodeFences."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}
