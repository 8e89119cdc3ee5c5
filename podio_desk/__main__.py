"""`python -m podio_desk` runs the command line entry point."""

from podio_desk.cli import main

raise SystemExit(main())
