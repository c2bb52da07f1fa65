"""Deterministic synthetic camera frames and videos for tests and benchmarks.

A frame shows one badge QR code on a cluttered background, as a webcam at the desk
would see it, optionally degraded: perspective tilt, in-plane rotation, blur, sensor
noise, a glare blob from the laminated badge and JPEG compression. Everything is driven
by a seed, so the same arguments always give the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

# Frame sizes by their usual names (width, height).
SIZES: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080)}

_EC_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_QUIET_MODULES = 4


@dataclass(frozen=True)
class Degradation:
    """How badly the camera sees the code. The default is a clean, square-on view."""

    tilt_deg: float = 0.0  # badge turned away from the camera (perspective), 0-35 is realistic
    rotate_deg: float = 0.0  # badge rotated in the image plane
    blur_sigma: float = 0.0  # gaussian blur (out of focus, motion), in frame pixels
    noise_sigma: float = 0.0  # gaussian sensor noise, in grey levels
    glare: float = 0.0  # 0-1: strength of a bright reflection blob over the code
    jpeg_quality: int | None = None  # re-encode the frame as JPEG (webcams send MJPG)


def sample_code(seed: int, length: int = 133, prefix: str = "D1:") -> str:
    """Return a desk-like badge code: `prefix` then upper-case base32 up to `length` chars."""
    rng = np.random.default_rng(seed)
    body = rng.integers(0, len(_BASE32), size=max(0, length - len(prefix)))
    return prefix + "".join(_BASE32[i] for i in body)


def qr_matrix(payload: str | bytes, ec_level: str = "M") -> np.ndarray:
    """Return the QR modules as a bool array (True = dark), with a 4-module quiet zone."""
    qr = qrcode.QRCode(error_correction=_EC_LEVELS[ec_level], border=_QUIET_MODULES, box_size=1)
    qr.add_data(payload)
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Return a cluttered BGR scene: gradient, shapes, lines and text, like a busy hall."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0.0, 1.0, width, dtype=np.float32)
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    base = rng.uniform(60, 190, size=3)
    frame = np.empty((height, width, 3), dtype=np.float32)
    for c in range(3):
        frame[:, :, c] = base[c] + 50 * (xs - 0.5) * rng.uniform(-1, 1) + 50 * (ys - 0.5) * rng.uniform(-1, 1)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    scale = width / 1920
    for _ in range(40):
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        kind = rng.integers(0, 4)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(20, 300) * scale) + 2
        if kind == 0:
            cv2.rectangle(frame, (x, y), (x + size, y + size // 2), colour, -1)
        elif kind == 1:
            cv2.circle(frame, (x, y), size // 2, colour, -1)
        elif kind == 2:
            end = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(frame, (x, y), end, colour, int(rng.integers(1, 6)))
        else:
            # Printed text and high-contrast edges are what false finder patterns come from.
            cv2.putText(frame, "ECC 2016 BRUSSELS", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.5 * scale, colour, 2)
    return frame


def _corners(side_px: float, centre: tuple[float, float], deg: Degradation) -> np.ndarray:
    """Project the code square's corners through a pinhole camera after tilting it."""
    half = side_px / 2
    square = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]])
    tilt, rot = math.radians(deg.tilt_deg), math.radians(deg.rotate_deg)
    # Tilt about the vertical axis: the badge turns away, one edge shrinks.
    tilt_m = np.array([[math.cos(tilt), 0, math.sin(tilt)], [0, 1, 0], [-math.sin(tilt), 0, math.cos(tilt)]])
    rot_m = np.array([[math.cos(rot), -math.sin(rot), 0], [math.sin(rot), math.cos(rot), 0], [0, 0, 1]])
    pts = square @ tilt_m.T @ rot_m.T
    distance = 3.0 * side_px  # a webcam about an arm's length away from a badge
    factor = distance / (distance + pts[:, 2])
    return np.stack([centre[0] + pts[:, 0] * factor, centre[1] + pts[:, 1] * factor], axis=1).astype(np.float32)


