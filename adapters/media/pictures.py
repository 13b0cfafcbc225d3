"""Opening uploaded pictures (listing photos) with Pillow within the decoding budget."""

from __future__ import annotations

import io
import warnings
from collections.abc import Collection
from contextlib import nullcontext

from PIL import Image, UnidentifiedImageError

from adapters.media.budget import DEFAULT_MAX_PIXELS, DecodeSlots, check_pixels
from application.media import MediaOverBudget, UnreadableMedia


def open_picture(
    data: bytes,
    *,
    side: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: Collection[str] | None = None,
    slots: DecodeSlots | None = None,
) -> Image.Image:
    """The picture in ``data``, decoded: a JPEG at the smallest scale whose longer side is
    still at least ``side`` (``Image.draft``), any other format whole.

    Before any pixel is decoded, refused with ``MediaOverBudget`` when what would be decoded
    has more than ``max_pixels``, and with ``UnreadableMedia`` when the bytes are not a
    picture (of one of ``formats``, when given) or the file's structure is damaged
    (``verify``); then when the pixels do not decode (cut short, bit-flipped data)."""
    if not data:
        raise UnreadableMedia("the picture is empty")
    try:
        with warnings.catch_warnings():
            # Pillow warns of pictures above its own limit; the budget below decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if formats is not None and image.format not in formats:
                    raise UnreadableMedia(f"the picture is not {' or '.join(formats)}")
                image.verify()
            picture = Image.open(io.BytesIO(data))
        picture.draft("RGB", (side, side))  # a JPEG is decoded at a reduced scale
        check_pixels(*picture.size, max_pixels)
        with slots.held() if slots is not None else nullcontext():
            picture.load()
    except (UnreadableMedia, MediaOverBudget):
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, far above any budget of ours
        raise MediaOverBudget(
            f"the picture has far more than {max_pixels:,} pixels, the most that are decoded"
        ) from None
    except UnidentifiedImageError:
        raise UnreadableMedia("the file is not a picture we can read") from None
    # Pillow raises many kinds on damaged files (OSError, SyntaxError, ValueError, ...).
    except Exception as error:
        raise UnreadableMedia(f"the picture is damaged or incomplete ({error})") from None
    return picture


class PillowPictureCheck:
    """``PictureCheck`` (``application.shop.listing_photos``): the bytes decode as a picture of
    the format their magic bytes named, within the service's pixel budget."""

    def __init__(self, *, side: int, max_pixels: int, slots: DecodeSlots | None) -> None:
        self.side = side
        self.max_pixels = max_pixels
        self.slots = slots

    def __call__(self, data: bytes, format_name: str) -> None:
        open_picture(
            data,
            side=self.side,
            max_pixels=self.max_pixels,
            formats=(format_name,),
            slots=self.slots,
        ).close()
