"""Accessible charts (Altair): Okabe-Ito colour-blind-safe palette, and meaning never carried by colour alone —
zones and markers are labelled in words, groups also differ by shape or line style. Each chart comes with a
sentence and a table in the page (see app.py)."""

from __future__ import annotations

import altair as alt
import pandas as pd

PALETTE = {"accept": "#0072B2", "review": "#E69F00", "refuse": "#D55E00", "similar": "#000000", "all": "#767676"}
SHAPES = {"accept": "circle", "review": "diamond", "refuse": "square", "similar": "triangle-up"}
FONT = 14


LOCALES = {"fr": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"],
                   "percent": "\u202f%"},
           "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", " €"]}}


def _configure(chart: alt.Chart, language: str = "en") -> alt.Chart:
    """Fonts and colours readable at 200 % zoom; numbers in the page's language (decimal comma in French)."""
    chart = chart.configure(locale={"number": LOCALES[language]})
    return (chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelColor="#1a1a1a", titleColor="#1a1a1a")
            .configure_legend(labelFontSize=FONT, titleFontSize=FONT, labelColor="#1a1a1a")
            .configure_text(fontSize=FONT, color="#1a1a1a"))


def gauge(pd_: float, threshold: float, band: float, labels: dict[str, str], client_label: str,
          language: str = "en") -> alt.Chart:
    """A horizontal PD scale with the accept / review / refuse zones named in words and the client marked."""
    # a fixed scale keeps the three zones wide enough to name; a PD beyond it is drawn at its edge, with its value
    top = max(0.3, threshold + band * 4)
    low, high = max(0.0, threshold - band), threshold + band
    zones = pd.DataFrame({"start": [0.0, low, high], "end": [low, high, top],
                          "zone": [labels["accept"], labels["review"], labels["refuse"]],
                          "key": ["accept", "review", "refuse"]})
    zones["middle"] = [_label_spot(start, end, min(pd_, top), len(name) * 0.009 * top)
                       for start, end, name in zip(zones["start"], zones["end"], zones["zone"], strict=True)]
    scale = alt.Scale(domain=[0, top], nice=False, clamp=True)
    band_chart = alt.Chart(zones).mark_rect(opacity=0.35).encode(
        x=alt.X("start:Q", scale=scale, axis=alt.Axis(format="%", title=None)), x2="end:Q",
        color=alt.Color("key:N", scale=alt.Scale(domain=list(PALETTE)[:3], range=list(PALETTE.values())[:3]),
                        legend=None))
    zone_text = alt.Chart(zones).mark_text(dy=-22, fontWeight="bold").encode(x="middle:Q", text="zone:N")
    marker = pd.DataFrame({"pd": [min(pd_, top)], "label": [client_label + (" →" if pd_ > top else "")]})
    rule = alt.Chart(marker).mark_rule(color="black", size=4).encode(x="pd:Q")
    align = "right" if pd_ > 0.8 * top else "left" if pd_ < 0.15 * top else "center"  # never cut at an edge
    text = alt.Chart(marker).mark_text(dy=30, fontWeight="bold", align=align).encode(x="pd:Q", text="label:N")
    layers = alt.layer(band_chart, zone_text, rule, text).properties(height=110, width="container",
                                                                     padding={"top": 14, "bottom": 6})
    return _configure(layers, language)


def _label_spot(start: float, end: float, client: float, half_width: float) -> float:
    """Where a zone's name goes: its middle, unless the client's line would cross the name; then the middle of the
    wider side of the zone left by the line (``half_width``: the name's width at most, in PD units)."""
    middle = (start + end) / 2
    if abs(client - middle) >= half_width or not start <= client <= end:
        return middle
    return (start + client) / 2 if client - start >= end - client else (client + end) / 2


def contributions(factors: pd.DataFrame, labels: dict[str, str], language: str = "en") -> alt.Chart:
    """Horizontal bars of SHAP contributions; direction shown by colour, by side of the axis and by the text."""
    signed = [f"{c:+.2f}" for c in factors["contribution"]]
    text = [s.replace(".", ",") if language == "fr" else s for s in signed]
    # the value goes in the bar's own label: a text mark beside the bars overlaps them at 200 % zoom
    data = factors.assign(direction=[labels["raises"] if c > 0 else labels["lowers"] for c in factors["contribution"]],
                          text=text, short=[f"{s if len(s) <= 56 else s[:53] + '…'} ({v})"
                                            for s, v in zip(factors["label"], text, strict=True)])
    order = data.sort_values("contribution", key=abs, ascending=False)["short"].tolist()
    base = alt.Chart(data).encode(y=alt.Y("short:N", sort=order, title=None, axis=alt.Axis(labelLimit=420)))
    bars = base.mark_bar().encode(
        x=alt.X("contribution:Q", title=labels["axis"]),
        color=alt.Color("direction:N", title=None, scale=alt.Scale(
            domain=[labels["raises"], labels["lowers"]], range=[PALETTE["refuse"], PALETTE["accept"]])),
        tooltip=["label:N", "value:N", "text:N"])
    return _configure(bars.properties(height=alt.Step(30), width="container"), language)


