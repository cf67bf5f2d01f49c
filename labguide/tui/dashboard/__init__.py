"""The instructor's dashboard (`labguide class watch`)."""
