"""Sphinx extension providing the ``quiz`` directive (placeholder registration).

Enabled from ``_config.yml`` via ``sphinx.extra_extensions``.
"""

from __future__ import annotations

from typing import Any


def setup(app: Any) -> dict[str, Any]:
    return {"version": "0.1.0", "parallel_read_safe": True, "parallel_write_safe": True}
