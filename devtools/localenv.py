"""The environment the app runs with locally: the "local" stage, dummy credentials, the emulator."""

from __future__ import annotations

import json
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def local_environment(endpoint: str) -> dict[str, str]:
    """Return the local stage's variables from .chalice/config.json, with dummy
    credentials and every AWS client pointed at ``endpoint``, so nothing reaches AWS."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    env = dict(config["environment_variables"])
    env.update(config["stages"]["local"]["environment_variables"])
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ENDPOINT_URL=endpoint,
    )
    return env
