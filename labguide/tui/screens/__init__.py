"""The app's screens: picker, lab, help, and the small modal dialogs."""
