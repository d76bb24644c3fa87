"""``python -m grapheme_lab``: see ``grapheme_lab.cli``."""

import sys

from grapheme_lab.cli import main

if __name__ == "__main__":
    sys.exit(main())
