"""The presentation as `make deck` renders it (Marp with the project's package.json settings), opened in Chromium:
every slide's text and pictures fit on the slide, every picture it names is there, and a line wrapped in the
generated Markdown does not break the line on the slide."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import ARTIFACTS

MARP = ROOT / "node_modules" / ".bin" / "marp"
SLIDE = {"width": 1280, "height": 720}  # Marp's default 16:9


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> str:
    """docs/presentation.md rendered to HTML beside a copy of its pictures and the Marp settings."""
    assert MARP.exists(), f"{MARP} not found: `make test` installs it from package-lock.json (npm ci)"
    out = tmp_path_factory.mktemp("deck")
    shutil.copy(ROOT / "docs" / "presentation.md", out)
    shutil.copytree(ROOT / "docs" / "img", out / "img")
    shutil.copy(ROOT / "package.json", out)  # Marp reads its settings (no hard line breaks) from there
    run = subprocess.run([str(MARP), "presentation.md", "-o", "deck.html"], cwd=out, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return (out / "deck.html").as_uri()


def test_every_picture_the_slides_name_is_in_docs_img():
    text = (ROOT / "docs" / "presentation.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures and all((ROOT / "docs" / p).is_file() for p in pictures), pictures


def test_every_slide_fits_and_keeps_its_lines_whole(deck, browser):
    page = browser.new_page(viewport=SLIDE)
    page.goto(deck)
    page.wait_for_load_state("load")
    slides = page.evaluate("""() => [...document.querySelectorAll('section')]
        .filter(s => !['background', 'pseudo'].includes(s.dataset.marpitAdvancedBackground || ''))
        .map(s => {
            const box = s.getBoundingClientRect();
            return {title: (s.querySelector('h1') || {}).textContent || '', breaks: s.querySelectorAll('br').length,
                    blocks: [...s.children].map(e => {
                        const r = e.getBoundingClientRect();
                        return {tag: e.tagName, top: r.top - box.top, bottom: r.bottom - box.top,
                                left: r.left - box.left, right: r.right - box.left};
                    })};
        })""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deck-first-slide.png"))
    assert len(slides) == (ROOT / "docs" / "presentation.md").read_text().count("\n---\n")  # front matter's too
    outside = [(s["title"], b["tag"], round(b["bottom"])) for s in slides for b in s["blocks"]
               if b["top"] < 0 or b["left"] < 0 or b["bottom"] > SLIDE["height"] or b["right"] > SLIDE["width"]]
    assert outside == []
    assert [s["title"] for s in slides if s["breaks"]] == []
