"""The report's figures as PNG data URIs (matplotlib, Agg canvas, no pyplot global state)."""

from __future__ import annotations

import base64
import io
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def score_distribution(totals: np.ndarray, unit: str, maximum: float | None) -> str:
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.add_subplot()
    if len(totals):
        top = maximum if maximum else max(100.0, float(totals.max()))
        bins = np.linspace(0, top, min(41, max(6, int(top) + 1)) if top <= 40 else 41)
        ax.hist(totals, bins=bins, color="#3b6ea8", edgecolor="white")
        ax.axvline(float(np.mean(totals)), color="#b8471b", linestyle="--", label=f"mean {np.mean(totals):.2f}")
        ax.legend(frameon=False)
    ax.set_xlabel(f"total score ({unit})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    return _png(fig)


def facility_discrimination(
    labels: Sequence[str], facility: Sequence[float | None], discrimination: Sequence[float | None], flagged: Sequence[bool]
) -> str:
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    pts = [(lab, f, d, fl) for lab, f, d, fl in zip(labels, facility, discrimination, flagged) if f is not None and d is not None]
    for lab, f, d, fl in pts:
        ax.scatter(f, d, color="#b8471b" if fl else "#3b6ea8", marker="x" if fl else "o", s=28)
        if fl:
            ax.annotate(lab, (f, d), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0.2, color="grey", linewidth=0.8, linestyle=":")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.axvline(0.2, color="grey", linewidth=0.8, linestyle=":")
    ax.axvline(0.9, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(min(-0.3, min((d for _, _, d, _ in pts), default=0) - 0.05), 1)
    ax.set_xlabel("facility index")
    ax.set_ylabel("discrimination index")
    ax.set_title("Facility against discrimination (x: flagged for review)")
    return _png(fig)


def section_mastery(sections: Sequence[tuple[str, float]]) -> str:
    fig = Figure(figsize=(6.4, 0.45 * max(3, len(sections)) + 0.8))
    ax = fig.add_subplot()
    names = [s for s, _ in sections][::-1]
    values = [v for _, v in sections][::-1]
    ax.barh(names, values, color="#3b6ea8")
    for y, v in enumerate(values):
        ax.text(min(v + 1, 92), y, f"{v:.0f}%", va="center", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("points earned by the class, % of points available")
    ax.set_title("Mastery per section")
    ax.tick_params(axis="y", labelsize=8)
    return _png(fig)
