"""The lab, without its interface: one learner's session, the account it reaches, the
options the app is built from, the guard every account change passes, and the reads the
panes and the check rounds share. Textual-free (an import contract), so the participant
app, the instructor's dashboard and the CLI build on the same pieces, and each is tested
without a screen."""
