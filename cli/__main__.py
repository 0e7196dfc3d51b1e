"""``python -m cli`` runs the ``arshif`` command."""

from cli.main import main

main()
