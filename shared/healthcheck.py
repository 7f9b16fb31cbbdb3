"""``python -m shared.healthcheck PORT``: exit 0 when the service on PORT reports SERVING.
Used by container health checks, where no grpcurl is installed."""
from __future__ import annotations

import sys
import time

from shared.launcher import wait_serving

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 50051
    sys.exit(0 if wait_serving(port, time.monotonic() + 3) else 1)