def distribution(frame: pd.DataFrame, client_value: float | None, client_label: str, title: str,
                 language: str = "en", share_title: str = "", axis_format: str = ",") -> alt.Chart:
    """Share of each group per bin: all clients as grey bars, groups as lines with distinct point shapes; one
    legend naming the bars and every line. ``axis_format``: the x axis in the unit the page's sentences use."""
    keys = frame.drop_duplicates("key")
    colours = alt.Scale(domain=keys["group"].tolist(), range=[PALETTE[k] for k in keys["key"]])
    legend = alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=400)  # never cut off
    bars = alt.Chart(frame[frame["key"] == "all"]).mark_rect(opacity=0.45).encode(  # from 0 up to the share
        x=alt.X("start:Q", title=title, axis=alt.Axis(format=axis_format)), x2="end:Q",
        y=alt.Y("share:Q", axis=alt.Axis(format="%"), title=share_title), y2=alt.datum(0),
        color=alt.Color("group:N", title=None, scale=colours, legend=legend),
        tooltip=["group:N", alt.Tooltip("share:Q", format=".1%")])
    groups = frame[frame["key"] != "all"]
    lines = alt.Chart(groups).mark_line(point=True, strokeWidth=2).encode(
        x="middle:Q", y="share:Q",
        color=alt.Color("group:N", title=None, scale=colours, legend=legend),
        shape=alt.Shape("group:N", title=None, legend=None, scale=alt.Scale(
            domain=groups.drop_duplicates("key")["group"].tolist(),
            range=[SHAPES[k] for k in groups.drop_duplicates("key")["key"]])),
        strokeDash=alt.StrokeDash("group:N", title=None, legend=None))
    layers = [bars, lines]
    if client_value is not None:
        marker = pd.DataFrame({"x": [client_value], "label": [client_label]})
        low, high = frame["start"].min(), frame["end"].max()
        right = client_value > low + 0.7 * (high - low)  # the label on the side with room: never cut at an edge
        layers += [alt.Chart(marker).mark_rule(color="black", size=3).encode(x="x:Q"),
                   alt.Chart(marker).mark_text(dx=-6 if right else 6, align="right" if right else "left",
                                               baseline="top", fontWeight="bold").encode(
                       x="x:Q", y=alt.value(2), text="label:N")]
    return _configure(alt.layer(*layers).properties(height=340, width="container"), language)


def scatter(points: pd.DataFrame, clients: pd.DataFrame, x: str, y: str, labels: dict[str, str],
            language: str = "en") -> alt.Chart:
    points = points.assign(decision_label=points["decision"].map(labels))
    keys = [k for k in ("accept", "review", "refuse") if k in set(points["decision"])]
    cloud = alt.Chart(points).mark_point(filled=True, opacity=0.55, size=40).encode(
        x=alt.X("x:Q", title=x), y=alt.Y("y:Q", title=y),
        color=alt.Color("decision_label:N", title=None, scale=alt.Scale(
            domain=[labels[k] for k in keys], range=[PALETTE[k] for k in keys])),
        shape=alt.Shape("decision_label:N", title=None, scale=alt.Scale(
            domain=[labels[k] for k in keys], range=[SHAPES[k] for k in keys])))
    stars = alt.Chart(clients).mark_point(shape="M0,-1L0.3,-0.3L1,-0.3L0.45,0.15L0.65,0.9L0,0.45L-0.65,0.9L-0.45,"
                                                "0.15L-1,-0.3L-0.3,-0.3Z", size=500, filled=True,
                                          color="black").encode(x="x:Q", y="y:Q")
    names = alt.Chart(clients).mark_text(dx=14, dy=-14, fontWeight="bold").encode(x="x:Q", y="y:Q",
                                                                                  text="client_id:N")
    return _configure(alt.layer(cloud, stars, names).properties(height=380, width="container"), language)


def importance(frame: pd.DataFrame, axis_title: str, language: str = "en") -> alt.Chart:
    data = frame.assign(short=[s if len(s) <= 60 else s[:57] + "…" for s in frame["label"]])
    chart = alt.Chart(data).mark_bar(color=PALETTE["accept"]).encode(
        x=alt.X("mean_abs_shap:Q", title=axis_title, axis=alt.Axis(format="%")),
        y=alt.Y("short:N", sort="-x", title=None, axis=alt.Axis(labelLimit=420)))
    return _configure(chart.properties(height=alt.Step(26), width="container"), language)