def make_frame(
    payload: str | bytes | None,
    size: str | tuple[int, int] = "1080p",
    module_px: float = 4.0,
    degradation: Degradation = Degradation(),
    seed: int = 0,
    centre: tuple[float, float] | None = None,
    ec_level: str = "M",
) -> np.ndarray:
    """Return a BGR frame (uint8) showing `payload` as a QR code, or only background if None.

    `module_px` is the width of one QR module in frame pixels before tilt; `centre` is the
    code's centre as fractions of the frame (random but seeded when None).
    """
    width, height = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng(seed + 1_000_003)
    frame = background(width, height, seed)
    code_corners: np.ndarray | None = None
    if payload is not None:
        modules = qr_matrix(payload, ec_level)
        n = modules.shape[0]
        side = n * module_px
        if centre is None:
            margin_x, margin_y = min(0.45, side / width * 0.6 + 0.02), min(0.45, side / height * 0.6 + 0.02)
            centre = (rng.uniform(margin_x, 1 - margin_x), rng.uniform(margin_y, 1 - margin_y))
        code_corners = _corners(side, (centre[0] * width, centre[1] * height), degradation)
        # Render at 8 px per module first so warping to a fractional module size stays crisp.
        fine = 8
        code = np.where(np.kron(modules, np.ones((fine, fine), dtype=bool)), 20, 235).astype(np.uint8)
        src = np.array([[0, 0], [n * fine, 0], [n * fine, n * fine], [0, n * fine]], dtype=np.float32)
        # Warp and blend only inside the code's bounding box: a full 1080p float blend is slow.
        x0, y0 = np.maximum(np.floor(code_corners.min(axis=0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(code_corners.max(axis=0)).astype(int) + 2, (width, height))
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], dtype=np.float64)
        warp = shift @ cv2.getPerspectiveTransform(src, code_corners)
        box = (int(x1 - x0), int(y1 - y0))
        grey = cv2.warpPerspective(code, warp, box, flags=cv2.INTER_AREA, borderValue=0)
        mask = cv2.warpPerspective(np.full(code.shape, 255, np.uint8), warp, box, flags=cv2.INTER_LINEAR)
        alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (roi * (1 - alpha) + grey[:, :, None].astype(np.float32) * alpha).astype(np.uint8)
    return degrade(frame, degradation, seed, code_corners)


def degrade(frame: np.ndarray, deg: Degradation, seed: int = 0, code_corners: np.ndarray | None = None) -> np.ndarray:
    """Apply glare, blur, noise and JPEG (in the order a camera would) to a BGR frame."""
    rng = np.random.default_rng(seed + 2_000_003)
    out = frame.astype(np.float32)
    if deg.glare > 0:
        height, width = frame.shape[:2]
        if code_corners is not None:
            # Put the reflection on the code, off-centre, about a third of its size.
            lo, hi = code_corners.min(axis=0), code_corners.max(axis=0)
            cx, cy = rng.uniform(lo[0] + (hi[0] - lo[0]) * 0.3, hi[0] - (hi[0] - lo[0]) * 0.3), rng.uniform(
                lo[1] + (hi[1] - lo[1]) * 0.3, hi[1] - (hi[1] - lo[1]) * 0.3
            )
            radius = (hi[0] - lo[0]) * 0.22
        else:
            cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), width * 0.05
        # Only the box within three radii of the centre is touched: the rest would get ~0.
        x0, x1 = max(0, int(cx - 3 * radius)), min(width, int(cx + 3 * radius) + 1)
        y0, y1 = max(0, int(cy - 3 * radius)), min(height, int(cy + 3 * radius) + 1)
        yy, xx = np.ogrid[y0:y1, x0:x1]
        blob = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))).astype(np.float32)
        weight = (min(deg.glare, 1.0) * blob)[:, :, None]
        out[y0:y1, x0:x1] = out[y0:y1, x0:x1] * (1 - weight) + 255.0 * weight
    if deg.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), deg.blur_sigma)
    if deg.noise_sigma > 0:
        out += rng.standard_normal(size=out.shape, dtype=np.float32) * np.float32(deg.noise_sigma)
    result = np.clip(out, 0, 255).astype(np.uint8)
    if deg.jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, int(deg.jpeg_quality)])
        if ok:
            result = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return result


def write_video(path: Path | str, frames: Iterable[np.ndarray], fps: float = 30.0, codec: str = "mp4v") -> Path:
    """Write BGR frames to a video file with cv2.VideoWriter (codec 'mp4v' or 'MJPG').

    Raises ValueError when there are no frames or OpenCV cannot open the writer.
    """
    path = Path(path)
    writer: cv2.VideoWriter | None = None
    count = 0
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (width, height))
                if not writer.isOpened():
                    raise ValueError(f"cannot write {codec} video to {path}")
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise ValueError("write_video needs at least one frame")
    return path
