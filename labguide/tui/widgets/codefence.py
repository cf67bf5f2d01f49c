"""Code blocks a learner can read whole and copy: the guide's commands are long.

Textual's fence cuts a line wider than the text column (it scrolls sideways only with a
mouse, with no scrollbar): a newcomer never saw the end of step 6's curl command, even
zoomed, and did not find the sideways scroll. A CodeFence wraps every line to the width
it has, each continuation starting with a dim `↪ `, so the whole text is on screen at
80 columns and wider; `y` copies the code exactly as written (unwrapped, no marks), so a
pasted command runs. It takes the focus (Tab, click) to be copied.

A runnable block (```sh run=shell, ```sh run=aws; labguide.scenario.aws_cli) carries a
title saying where Enter runs it; Enter asks the screen (RunRequested) to send it to the
shell pane or to run it on the lab's account through the action guard.
"""

from __future__ import annotations

from markdown_it.token import Token
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, Markdown
from textual.widgets._markdown import MarkdownFence

from labguide.scenario.aws_cli import run_target

CONTINUATION = "↪ "  # starts each line a long line wraps onto
PADDING = 2  # the fence's Label pads its code by 2 cells on each side (Textual's CSS)


def wrap_code(code: Content, width: int) -> Content:
    """`code` with every line longer than `width` cells folded onto lines that start with
    CONTINUATION; removing the marks and those line breaks gives `code` back."""
    if width <= len(CONTINUATION) + 1:
        return code
    mark = Content.styled(CONTINUATION, "dim")
    out: list[Content] = []
    for line in code.split("\n", allow_blank=True):
        room = width
        while line.cell_length > room:
            cut = _fold_at(line.plain, room)
            head, line = line.divide([cut])
            out.append(head if room == width else mark + head)
            room = width - len(CONTINUATION)
        out.append(line if room == width else mark + line)
    return Content("\n").join(out)


def _fold_at(text: str, room: int) -> int:
    """Where to fold `text` to fit `room`: before its last space there, so a word stays
    whole and the space shows at the start of the next line (a space left at the end of
    a line cannot be seen); a hard cut when no space is near."""
    space = text.rfind(" ", room // 2, room + 1)
    return space if space > 0 else room


def unwrap_code(shown: str) -> str:
    """The code a wrapped fence shows, marks and fold breaks taken out (tests)."""
    return shown.replace("\n" + CONTINUATION, "")


RUN_TITLES = {"shell": "▶ Enter: run in the instance shell",
              "aws": "▶ Enter: run on the lab's account (AWS CLI)"}


class CodeFence(MarkdownFence, can_focus=True):
    DEFAULT_CSS = """
    CodeFence {
        overflow: hidden hidden;
        & > #code-content {
            width: 1fr;  /* the fence's width, not the longest line's */
        }
    }
    CodeFence:focus {
        background-tint: $foreground 8%;
    }
    CodeFence.-runnable {
        border-top: wide $accent 60%;
        border-title-color: $text-accent;
        border-title-style: bold;
    }
    """
    BINDINGS = [
        Binding("y", "copy_code", "Copy command"),
        Binding("enter", "run_block", "Run block"),
    ]

    class RunRequested(Message):
        """Run this block (```sh run=shell / run=aws): the screen sends it where it goes."""

        def __init__(self, fence: CodeFence, run: str, code: str) -> None:
            super().__init__()
            self.fence, self.run, self.code = fence, run, code

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        super().__init__(markdown, token, code)
        self._wrapped_at: int | None = None
        # ```sh run=shell: the language is the first word, `run=` says where it runs
        self.run = run_target(token.info)
        if self.run in RUN_TITLES:
            self.add_class("-runnable")
            self.border_title = RUN_TITLES[self.run]

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False,
                  dark: bool = False) -> Content:
        words = (language or "").split()
        return super().highlight(code, words[0] if words else "", ansi, dark)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_block":
            return self.run in RUN_TITLES
        return True

    def action_run_block(self) -> None:
        if self.run in RUN_TITLES:
            self.post_message(self.RunRequested(self, self.run, self.code.strip("\n")))

    @property
    def allow_horizontal_scroll(self) -> bool:
        return False  # every line is wrapped to the width: nothing to scroll to

    def code_width(self) -> int:
        """The cells a line of code has: the fence's width less the label's padding."""
        return self.size.width - 2 * PADDING

    def on_resize(self) -> None:
        self._rewrap()

    def set_content(self, content: Content) -> None:
        self._wrapped_at = None
        super().set_content(content)
        self._rewrap()

    def _rewrap(self) -> None:
        width = self.code_width()
        labels = list(self.query("#code-content").results(Label))
        if width <= 0 or width == self._wrapped_at or not labels:
            return  # not laid out (or composed) yet: its resize comes
        self._wrapped_at = width
        wrapped = wrap_code(self._highlighted_code, width)
        lines = wrapped.plain.count("\n") + 1
        for label in labels:
            label.update(wrapped)
            # Its height, set: an update made during a resize did not re-measure it, and
            # the last folded line was cut off.
            padding = label.styles.padding
            label.styles.height = lines + padding.top + padding.bottom

    def on_mount(self) -> None:
        self.call_after_refresh(self._rewrap)

    def action_copy_code(self) -> None:
        code = self.code.strip("\n")
        self.app.copy_to_clipboard(code)
        first = code.splitlines()[0] if code else ""
        shown = first[:60] + (" …" if len(first) > 60 or "\n" in code else "")
        self.notify(shown, title="Copied to the clipboard")


class GuideMarkdown(Markdown):
    """The guide's Markdown: code blocks are CodeFences."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}
