"""`python -m labguide` runs the same command line as the `labguide` script."""

from labguide.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
