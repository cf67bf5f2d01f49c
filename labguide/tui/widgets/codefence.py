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

from typing import Any

from markdown_it.token import Token
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import Mount
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Markdown
from textual.widgets._markdown import MarkdownFence

from labguide.scenario.aws_cli import run_target

CONTINUATION = "↪ "  # starts each line a long line wraps onto


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


class FoldedCode(Label):
    """A fence's code folded (wrap_code) to the width the layout gives it: its height is
    the folded line count for that width, measured in that same layout. Folding after
    the fence was laid out meant a second layout of the whole step text for every text
    shown (and heights set by hand, or the last folded line was cut off)."""

    def __init__(self, code: Content, **kwargs: Any) -> None:
        super().__init__(code, **kwargs)
        self.code = code
        self._folded: tuple[int | None, Content] = (None, code)

    def set_code(self, code: Content) -> None:
        self.code, self._folded = code, (None, code)
        self.update(code)  # measured again: a layout

    def folded(self, width: int) -> Content:
        if self._folded[0] != width:
            self._folded = (width, wrap_code(self.code, width))
        return self._folded[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.folded(width).plain.count("\n") + 1 if width > 0 else 0

    def render(self) -> Content:
        width = self.content_region.width
        return self.folded(width) if width > 0 else self.code


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

    def compose(self) -> ComposeResult:
        yield FoldedCode(self._highlighted_code, id="code-content", expand=True)

    def set_content(self, content: Content) -> None:
        self._content = content
        for code in self.query("#code-content").results(FoldedCode):
            code.set_code(content)

    def action_copy_code(self) -> None:
        code = self.code.strip("\n")
        self.app.copy_to_clipboard(code)
        first = code.splitlines()[0] if code else ""
        shown = first[:60] + (" …" if len(first) > 60 or "\n" in code else "")
        self.notify(shown, title="Copied to the clipboard")


SYNC_PARSE_CHARS = 20_000  # a guide's text up to this size is parsed on the app's thread


class GuideMarkdown(Markdown):
    """The guide's Markdown: code blocks are CodeFences, and a text of a step's size comes
    with its blocks already built (composed with the widget, like any container).

    Textual's Markdown mounts empty, parses its text in a thread and mounts its blocks
    afterwards: for a step's few KB the thread hop and the separate mount cost more than
    the parse (~2 ms), and the text came one layout and one frame after the widget, with
    the question cards below it in another. A longer text is still parsed in the thread.
    Either way a TableOfContentsUpdated says the blocks are mounted."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}

    def compose(self) -> ComposeResult:
        source = self._initial_markdown
        if source is not None and len(source) <= SYNC_PARSE_CHARS:
            self._initial_markdown = None
            self._markdown = source
            lines = source.splitlines()
            self._last_parsed_line = len(lines) - (1 if lines and lines[-1] else 0)
            yield from self._build_from_source(source)

    def _on_mount(self, event: Mount) -> None:
        if self._initial_markdown is not None or not self._markdown:
            return  # not built in compose: Markdown's own mount parses it in its thread
        # Textual calls each class's handler in turn: Markdown's would parse it again
        event.prevent_default()
        Widget._on_mount(self, event)
        self._theme = self.app.theme  # as Markdown.update records it
        self.post_message(Markdown.TableOfContentsUpdated(
            self, self.table_of_contents).set_sender(self))
