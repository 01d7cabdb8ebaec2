"""``python -m rnlib.sort_of_clevr ...``: see :mod:`rnlib.sort_of_clevr.cli`."""

import sys

from .cli import main

sys.exit(main())
