"""blogctl: the authors' and operators' command (setup, policies, errors, reconcile, ...).

It runs from the checkout, beside the app it manages. Only this package is installed
(the console script); chalicelib/ is not, since Chalice ships it to Lambda. So the
checkout joins the end of the import path, where a process's own copy still wins.
"""

import sys
from pathlib import Path

_CHECKOUT = str(Path(__file__).resolve().parent.parent)
if _CHECKOUT not in sys.path:
    sys.path.append(_CHECKOUT)
