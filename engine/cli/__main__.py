"""`python -m engine.cli ...`: the same as the `engine` script."""

from engine.cli import main

if __name__ == "__main__":
    main()
