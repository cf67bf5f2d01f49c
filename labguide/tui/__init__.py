"""The Textual interface: screens, widgets, live panes and their stylesheet."""
