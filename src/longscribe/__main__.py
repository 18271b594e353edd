"""``python -m longscribe`` = the ``longscribe`` command."""

import sys

from longscribe.cli.main import main

sys.exit(main())
