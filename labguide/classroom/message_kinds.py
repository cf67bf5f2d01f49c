"""The kinds of the class server's messages to a participant's app: one list for the server
that writes them and the app that acts on them (a plain message is only shown)."""

MESSAGE = "message"  # the instructor's text, to one seat or to everyone
HINT = "hint"  # the next hint of the seat's step, pushed by the instructor
RESET = "reset"  # the seat's account was brought back to a step's start
HELP_ANSWERED = "help-answered"  # the instructor saw the raised hand: it goes down
SOLVED = "solved"  # the instructor solved a step; data: {"step", "answers": {question: text}}

KINDS = (MESSAGE, HINT, RESET, HELP_ANSWERED, SOLVED)
