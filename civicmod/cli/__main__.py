"""``python -m civicmod.cli``: the same as the ``civicmod`` command."""

from civicmod.cli import main

main()
