"""`python -m forgetcheck ...` is the `forgetcheck` command."""
import sys

from forgetcheck.cli import main

sys.exit(main())
