"""``python -m paperbell`` is the ``paperbell`` console script."""

from paperbell_dev.cli import main

raise SystemExit(main())
