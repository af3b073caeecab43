"""Synthetic blogs: reproducible ~600-word posts with code, a list and a link."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

TAGS = tuple(f"topic-{n:02d}" for n in range(50))
CATEGORIES = tuple(f"section-{n}" for n in range(10))
FIRST_DAY = datetime(2016, 1, 1)
SPAN = timedelta(days=3652)  # ten years
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "pa", "do", "shi", "qua")
WORDS = tuple(
    sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "n", "r", "s")})
)
CODE = '''```python
def handler(event, context):
    """Answer one request."""
    for record in event["Records"]:
        print(record["s3"]["object"]["key"])
    return {"statusCode": 200}
```'''


@dataclass(frozen=True)
class SyntheticPost:
    """One generated post: its file name, front matter fields and Markdown body."""

    name: str
    title: str
    published: datetime
    tags: tuple[str, ...]
    category: str
    body: str

    def markdown(self) -> str:
        """Return the post as the blog reads it: YAML front matter, then Markdown."""
        return "\n".join(
            [
                "---",
                f"title: {self.title}",
                f"date: {self.published:%Y-%m-%d %H:%M:%S}",
                f"tags: [{', '.join(self.tags)}]",
                f"categories: [{self.category}]",
                "---",
                self.body,
                "",
            ]
        )


def generate(count: int, seed: int = 2026) -> list[SyntheticPost]:
    """Generate ``count`` posts spread over ten years, the same for the same seed."""
    rng = random.Random(seed)
    return [synthetic_post(rng, f"post-{n:05d}") for n in range(count)]


def synthetic_post(rng: random.Random, name: str, when: datetime | None = None) -> SyntheticPost:
    """Generate one post; ``when`` fixes its date (else random within the ten years)."""
    published = when or FIRST_DAY + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))
    title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
    return SyntheticPost(
        name=name,
        title=title,
        published=published,
        tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
        category=rng.choice(CATEGORIES),
        body=_body(rng),
    )


def _body(rng: random.Random) -> str:
    def sentence(words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def paragraph(sentences: int) -> str:
        return " ".join(sentence(rng.randint(8, 16)) for _ in range(sentences))

    items = "\n".join(f"- {sentence(6)}" for _ in range(4))
    link = f"See [the {rng.choice(WORDS)} notes](https://example.org/{rng.choice(WORDS)})."
    parts = [paragraph(14), items, CODE, paragraph(14), link, paragraph(16)]
    return "\n\n".join(parts)
