"""The one place settings read the environment (STYLE R31).

``FileAwareEnv`` makes every ``X`` readable from ``X_FILE`` too, so Docker and
Kubernetes secrets work without extra code.
"""

from __future__ import annotations

import environ

env = environ.FileAwareEnv()
