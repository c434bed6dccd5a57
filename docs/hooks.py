"""mkdocs hooks: the pages generated from the code, and the README as the site's home page.

- ``wavecraft_build._docs.pages()`` (CLI, errors, configuration, protocol) become pages at
  build time: nothing generated is checked in, so nothing generated can be stale.
- The repository's README.md is the home page; its links into ``docs/`` are made relative to
  the site (on GitHub they are relative to the repository), so both places work.
- ``<!-- benchmark list -->`` on the benchmarks page becomes each ``benchmarks/bench_*.py``
  module's docstring: what it measures, against which baseline, with which target.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from wavecraft_build._docs import pages

REPO = Path(__file__).resolve().parent.parent
BENCHMARK_LIST = "<!-- benchmark list -->"


def home_page() -> str:
    """README.md with its ``docs/...`` links made relative to the site's root."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.sub(r"\]\(docs/", "](", text)


def benchmark_list() -> str:
    items = []
    for path in sorted((REPO / "benchmarks").glob("bench_*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        items += [f"### `{path.stem}`", "", doc, ""]
    return "\n".join(items)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, "index.md", content=home_page()))
    for uri, write in pages().items():
        files.append(File.generated(config, uri, content=write()))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return markdown.replace(BENCHMARK_LIST, benchmark_list())
