"""The figures exist in English for reports/ and in French for the French documents: every word and number on
the French one is French (read from the figure's text objects before it is closed)."""

from __future__ import annotations

import numpy as np
import pytest

from creditrisk.governance.battery import Sample
from creditrisk.reporting.plots import WORDS, _number, write_reliability_plot


@pytest.fixture()
def drawn(monkeypatch) -> list[list[str]]:
    """The texts of every figure the plots module closes, figure by figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    texts, close = [], plt.close

    def record(fig):
        fig.canvas.draw()  # tick labels exist once drawn
        texts.append([t.get_text() for t in fig.findobj(Text) if t.get_text()])
        close(fig)

    monkeypatch.setattr(plt, "close", record)
    return texts


def test_the_reliability_figure_is_written_in_english_and_in_french(tmp_path, drawn):
    rng = np.random.default_rng(0)
    pd_ = rng.uniform(0.01, 0.4, 3000)
    samples = [Sample("holdout", (rng.random(3000) < pd_).astype(int), pd_),
               Sample("out-of-fold", (rng.random(3000) < pd_).astype(int), pd_)]
    write_reliability_plot(tmp_path, samples)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reliability.png", "reliability_fr.png"]
    english, french = drawn
    assert "Reliability by PD decile" in english and "holdout (3,000 clients)" in english
    assert "Fiabilité par décile de PD" in french and "test (3\u202f000 clients)" in french
    assert "hors pli (3\u202f000 clients)" in french and "calibration parfaite" in french
    assert not [t for t in french if "." in t or t in english and t.isalpha()]  # no decimal point, no English word
    assert any("," in t for t in french)  # the axes' decimals: 0,1, 0,2...


def test_french_numbers_and_every_word_translated():
    assert (_number(4846, 0, "fr"), _number(0.0687, 3, "fr")) == ("4\u202f846", "0,069")
    assert (_number(4846, 0, "en"), _number(0.0687, 3, "en")) == ("4,846", "0.069")
    assert set(WORDS["en"]) <= set(WORDS["fr"])
