"""``python -m rnlib.nlvr ...``: see :mod:`rnlib.nlvr.cli`."""

import sys

from .cli import main

sys.exit(main())
