"""Stages: their environment in .chalice/config.json, and the AWS endpoint each one lives at."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from chalicelib.config import Settings, load_settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The stage `make run` serves (devtools/run_local.py); it is never deployed.
LOCAL_STAGE = "local"
LOCAL_HOST = "127.0.0.1"
LOCAL_REGION = "us-east-1"


class UnknownStage(LookupError):
    """The stage is not in .chalice/config.json."""


def config_path(project_dir: Path = PROJECT_DIR) -> Path:
    """Return the path of the Chalice config that holds every stage."""
    return project_dir / ".chalice" / "config.json"


def read_config(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Return the Chalice config as written."""
    config: dict[str, Any] = json.loads(config_path(project_dir).read_text(encoding="utf-8"))
    return config


def stage_environment(stage: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Return the variables Chalice sets on a stage's functions: shared, then the stage's."""
    config = read_config(project_dir)
    stages = config.get("stages", {})
    if stage not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise UnknownStage(
            f"stage {stage!r} is not in {config_path(project_dir)} (stages: {known})"
        )
    return {
        **config.get("environment_variables", {}),
        **stages[stage].get("environment_variables", {}),
    }


def stage_settings(stage: str, project_dir: Path = PROJECT_DIR) -> Settings:
    """Read a stage's settings the way its functions do; the config wins over the shell's."""
    return load_settings({**os.environ, **stage_environment(stage, project_dir)})


def local_endpoint() -> str:
    """Return the emulator endpoint `make run` serves (MOTO_PORT, as there, else 4566)."""
    return f"http://{LOCAL_HOST}:{os.environ.get('MOTO_PORT', '4566')}"


@dataclass(frozen=True)
class Target:
    """Where blogctl works: a stage, and the endpoint its AWS resources answer at.

    ``endpoint_url`` None means AWS itself, with the caller's credentials and region.
    """

    stage: str
    endpoint_url: str | None
    project_dir: Path = PROJECT_DIR

    @classmethod
    def choose(
        cls, stage: str | None, endpoint_url: str | None, project_dir: Path = PROJECT_DIR
    ) -> Target:
        """Return the local stack without a stage (or for "local"), else the stage in AWS."""
        if stage is None or stage == LOCAL_STAGE:
            return cls(LOCAL_STAGE, endpoint_url or local_endpoint(), project_dir)
        return cls(stage, endpoint_url, project_dir)

    @property
    def is_local(self) -> bool:
        """Say whether this is the local stack's stage, which is never deployed."""
        return self.stage == LOCAL_STAGE

    def session(self) -> Any:
        """Return a boto3 session; an emulator gets dummy credentials unless some are set."""
        if self.endpoint_url is None:
            return boto3.session.Session()
        # An emulator takes any credentials, so a newcomer needs none. Never look further
        # (profiles, instance metadata): that could leave this machine.
        return boto3.session.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            region_name=os.environ.get("AWS_DEFAULT_REGION", LOCAL_REGION),
        )

    def client(self, service: str, session: Any = None) -> Any:
        """Return a client of ``service`` at this target's endpoint."""
        return (session or self.session()).client(service, endpoint_url=self.endpoint_url)

    def settings(self) -> Settings:
        """Return the stage's settings as its functions read them."""
        settings = stage_settings(self.stage, self.project_dir)
        # What blogctl publishes (the layout, comments) is rendered in the stage's language,
        # which the publishing code reads from the environment, as the stage's functions do.
        os.environ["SITE_LANGUAGE"] = settings.language.tag
        return settings
