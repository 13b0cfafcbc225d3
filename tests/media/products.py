"""A deterministic corpus of shop listings and of video frames that show them, for the product
recognition tests and benchmarks.

Everything is computed from seeds with numpy and Pillow (and encoded for real with PyAV), so
the same call gives the same pixels and bytes on every run and no fixture files are needed.

* ``product(seed)`` is a synthetic product: a box, bottle, can, jar, pouch or tube with a
  body colour and shading, a printed pattern (stripes, dots, checks, waves, zigzags,
  confetti, rings), a label panel with a made-up brand word and a second line of small
  print, and a logo. Every seed gives another product; all of them use the same font, so
  letters are shared between products (as brand names share letters in real shops).
* ``listing_image(seed)`` is the shop's photo of it: the product centred on a light studio
  backdrop, 512 x 512 (``listing_png`` encodes it as an upload).
* ``scene(seed, listed)`` is a video frame, 540 x 960 (portrait) or 960 x 540 (landscape):
  the size the shop's decoder reduces an upload to, so no scaling blurs it further. It
  shows a cluttered place: a textured background (wood grain, tiles, a fine weave, a lit
  wall), blurred blobs, blocks, lines, stray words and two to five *other* products that
  are not listed (from a pool of 150 seeds that no listing uses), and on top of them the
  listed products asked for. A listed product is shown at a ``scale`` (its longer side over
  the frame's *shorter* side: 0.2 is 108 px) of 0.2 to 0.5, anywhere in the frame, turned
  by up to 15 degrees, in perspective (each corner moved by up to 7 % of its size), under
  other lighting (gain and colour cast, gamma, a gradient of light across it, a soft
  highlight); the frame is then slightly blurred and noisy. ``scene`` records each listed
  product's bounding box. Distractors are drawn with the same generator, so some share a
  product's letters, label layout or logo style: hard negatives.
* ``clip(pictures, ...)`` encodes pictures as a real H.264 MP4 (each held for a while), so
  the whole path (decode -> describe -> recognise) runs on what a decoder returns.

Generated pictures are cached per process (``functools.cache``); arrays are read-only.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Pixels = NDArray[np.uint8]
Box = tuple[int, int, int, int]  # left, top, right, bottom (pixels, right and bottom excluded)

LISTING_SIDE: Final = 512
PORTRAIT: Final = (540, 960)  # width, height
LANDSCAPE: Final = (960, 540)
MIN_SCALE: Final = 0.2
MAX_SCALE: Final = 0.5
# Products that are never listed (the clutter of scenes) have seeds from here on; scenes
# draw theirs from a pool of this many (so that their pictures are made once).
DISTRACTOR_SEEDS: Final = 1_000_000
DISTRACTORS: Final = 150
_PRODUCT_SIDE = 400  # products are drawn with their longer side this long

_CONSONANTS = "BCDFGHKLMNPRSTVZ"
_VOWELS = "AEIOU"
_SMALL_PRINT = (
    "NET WT",
    "ORGANIC",
    "EXTRA FRESH",
    "SINCE",
    "PREMIUM",
    "NEW FORMULA",
    "ML",
    "LIMITED",
    "NATURAL",
    "CLASSIC",
)
_WORDS = ("sale", "open", "hello", "cafe", "menu", "today", "love", "home", "shop", "free")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return _fonts(max(8, size))


@functools.cache
def _fonts(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _colour(
    rng: np.random.Generator, *, light: tuple[float, float] = (0.2, 0.95)
) -> tuple[int, int, int]:
    """A random saturated-ish colour (HSV with value in ``light``)."""
    hue = float(rng.uniform(0, 1))
    saturation = float(rng.uniform(0.35, 1.0))
    value = float(rng.uniform(*light))
    i = int(hue * 6) % 6
    f = hue * 6 - int(hue * 6)
    p, q, t = (
        value * (1 - saturation),
        value * (1 - f * saturation),
        value * (1 - (1 - f) * saturation),
    )
    r, g, b = (
        (value, t, p),
        (q, value, p),
        (p, value, t),
        (p, q, value),
        (t, p, value),
        (value, p, q),
    )[i]
    return round(r * 255), round(g * 255), round(b * 255)


def _contrasting(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
    return (20, 20, 24) if luma > 140 else (245, 245, 240)


def _brand(rng: np.random.Generator) -> str:
    letters = []
    for index in range(int(rng.integers(4, 8))):
        pool = _CONSONANTS if index % 2 == 0 else _VOWELS
        letters.append(pool[int(rng.integers(0, len(pool)))])
    return "".join(letters)


# --------------------------------------------------------------------------------------
# Products


@dataclass(frozen=True, eq=False)
class Product:
    """A product drawn on a transparent canvas: RGBA, shape (height, width, 4)."""

    seed: int
    name: str
    rgba: Pixels

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.rgba.shape[1], self.rgba.shape[0]


_KINDS: Final = ("box", "bottle", "can", "jar", "pouch", "tube")


@functools.cache
def product(seed: int) -> Product:
    rng = np.random.default_rng([seed, 0x5EED])
    kind = _KINDS[int(rng.integers(0, len(_KINDS)))]
    aspect = {  # width over height
        "box": rng.uniform(0.6, 1.5),
        "bottle": rng.uniform(0.38, 0.55),
        "can": rng.uniform(0.55, 0.75),
        "jar": rng.uniform(0.8, 1.1),
        "pouch": rng.uniform(0.65, 0.85),
        "tube": rng.uniform(0.3, 0.42),
    }[kind]
    if aspect >= 1:
        width, height = _PRODUCT_SIDE, round(_PRODUCT_SIDE / aspect)
    else:
        width, height = round(_PRODUCT_SIDE * aspect), _PRODUCT_SIDE
    mask = _body_mask(kind, width, height, rng)
    body = _body(width, height, rng)
    picture = Image.fromarray(body, "RGB")
    _print_pattern(picture, rng)
    name = _brand(rng)
    _label(picture, kind, name, rng)
    # A darker rim and the shading of a rounded body.
    rim = mask.filter(ImageFilter.MinFilter(3))
    edge = np.asarray(mask, dtype=np.float32) - np.asarray(rim, dtype=np.float32)
    pixels = np.asarray(picture, dtype=np.float32)
    pixels *= 1 - 0.45 * (edge[..., None] / 255)
    if kind in ("bottle", "can", "jar", "tube"):
        x = np.linspace(-1, 1, width, dtype=np.float32)
        pixels *= (0.78 + 0.3 * np.cos(x * 1.3) ** 2)[None, :, None]
    rgba = np.dstack([np.clip(pixels, 0, 255).astype(np.uint8), np.asarray(mask, dtype=np.uint8)])
    rgba.setflags(write=False)
    return Product(seed=seed, name=name, rgba=rgba)


def _body_mask(kind: str, width: int, height: int, rng: np.random.Generator) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    if kind == "box":
        radius = int(rng.integers(0, min(width, height) // 8 + 1))
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=radius, fill=255)
    elif kind == "bottle":
        neck_w = width * float(rng.uniform(0.3, 0.45))
        shoulder = height * float(rng.uniform(0.22, 0.32))
        cx = width / 2
        draw.rounded_rectangle(
            (0, shoulder, width - 1, height - 1), radius=round(width * 0.18), fill=255
        )
        draw.polygon(
            [
                (0, shoulder + width * 0.2),
                (cx - neck_w / 2, shoulder * 0.45),
                (cx + neck_w / 2, shoulder * 0.45),
                (width - 1, shoulder + width * 0.2),
            ],
            fill=255,
        )
        draw.rectangle((cx - neck_w / 2, 0, cx + neck_w / 2, shoulder * 0.5), fill=255)
    elif kind == "can":
        cap = height * 0.06
        draw.rectangle((0, cap, width - 1, height - 1 - cap), fill=255)
        draw.ellipse((0, 0, width - 1, 2 * cap), fill=255)
        draw.ellipse((0, height - 1 - 2 * cap, width - 1, height - 1), fill=255)
    elif kind == "jar":
        lid = height * float(rng.uniform(0.14, 0.22))
        draw.rounded_rectangle(
            (0, lid * 0.8, width - 1, height - 1), radius=round(width * 0.12), fill=255
        )
        draw.rounded_rectangle((width * 0.08, 0, width * 0.92, lid), radius=6, fill=255)
    elif kind == "pouch":
        draw.polygon(
            [(width * 0.08, 0), (width * 0.92, 0), (width - 1, height - 1), (0, height - 1)],
            fill=255,
        )
    else:  # tube
        draw.polygon(
            [(0, 0), (width - 1, 0), (width * 0.8, height * 0.9), (width * 0.2, height * 0.9)],
            fill=255,
        )
        draw.rectangle((width * 0.32, height * 0.88, width * 0.68, height - 1), fill=255)
    return mask


def _body(width: int, height: int, rng: np.random.Generator) -> Pixels:
    top, bottom = np.array(_colour(rng)), np.array(_colour(rng))
    if rng.uniform() < 0.5:
        bottom = top * 0.75 + bottom * 0.25
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    body = top[None, None, :] * (1 - t) + bottom[None, None, :] * t
    return np.broadcast_to(body, (height, width, 3)).astype(np.uint8)


def _print_pattern(picture: Image.Image, rng: np.random.Generator) -> None:
    width, height = picture.size
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = (*_colour(rng), int(rng.integers(150, 256)))
    other = (*_colour(rng), int(rng.integers(150, 256)))
    pattern = int(rng.integers(0, 7))
    step = int(rng.integers(18, 48))
    if pattern == 0:  # diagonal or straight stripes
        slope = float(rng.choice([0.0, 0.6, -0.6, 1.5]))
        thick = int(rng.integers(4, step // 2 + 5))
        for k in range(-height * 2, width + height * 2, step):
            draw.line([(k, 0), (k + slope * height, height)], fill=colour, width=thick)
    elif pattern == 1:  # dots
        radius = int(rng.integers(3, step // 3 + 4))
        for row, y in enumerate(range(0, height + step, step)):
            for x in range((row % 2) * step // 2, width + step, step):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    elif pattern == 2:  # checks
        for y in range(0, height, step):
            for x in range(0, width, step):
                if (x // step + y // step) % 2:
                    draw.rectangle((x, y, x + step - 1, y + step - 1), fill=colour)
    elif pattern == 3:  # waves
        xs = np.arange(0, width + 4, 4)
        amplitude = float(rng.uniform(4, 14))
        for y0 in range(0, height + step, step):
            ys = y0 + amplitude * np.sin(xs / float(rng.uniform(12, 30)))
            draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=4)
    elif pattern == 4:  # zigzag
        for y0 in range(0, height + step, step):
            points = [
                (x, y0 + (step // 2 if (x // step) % 2 else 0))
                for x in range(0, width + step, step)
            ]
            draw.line(points, fill=colour, width=int(rng.integers(3, 8)))
    elif pattern == 5:  # confetti of triangles and squares
        for _ in range(int(rng.integers(25, 60))):
            cx, cy = float(rng.uniform(0, width)), float(rng.uniform(0, height))
            r = float(rng.uniform(6, 22))
            angle = float(rng.uniform(0, 2 * math.pi))
            sides = int(rng.integers(3, 5))
            corners = [
                (
                    cx + r * math.cos(angle + 2 * math.pi * k / sides),
                    cy + r * math.sin(angle + 2 * math.pi * k / sides),
                )
                for k in range(sides)
            ]
            draw.polygon(corners, fill=colour if rng.uniform() < 0.5 else other)
    else:  # rings
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        for r in range(step, 2 * max(width, height), step):
            draw.ellipse(
                (cx - r, cy - r, cx + r, cy + r), outline=colour, width=int(rng.integers(3, 9))
            )
    picture.paste(layer, (0, 0), layer)


def _label(picture: Image.Image, kind: str, name: str, rng: np.random.Generator) -> None:
    width, height = picture.size
    draw = ImageDraw.Draw(picture)
    panel_w = width * float(rng.uniform(0.7, 0.92))
    panel_h = height * float(rng.uniform(0.28, 0.45))
    top = (
        height * float(rng.uniform(0.3, 0.55))
        if kind != "box"
        else height * float(rng.uniform(0.1, 0.5))
    )
    left = (width - panel_w) / 2
    panel = _colour(rng, light=(0.5, 1.0))
    ink = _contrasting(panel)
    box = (left, top, left + panel_w, top + panel_h)
    if rng.uniform() < 0.3:
        draw.ellipse(box, fill=panel, outline=ink, width=3)
    else:
        draw.rounded_rectangle(
            box, radius=int(rng.integers(0, 20)), fill=panel, outline=ink, width=3
        )
    size = int(min(panel_h * 0.42, panel_w * 1.5 / max(1, len(name))))
    font = _font(size)
    stroke = int(rng.integers(0, 3))
    draw.text(
        (width / 2, top + panel_h * 0.4),
        name,
        font=font,
        fill=ink,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=ink,
    )
    small = _font(max(10, round(size * 0.33)))
    line = f"{_SMALL_PRINT[int(rng.integers(0, len(_SMALL_PRINT)))]} {int(rng.integers(10, 999))}"
    draw.text((width / 2, top + panel_h * 0.78), line, font=small, fill=ink, anchor="mm")
    # A logo above or below the panel: a star, rings or a crest.
    r = min(width, height) * float(rng.uniform(0.08, 0.14))
    cy = top - r * 1.4 if top > 3 * r else top + panel_h + r * 1.4
    cx = width * float(rng.uniform(0.3, 0.7))
    logo = _colour(rng)
    style = int(rng.integers(0, 3))
    if style == 0:
        points = []
        spikes = int(rng.integers(5, 9))
        for k in range(2 * spikes):
            radius = r if k % 2 == 0 else r * 0.45
            angle = math.pi * k / spikes
            points.append((cx + radius * math.sin(angle), cy - radius * math.cos(angle)))
        draw.polygon(points, fill=logo, outline=_contrasting(logo))
    elif style == 1:
        for k, scale in enumerate((1.0, 0.7, 0.4)):
            draw.ellipse(
                (cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale),
                fill=logo if k % 2 == 0 else _contrasting(logo),
            )
    else:
        draw.polygon(
            [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)],
            fill=logo,
        )
        draw.text(
            (cx, cy - r * 0.2), name[0], font=_font(round(r)), fill=_contrasting(logo), anchor="mm"
        )


# --------------------------------------------------------------------------------------
# Listing photos


@functools.cache
def listing_image(seed: int) -> Pixels:
    """The shop's photo of ``product(seed)``: centred on a light backdrop, 512 x 512."""
    item = product(seed)
    rng = np.random.default_rng([seed, 0x1157])
    y = np.linspace(0, 1, LISTING_SIDE, dtype=np.float32)[:, None, None]
    base = np.array([rng.uniform(225, 250)] * 3, dtype=np.float32) + rng.uniform(-6, 6, 3)
    backdrop = base[None, None, :] - 25 * y
    canvas = Image.fromarray(
        np.broadcast_to(backdrop, (LISTING_SIDE, LISTING_SIDE, 3)).astype(np.uint8)
    )
    width, height = item.size
    factor = LISTING_SIDE * 0.84 / max(width, height)
    size = (round(width * factor), round(height * factor))
    picture = Image.fromarray(np.ascontiguousarray(item.rgba), "RGBA").resize(
        size, Image.Resampling.LANCZOS
    )
    left, top = (LISTING_SIDE - size[0]) // 2, (LISTING_SIDE - size[1]) // 2
    shadow = Image.new("L", (LISTING_SIDE, LISTING_SIDE), 0)
    shadow.paste(picture.getchannel("A"), (left + 8, top + 10))
    shadow = shadow.filter(ImageFilter.GaussianBlur(10)).point(lambda a: a * 0.35)
    canvas.paste((90, 90, 90), (0, 0), shadow)
    canvas.paste(picture, (left, top), picture)
    pixels = np.asarray(canvas, dtype=np.uint8).copy()
    pixels.setflags(write=False)
    return pixels


