"""Read a site's sitemaps as a crawler does: the index, then every sitemap it names."""

from __future__ import annotations

from urllib.parse import urlsplit

import xmlschema
from chalice.test import Client

from tests.helpers.local import FIXTURES

SCHEMA = xmlschema.XMLSchema(str(FIXTURES / "sitemap.xsd"))


def sitemap_files(client: Client, host: str = "localhost") -> dict[str, str]:
    """Return every sitemap document by path, each checked against the protocol's schema."""
    headers = {"Host": host}
    index = client.http.get("/sitemap.xml", headers=headers)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("application/xml")
    SCHEMA.validate(index.body.decode())
    files = {"/sitemap.xml": index.body.decode()}
    for entry in SCHEMA.to_dict(index.body.decode())["sitemap"]:
        path = urlsplit(entry["loc"]).path
        response = client.http.get(path, headers=headers)
        assert response.status_code == 200, path
        SCHEMA.validate(response.body.decode())
        files[path] = response.body.decode()
    return files


def sitemap_locations(client: Client, host: str = "localhost") -> list[str]:
    """Return the page URLs of every sitemap the index names, in order."""
    files = sitemap_files(client, host)
    return [
        url["loc"]
        for path, body in files.items()
        if path != "/sitemap.xml"
        for url in SCHEMA.to_dict(body).get("url", [])
    ]
