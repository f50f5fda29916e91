"""The installed `subsample` as a user would run it: its bytecode compiled, as `pip install`
leaves it (an editable install under PYTHONDONTWRITEBYTECODE would compile its modules again
in every measured run)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path


def subsample_exe() -> str:
    exe = shutil.which("subsample") or sys.exit("install subsample first: pip install .")
    spec = importlib.util.find_spec("subsample")
    if spec is not None and spec.origin:
        package = str(Path(spec.origin).parent)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", package], env=env, check=True)
    return exe
