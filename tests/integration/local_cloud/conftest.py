import sys
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "fixtures" / "local_cloud_handlers"
if str(HANDLERS) not in sys.path:
    sys.path.insert(0, str(HANDLERS))
