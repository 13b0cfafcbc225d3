"""Product photos for tests of the shop's commerce, where what the photo shows is beside the
point: flat pictures, one colour per name, that list a product unrecognisable in videos.
Recognition itself is tested with the generated corpus of ``tests/media/products.py``."""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image


@functools.cache
def plain_photo(name: str = "product") -> bytes:
    red, green, blue = hashlib.sha256(name.encode()).digest()[:3]
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (red, green, blue)).save(out, "PNG")
    return out.getvalue()
