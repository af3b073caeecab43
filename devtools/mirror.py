"""Keeps a copy of the local bucket on disk, so `make run` data survives a restart.

moto keeps everything in memory. S3 is the source of truth and DynamoDB is derived
from it, so mirroring the bucket is enough: on start the files are uploaded again and
ingest rebuilds the table through the normal S3 event path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from chalicelib.bucket import is_clean_key

_META_SUFFIX = ".s3meta.json"


class BucketMirror:
    """Mirror objects of one bucket into a directory."""

    def __init__(self, s3: Any, bucket: str, directory: Path) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._root = directory.resolve()

    def record(self, event_record: dict[str, Any]) -> None:
        """Apply one S3 event record to the mirror."""
        key = unquote_plus(event_record["s3"]["object"]["key"])
        path = self._path(key)
        if path is None:
            return
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError:
            path.unlink(missing_ok=True)
            Path(f"{path}{_META_SUFFIX}").unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(response["Body"].read())
        meta = {
            "published": response["Metadata"].get("published")
            or response["LastModified"].isoformat()
        }
        Path(f"{path}{_META_SUFFIX}").write_text(json.dumps(meta), encoding="utf-8")

    def has_content(self) -> bool:
        """Tell whether a previous run left mirrored objects."""
        return self._root.is_dir() and any(self._files())

    def restore(self) -> int:
        """Upload every mirrored object again, keeping its first publication time."""
        count = 0
        for path in self._files():
            meta_path = Path(f"{path}{_META_SUFFIX}")
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
            key = path.relative_to(self._root).as_posix()
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=path.read_bytes(), Metadata=meta)
            count += 1
        return count

    def _files(self) -> list[Path]:
        return sorted(
            p for p in self._root.rglob("*") if p.is_file() and not p.name.endswith(_META_SUFFIX)
        )

    def _path(self, key: str) -> Path | None:
        # posts/../errors/x is a key of its own in S3: mirrored, it would land elsewhere.
        if not is_clean_key(key):
            return None
        path = (self._root / key).resolve()
        return path if path.is_relative_to(self._root) and path != self._root else None
