"""Entry point of ``python -m azrm.emulator``."""

import sys

from ._cli import main

sys.exit(main())
