"""One module per ``mlwa`` sub-command; each exposes ``command`` (a click command)."""
