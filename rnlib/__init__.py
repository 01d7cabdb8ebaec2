"""rnlib: the library behind the Relation Network notebook series.

Modules, in the order data flows through them (a lower layer never imports a higher one):

- ``rnlib.data``: NLVR files (real and synthetic), the image renderer, splits and leakage checks.
- ``rnlib.runner``: executes the notebooks (full parameters in place, or QUICK mode into build/).

``python3 -m rnlib series`` and ``python3 -m rnlib test`` are the two quick-start commands of README.md.
"""

__version__ = "0.1.0"
