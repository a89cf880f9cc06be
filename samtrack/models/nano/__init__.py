"""nano: a tiny SAM-architecture model trained on synthetic scenes, bundled with samtrack.

``nano.pt`` (next to this file) is made by ``python -m samtrack.models.nano.train``; its
quality on held-out synthetic objects is measured by ``python -m
samtrack.models.nano.evaluate``. It is for demos and tests, not for real footage.
"""

from __future__ import annotations

from pathlib import Path

CHECKPOINT = Path(__file__).with_name("nano.pt")

__all__ = ["CHECKPOINT"]
