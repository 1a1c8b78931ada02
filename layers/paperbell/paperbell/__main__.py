"""``python -m paperbell`` is the ``paperbell`` console script."""

from paperbell.cli import main

raise SystemExit(main())
