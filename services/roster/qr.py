"""One person one code (一人一码): the public address of a deputy's card and its QR image."""
from __future__ import annotations

import io
import math
from urllib.parse import quote, urlsplit

import segno

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
ERROR_CORRECTION = "M"      # survives ~15% damage: a printed card on a wall, a phone screen
BORDER = 4                  # the quiet zone the QR standard asks for, in modules
TARGET_PIXELS = 300         # large enough for any phone camera at arm's length
MIN_SCALE = 4


def card_url(public_base_url: str, card_code: str) -> str:
    """The address a deputy's QR code opens: ``<base>/card/<code>``."""
    parts = urlsplit((public_base_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"public base URL must be an http(s) address, got {public_base_url!r}")
    if not card_code:
        raise ValueError("card code is empty")
    return f"{parts.geturl().rstrip('/')}/card/{quote(card_code, safe='')}"


def make_qr(url: str) -> segno.QRCode:
    """The symbol for a URL. A fixed error level (no boosting) and no Micro QR, which
    phone cameras do not read, so the same URL always yields the same symbol."""
    return segno.make(url, error=ERROR_CORRECTION, micro=False, boost_error=False)


def render_qr(url: str, fmt: str) -> tuple[str, bytes]:
    """(content type, image) for the URL: a PNG of about 300 px or a standalone SVG."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unsupported QR image format {fmt!r}: use png or svg")
    qr = make_qr(url)
    width, _ = qr.symbol_size(scale=1, border=BORDER)
    scale = max(MIN_SCALE, math.ceil(TARGET_PIXELS / width))
    buf = io.BytesIO()
    if fmt == "png":
        qr.save(buf, kind="png", scale=scale, border=BORDER)
    else:
        qr.save(buf, kind="svg", scale=scale, border=BORDER, xmldecl=True,
                svgns=True, title=url, svgclass=None, lineclass=None)
    return CONTENT_TYPES[fmt], buf.getvalue()
