"""The deployment package: built by `chalice package`, self-sufficient, and wired right."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore
import dateutil
import jmespath
import pytest
import s3transfer
import six
import urllib3

from blogctl import provision
from chalicelib.i18n import SHIPPED_LANGUAGES
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR, copy_project
from tests.helpers.posts import make_post_markdown

pytestmark = pytest.mark.slow

# What the Lambda Python runtime provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = [boto3, botocore, s3transfer, jmespath, dateutil, urllib3]
MAX_ZIP_BYTES = 5 * 1024 * 1024


# A theme owner's edit, made to the copy packaged (docs/theming.md): the package carries it
# and renders it, though the compiled template cache was not refreshed.
THEME_EDIT = '<p class="theme-edit">Edited in templates/base.html</p>'
STYLE_EDIT = ".theme-edit { color: rebeccapurple; }"


def edit_theme(project: Path) -> Path:
    """Edit the copy's base template and stylesheet as an owner would, without Python."""
    base, style = (
        project / "templates" / "base.html",
        project / "templates" / "static" / "style.css",
    )
    base.write_text(base.read_text().replace("</footer>", f"{THEME_EDIT}\n</footer>", 1))
    style.write_text(style.read_text() + STYLE_EDIT + "\n")
    return project


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run `chalice package --pkg-format terraform` for the dev stage, of an edited theme."""
    root = tmp_path_factory.mktemp("package")
    out = root / "out"
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [str(chalice), "package", "--pkg-format", "terraform", "--stage", "dev", str(out)],
        cwd=edit_theme(copy_project(root / "project")),
        check=True,
        capture_output=True,
    )
    return out


def test_terraform_wires_functions_and_the_bucket_notification(package: Path) -> None:
    resources = json.loads((package / "chalice.tf.json").read_text())["resource"]
    functions = resources["aws_lambda_function"]
    assert set(functions) == set(provision.FUNCTIONS)
    env = functions["on_post_source_changed"]["environment"]["variables"]
    assert env["BUCKET_NAME"] == "chalice-blog-dev-content"
    assert env["TABLE_NAME"] == "chalice-blog-dev"
    [notification] = resources["aws_s3_bucket_notification"].values()
    assert notification["bucket"] == "chalice-blog-dev-content"
    targets = {
        t["lambda_function_arn"].split(".")[1]: (
            t["filter_prefix"],
            t.get("filter_suffix"),
            sorted(t["events"]),
        )
        for t in notification["lambda_function"]
    }
    assert targets == {
        "on_post_source_changed": ("posts/", ".md", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]),
        "on_page_source_changed": ("pages/", ".md", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]),
        "on_mail_received": ("inbox/", None, ["s3:ObjectCreated:*"]),
    }
    for function, settings in functions.items():
        role = settings["role"].split(".")[1]
        policy = json.loads(resources["aws_iam_role_policy"][role]["policy"])
        policy_file = PROJECT_DIR / ".chalice" / provision.policy_file_name("dev", function)
        assert policy == json.loads(policy_file.read_text()), function


def test_package_is_small_and_ships_the_theme_at_its_root(package: Path) -> None:
    zip_path = package / "deployment.zip"
    assert zip_path.stat().st_size < MAX_ZIP_BYTES
    names = set(zipfile.ZipFile(zip_path).namelist())
    # vendor/templates is a link to ../templates: the packager follows it into the zip root.
    theme = {
        f"templates/{path.relative_to(PROJECT_DIR / 'templates').as_posix()}"
        for path in (PROJECT_DIR / "templates").rglob("*")
        if path.is_file()
    }
    assert {"templates/base.html", "templates/static/style.css"} < theme <= names
    with zipfile.ZipFile(zip_path) as archive:
        assert THEME_EDIT in archive.read("templates/base.html").decode()
        assert STYLE_EDIT in archive.read("templates/static/style.css").decode()
    assert "chalicelib/template_cache" in {name.rsplit("/", 1)[0] for name in names}
    assert not any(
        name.startswith(("boto3/", "moto/", "blogctl/", "devtools/", "tests/")) for name in names
    )
    assert not any(name.startswith(("vendor/", "chalicelib/templates/")) for name in names)
    # vendor/locale links to ../locale: every shipped language's compiled catalog ships.
    catalogs = {f"locale/{lang}/LC_MESSAGES/messages.mo" for lang in SHIPPED_LANGUAGES[1:]}
    assert catalogs <= names


TRANSLATE_SCRIPT = """
import sys
from chalicelib import i18n, theme
print(i18n.LOCALE_DIR)
print(theme.environment("ja").from_string("{{ _('Not found') }} {{ day|long_date }}").render(
    day=__import__("datetime").date(2026, 8, 15)))
