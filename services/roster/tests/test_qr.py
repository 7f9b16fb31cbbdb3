"""QR codes for deputy cards: the URL, and images a phone can scan."""
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest

from services.roster.qr import card_url, make_qr, render_qr

URL = "https://lianxin.example.gov.cn/card/AB12CD34"


def _png_chunks(png: bytes):
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        yield png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        pos += 12 + length


def _png_pixels(png: bytes) -> list[list[int]]:
    """Rows of 0/1 (1 = dark) from a 1-bit greyscale PNG, enough to check what segno wrote."""
    chunks = list(_png_chunks(png))
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (1, 0, 0)
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    stride = (width + 7) // 8
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, data = line[0], bytearray(line[1:])
        assert kind in (0, 2), "only None and Up filters are expected from segno"
        if kind == 2:
            data = bytearray((a + b) & 0xFF for a, b in zip(data, previous))
        previous = bytes(data)
        rows.append([0 if data[x // 8] >> (7 - x % 8) & 1 else 1 for x in range(width)])
    return rows


def test_card_url_joins_base_and_code():
    assert card_url("https://lianxin.example.gov.cn", "AB12CD34") == URL
    assert card_url("https://lianxin.example.gov.cn/", "AB12CD34") == URL
    assert card_url("https://x.cn/base/", "a b/c") == "https://x.cn/base/card/a%20b%2Fc"


@pytest.mark.parametrize("base", ["", "lianxin.example.gov.cn", "ftp://x.cn", "javascript:alert(1)"])
def test_card_url_rejects_what_is_not_a_web_address(base):
    with pytest.raises(ValueError):
        card_url(base, "AB12")


def test_card_url_needs_a_code():
    with pytest.raises(ValueError):
        card_url("https://x.cn", "")


def test_png_is_a_scannable_image_of_the_url():
    content_type, png = render_qr(URL, "png")
    assert content_type == "image/png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = _png_pixels(png)
    matrix = make_qr(URL).matrix
    size = len(matrix) + 8                      # quiet zone of 4 modules each side
    assert len(pixels) == len(pixels[0])
    assert 300 <= len(pixels) <= 400
    scale = len(pixels) // size
    assert scale * size == len(pixels)
    decoded = [[pixels[(4 + r) * scale + scale // 2][(4 + c) * scale + scale // 2]
                for c in range(len(matrix))] for r in range(len(matrix))]
    assert decoded == [[int(bool(v)) for v in row] for row in matrix]


def test_symbol_uses_error_correction_m():
    qr = make_qr(URL)
    assert qr.error == "M"
    assert not qr.is_micro


def test_svg_is_standalone_xml():
    content_type, svg = render_qr(URL, "svg")
    assert content_type == "image/svg+xml"
    assert svg.startswith(b"<?xml")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) >= 300


def test_svg_escapes_the_url():
    _, svg = render_qr('https://x.cn/card/"<&>', "svg")
    ET.fromstring(svg)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render_qr(URL, "gif")
