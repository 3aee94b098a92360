"""Where the checkout, its kgrec home and the shared data folder are (tests only; never the package)."""

from __future__ import annotations

import os
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
EXAMPLE_CSV = REPO / "examples" / "csv"
# the suite's home (jars and the test instance); KGREC_TEST_HOME picks another
HOME = Path(os.environ.get("KGREC_TEST_HOME") or REPO / ".kgrec").resolve()
# the read-only public data (Last.fm, movielens-1m); test.sh passes it as KGREC_DATA_DIR
DATA_DIR = Path(os.environ.get("KGREC_DATA_DIR") or REPO.parent / "shared" / "data").resolve()