print("babel" in sys.modules)
"""


def test_unzipped_package_speaks_the_shipped_languages_without_babel(
    package: Path, tmp_path: Path
) -> None:
    unzipped = tmp_path / "task"
    zipfile.ZipFile(package / "deployment.zip").extractall(unzipped)
    result = subprocess.run(
        [sys.executable, "-S", "-P", "-c", TRANSLATE_SCRIPT],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unzipped)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(unzipped / "locale"),
        "ページが見つかりません 2026年8月15日",
        "False",
    ]


# Every page type, requested through the app's API handler as API Gateway would:
# (label, route, path parameters, query).
PAGE_REQUESTS = [
    ("home", "/", {}, None),
    ("post", "/{year}/{month}/{part}", {"year": "2026", "month": "08", "part": "zip"}, None),
    ("static page", "/{year}", {"year": "about"}, None),
    ("year", "/{year}", {"year": "2026"}, None),
    ("month", "/{year}/{month}", {"year": "2026", "month": "08"}, None),
    ("day", "/{year}/{month}/{part}", {"year": "2026", "month": "08", "part": "11"}, None),
    ("tag", "/tag/{tag}", {"tag": "aws"}, None),
    ("category", "/category/{category}", {"category": "notes"}, None),
    ("search", "/search", {}, {"q": ["zip"]}),
    (
        "404",
        "/{year}/{month}/{part}/{extra}",
        dict.fromkeys(["year", "month", "part", "extra"], "x"),
        None,
    ),
    ("rss", "/feed", {}, None),
    ("atom", "/feed/atom", {}, None),
    ("tag rss", "/tag/{tag}/feed", {"tag": "aws"}, None),
    ("sitemap index", "/sitemap.xml", {}, None),
    ("sitemap", "/sitemaps/{name}", {"name": "2026-08.xml"}, None),
    ("stylesheet", "/static/{name}", {"name": "style.css"}, None),
]

# What each page shows when its templates, partials and macros were all found.
EXPECTED_MARKUP = {
    "home": [
        '<h2 class="entry-title"><a href="/2026/08/zip/">From the zip</a></h2>',
        '<p class="more"><a href="/2026/08/zip/">Continue reading',
        '<section class="widget widget-categories">',
        '<table class="calendar">',
        '<li><a href="/about/">About</a></li>',
        THEME_EDIT,
    ],
    "post": [
        '<meta property="og:type" content="article">',
        '<h1 class="entry-title">From the zip</h1>',
        '<a rel="category" href="/category/notes/">notes</a>',
        '<a rel="tag" href="/tag/aws/">aws</a>',
    ],
    "static page": ['<article class="entry entry-full static-page">', "About this blog."],
    "year": ['<h1 class="archive-title">', 'href="/2026/08/zip/"'],
    "month": ['<h1 class="archive-title">', 'href="/2026/08/zip/"'],
    "day": ['<h1 class="archive-title">', 'href="/2026/08/zip/"'],
    "tag": ["aws</h1>", '<meta property="og:type" content="website">', 'href="/2026/08/zip/"'],
    "category": ["notes</h1>", 'href="/2026/08/zip/"'],
    "search": ['<p class="result-count">1 post found.</p>', "<mark>"],
    "404": ["<h1>Not found</h1>", '<a href="/">latest posts</a>'],
    "rss": ['<rss version="2.0"', "<link>https://blog.example.com/2026/08/zip/</link>"],
    "atom": [
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        "<id>https://blog.example.com/2026/08/zip/</id>",
    ],
    "tag rss": ["<title>From the zip</title>"],
    "sitemap index": ["<sitemapindex", "<loc>https://blog.example.com/sitemaps/2026-08.xml</loc>"],
    "sitemap": ["<urlset", "<loc>https://blog.example.com/2026/08/zip/</loc>"],
    "stylesheet": [".entry-content table {", STYLE_EDIT],
}

RENDER_SCRIPT = """
import json, sys
import app
from chalicelib import theme
bucket = {"name": app.SETTINGS.bucket_name}
def deliver(handler, key):
    handler({"Records": [{"s3": {"bucket": bucket, "object": {"key": key}}}]}, None)
