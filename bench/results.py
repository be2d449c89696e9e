"""RESULTS-*.md files made of sections, one per database or mode, each replaced when that one
is measured again and the others kept (a national run does not erase the demo's figures)."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, head: list[str], section: str, body: list[str]) -> None:
    """Replace (or add at the end) ``## section`` in ``path``; ``head`` starts a new file."""
    text = path.read_text(encoding="utf-8") if path.exists() else "\n".join(head)
    parts = text.split("\n## ")
    kept = [p for p in parts[1:] if not p.startswith(section + "\n")]
    path.write_text("\n## ".join([parts[0].rstrip("\n") + "\n", *kept, section + "\n\n" + "\n".join(body) + "\n"])
                    .replace("\n\n\n", "\n\n"), encoding="utf-8")
