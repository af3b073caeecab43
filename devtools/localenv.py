"""The environment the app runs with locally: the "local" stage, dummy credentials, the emulator."""

from __future__ import annotations

import os

from blogctl.stages import LOCAL_REGION, LOCAL_STAGE, stage_environment


def local_environment(endpoint: str) -> dict[str, str]:
    """Return the local stage's variables from .chalice/config.json, with dummy
    credentials and every AWS client pointed at ``endpoint``, so nothing reaches AWS."""
    env = stage_environment(LOCAL_STAGE)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=LOCAL_REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ENDPOINT_URL=endpoint,
    )
    return env
