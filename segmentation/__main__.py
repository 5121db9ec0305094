"""`python -m segmentation`: the same as the `segmentation` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
