"""One module per ``mlwa`` sub-command; each exposes ``command`` (a click command).

May import: anything in engine except ui (cli, below them, is the shell commands plug into).
A new sub-command is one module here.
"""