deliver(app.on_post_source_changed, "posts/zip.md")
deliver(app.on_page_source_changed, "pages/about.md")
pages = {}
for label, route, params, query in json.loads(sys.argv[1]):
    path = route
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    event = {"resource": route, "path": path, "httpMethod": "GET", "headers": {"Host": "x"},
             "multiValueQueryStringParameters": query, "pathParameters": params or None,
             "stageVariables": None, "body": None,
             "requestContext": {"resourcePath": route, "httpMethod": "GET", "path": path}}
    response = app.app(event, None)
    pages[label] = {"status": response["statusCode"], "body": response["body"]}
env = theme.environment()
print(json.dumps({
    "pages": pages,
    "templates": str(theme.TEMPLATES),
    "base": env.loader.get_source(env, "base.html")[1],
    "files": sorted({m.__file__.split("/task/")[0] for m in
                     [app, sys.modules["jinja2"], sys.modules["nh3"]]}),
}))
"""


def test_unzipped_package_publishes_and_renders_every_page_type_alone(
    package: Path, tmp_path: Path, aws_resources: dict[str, Any], moto_endpoint: str
) -> None:
    unzipped = tmp_path / "task"
    zipfile.ZipFile(package / "deployment.zip").extractall(unzipped)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for module in [*LAMBDA_RUNTIME_PACKAGES, six]:
        source = Path(module.__file__)
        target = source.parent if source.name == "__init__.py" else source
        (runtime / target.name).symlink_to(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sources = {
        "posts/zip.md": make_post_markdown(
            "From the zip", "2026-08-11", ["aws"], ["notes"], "Rendered from the zip alone."
        ),
        "pages/about.md": "---\ntitle: About\n---\nAbout this blog.\n",
    }
    for key, text in sources.items():
        aws_resources["s3"].put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())
    env = {
        "PYTHONPATH": f"{unzipped}:{runtime}",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": "chalice-blog-local",
        "BUCKET_NAME": BUCKET_NAME,
        "SITE_URL": "https://blog.example.com",
    }
    # -S: no site-packages, -P: not the working directory either; only the zip and what
    # the Lambda runtime provides are importable, and the theme is found beside app.py.
    result = subprocess.run(
        [sys.executable, "-S", "-P", "-c", RENDER_SCRIPT, json.dumps(PAGE_REQUESTS)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["files"] == [str(tmp_path)]
    assert outcome["templates"] == str(unzipped / "templates")
    assert outcome["base"] == str(unzipped / "templates" / "base.html")
    pages = outcome["pages"]
    assert {label: page["status"] for label, page in pages.items()} == {
        label: 404 if label == "404" else 200 for label, *_ in PAGE_REQUESTS
    }
    missing = {
        label: [markup for markup in expected if markup not in pages[label]["body"]]
        for label, expected in EXPECTED_MARKUP.items()
    }
    assert missing == dict.fromkeys(EXPECTED_MARKUP, [])
