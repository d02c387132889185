"""The gate's one exception, shared by everything that reads or translates shapes and queries.

Anything the fast engine cannot translate faithfully raises :class:`Unsupported` with a
reason; the backend then routes that shape to the reference engine instead of skipping it.
"""


class Unsupported(Exception):
    """Raised while reading a shape the compiler will not translate."""
