"""The public address of a stage's blog: where a published post can be read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from blogctl.stages import LOCAL_HOST, Target, stage_environment


def site_url(target: Target) -> str:
    """Return the blog's public base URL, without a trailing slash.

    SITE_URL (plus BASE_PATH) from the stage's config wins; else the API URL Chalice recorded in
    .chalice/deployed/<stage>.json; else, for the local stack, the site `make run` serves
    (PORT, as there, else 8000). A stage with neither is an error: it is not deployed.
    """
    environment = stage_environment(target.stage, target.project_dir)
    configured = environment.get("SITE_URL", "").rstrip("/")
    if configured:
        # SITE_URL is an origin; a base path mapping (BASE_PATH) comes after it.
        return configured + environment.get("BASE_PATH", "").rstrip("/")
    deployed = deployed_api_url(target.project_dir, target.stage)
    if deployed:
        return deployed.rstrip("/")
    if target.is_local:
        return f"http://{LOCAL_HOST}:{os.environ.get('PORT', '8000')}"
    raise LookupError(
        f"stage {target.stage!r} has no SITE_URL and is not deployed "
        f"(no .chalice/deployed/{target.stage}.json): chalice deploy --stage {target.stage}"
    )


def deployed_api_url(project_dir: Path, stage: str) -> str:
    """Return the REST API URL of a deployed stage, "" if Chalice recorded none."""
    path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
    try:
        recorded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    for resource in recorded.get("resources", []):
        if isinstance(resource, dict) and resource.get("resource_type") == "rest_api":
            return str(resource.get("rest_api_url", ""))
    return ""


def public_url(base: str, path: str) -> str:
    """Join the base URL and a site path (``/2024/05/hello/``)."""
    return base.rstrip("/") + path