def listing_png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(listing_image(seed)).save(buffer, format="PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Scenes


@dataclass(frozen=True)
class Placement:
    """A listed product in a scene: which one, its bounding box, and its scale."""

    seed: int
    box: Box
    scale: float


@dataclass(frozen=True, eq=False)
class Scene:
    pixels: Pixels
    placements: tuple[Placement, ...]

    @property
    def listed(self) -> frozenset[int]:
        return frozenset(p.seed for p in self.placements)


def _solve_perspective(
    source: Sequence[tuple[float, float]], target: Sequence[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients: a map from ``target`` points to ``source`` points."""
    rows = []
    values = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64))
    return tuple(float(c) for c in solution)


def _warped(
    item: Product, side: float, rng: np.random.Generator, *, turn: float, skew: float
) -> tuple[Image.Image, tuple[float, float]]:
    """The product with its longer side ``side`` px, turned by up to ``turn`` degrees and with
    its corners moved by up to ``skew`` of its size; also the offset of its box's centre."""
    width, height = item.size
    factor = side / max(width, height)
    size = (max(2, round(width * factor)), max(2, round(height * factor)))
    picture = Image.fromarray(np.ascontiguousarray(item.rgba), "RGBA").resize(
        size, Image.Resampling.LANCZOS
    )
    w, h = size
    angle = math.radians(float(rng.uniform(-turn, turn)))
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    moved = []
    for x, y in corners:
        dx, dy = x - w / 2, y - h / 2
        rx = dx * math.cos(angle) - dy * math.sin(angle)
        ry = dx * math.sin(angle) + dy * math.cos(angle)
        rx += float(rng.uniform(-skew, skew)) * w
        ry += float(rng.uniform(-skew, skew)) * h
        moved.append((rx, ry))
    xs, ys = [p[0] for p in moved], [p[1] for p in moved]
    x0, y0 = math.floor(min(xs)), math.floor(min(ys))
    out = (math.ceil(max(xs)) - x0 + 1, math.ceil(max(ys)) - y0 + 1)
    coefficients = _solve_perspective(corners, [(x - x0, y - y0) for x, y in moved])
    warped = picture.transform(
        out, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    return warped, (x0 + out[0] / 2, y0 + out[1] / 2)


def _relit(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Other lighting: gain and colour cast, gamma, a gradient of light, a soft highlight."""
    rgba = np.asarray(picture, dtype=np.float32)
    rgb = rgba[..., :3] / 255
    h, w = rgb.shape[:2]
    gain = float(rng.uniform(0.7, 1.25)) * (1 + rng.uniform(-0.08, 0.08, 3))
    rgb = np.clip(rgb * gain[None, None, :], 0, 1) ** float(rng.uniform(0.8, 1.25))
    direction = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (xx / max(1, w) - 0.5) * math.cos(direction) + (yy / max(1, h) - 0.5) * math.sin(
        direction
    )
    rgb *= (1 + float(rng.uniform(0.1, 0.35)) * ramp)[..., None]
    hx, hy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    spread = max(w, h) * float(rng.uniform(0.1, 0.25))
    highlight = np.exp(-((xx - hx) ** 2 + (yy - hy) ** 2) / (2 * spread**2)) * float(
        rng.uniform(0, 0.25)
    )
    rgb = rgb + highlight[..., None] * (1 - rgb)
    out = np.dstack([np.clip(rgb * 255, 0, 255), rgba[..., 3]]).astype(np.uint8)
    return Image.fromarray(out, "RGBA")


def _background(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    width, height = size
    yy = np.arange(height, dtype=np.float32)[:, None]
    xx = np.arange(width, dtype=np.float32)[None, :]
    kind = int(rng.integers(0, 4))
    a, b = (
        np.array(_colour(rng, light=(0.3, 0.9)), np.float32),
        np.array(_colour(rng, light=(0.2, 0.8)), np.float32),
    )
    if kind == 0:  # wood grain
        warp = 25 * np.sin(yy / float(rng.uniform(60, 140)) + xx / 300)
        grain = 0.5 + 0.5 * np.sin((xx + warp) / float(rng.uniform(5, 12)))
        t = grain[..., None]
    elif kind == 1:  # tiles with grout
        tile = int(rng.integers(60, 160))
        grout = ((xx % tile) < 4) | ((yy % tile) < 4)
        shade = (xx // tile + yy // tile) % 3 / 3
        t = np.where(grout, np.float32(1.0), shade * np.float32(0.5))[..., None]
    elif kind == 2:  # fabric: a fine weave
        period = float(rng.uniform(4, 9))
        t = (0.5 + 0.25 * np.sin(xx / period) + 0.25 * np.sin(yy / period * 1.3))[..., None]
    else:  # a wall, lighter towards a window
        t = (xx / width * 0.6 + yy / height * 0.4)[..., None]
    t = np.broadcast_to(t, (height, width, 1))
    pixels = a[None, None, :] + (b - a)[None, None, :] * t
    pixels += 6 * rng.standard_normal((height, width, 1), dtype=np.float32)
    picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture, "RGBA")
    # Blurred blobs of light and shade (drawn at a quarter of the size: they are blurred
    # anyway), furniture-like blocks, lines and stray words.
    small = (width // 4, height // 4)
    blobs = Image.new("RGBA", small, (0, 0, 0, 0))
    blob_draw = ImageDraw.Draw(blobs)
    for _ in range(int(rng.integers(3, 8))):
        cx, cy, r = rng.uniform(0, small[0]), rng.uniform(0, small[1]), rng.uniform(10, 55)
        blob_draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r), fill=(*_colour(rng), int(rng.integers(60, 160)))
        )
    blobs = blobs.filter(ImageFilter.GaussianBlur(6)).resize(size, Image.Resampling.BILINEAR)
    picture.paste(blobs, (0, 0), blobs)
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = rng.uniform(-100, width), rng.uniform(-100, height)
        draw.rectangle(
            (x0, y0, x0 + rng.uniform(80, 400), y0 + rng.uniform(40, 300)),
            fill=(*_colour(rng), int(rng.integers(120, 230))),
        )
    for _ in range(int(rng.integers(3, 10))):
        draw.line(
            [
                (rng.uniform(0, width), rng.uniform(0, height)),
                (rng.uniform(0, width), rng.uniform(0, height)),
            ],
            fill=(*_colour(rng), 200),
            width=int(rng.integers(2, 10)),
        )
    for _ in range(int(rng.integers(1, 5))):
        word = (
            _WORDS[int(rng.integers(0, len(_WORDS)))].upper()
            if rng.uniform() < 0.5
            else _brand(rng)
        )
        draw.text(
            (rng.uniform(0, width * 0.8), rng.uniform(0, height * 0.9)),
            word,
            font=_font(int(rng.integers(20, 70))),
            fill=(*_colour(rng), 230),
        )
    return picture


def _overlap(box: Box, others: Sequence[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


@functools.cache
def scene(
    seed: int,
    listed: tuple[int, ...] = (),
    *,
    scales: tuple[float, ...] | None = None,
    landscape: bool = False,
) -> Scene:
    """A cluttered frame with the listed products ``listed`` (listing seeds) on top of two to
    five unlisted ones; ``scales`` (one per listed product) default to random in 0.2-0.5."""
    rng = np.random.default_rng([seed, 0x5CE7E])
    size = LANDSCAPE if landscape else PORTRAIT
    short = min(size)
    picture = _background(size, rng)
    for _ in range(int(rng.integers(2, 6))):
        other = product(DISTRACTOR_SEEDS + int(rng.integers(0, DISTRACTORS)))
        warped, _ = _warped(other, short * float(rng.uniform(0.15, 0.45)), rng, turn=25, skew=0.05)
        x = round(rng.uniform(-0.15, 0.95) * size[0] - warped.width / 2)
        y = round(rng.uniform(-0.05, 1.0) * size[1] - warped.height / 2)
        picture.paste(warped, (x, y), warped)
    placements: list[Placement] = []
    boxes: list[Box] = []
    for index, listing in enumerate(listed):
        scale = scales[index] if scales is not None else float(rng.uniform(MIN_SCALE, MAX_SCALE))
        warped, _ = _warped(product(listing), short * scale, rng, turn=15, skew=0.07)
        warped = _relit(warped, rng)
        for _attempt in range(50):
            x = int(rng.integers(0, max(1, size[0] - warped.width)))
            y = int(rng.integers(0, max(1, size[1] - warped.height)))
            alpha = np.asarray(warped.getchannel("A"))
            rows, cols = np.nonzero(alpha > 127)
            box = (
                x + int(cols.min()),
                y + int(rows.min()),
                x + int(cols.max()) + 1,
                y + int(rows.max()) + 1,
            )
            if not _overlap(box, boxes):
                break
        picture.paste(warped, (x, y), warped)
        boxes.append(box)
        placements.append(Placement(seed=listing, box=box, scale=scale))
    picture = picture.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))
    pixels = np.asarray(picture, dtype=np.float32)
    pixels += float(rng.uniform(1.5, 4.0)) * rng.standard_normal(pixels.shape, dtype=np.float32)
    out = np.clip(pixels, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return Scene(pixels=out, placements=tuple(placements))


# --------------------------------------------------------------------------------------
# Clips


def clip(pictures: Sequence[Pixels], *, seconds_each: float = 1.0, fps: int = 4) -> bytes:
    """An H.264 MP4 showing each picture for ``seconds_each`` (all of one size)."""
    height, width = pictures[0].shape[:2]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "23"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        index = 0
        for picture in pictures:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            for _ in range(max(1, round(seconds_each * fps))):
                copy = frame.reformat(format="yuv420p")
                copy.pts = index
                copy.time_base = Fraction(1, fps)
                out.mux(stream.encode(copy))
                index += 1
        out.mux(stream.encode(None))
    return buffer.getvalue()
