"""The QR module matrix of a badge code (error correction M, no quiet zone).

zxing-cpp's writer builds the matrix in about 0.5 ms; the qrcode library needs about
12 ms because it scores all eight mask patterns in Python, which alone would take 3 s
for 250 badges. qrcode stays as the fallback for zxing-cpp builds older than 3.0 (no
`create_barcode`). Both choose the smallest mode, alphanumeric for desk codes.
"""

from __future__ import annotations

import numpy as np
import qrcode
import zxingcpp

Matrix = list[list[bool]]


def qr_matrix(code: str) -> Matrix:
    """Return the QR matrix of `code`: rows of booleans, True for a dark module.

    Raises ValueError when the text is too long for a QR code.
    """
    if hasattr(zxingcpp, "create_barcode"):
        return _zxing_matrix(code)
    return qrcode_matrix(code)


def _zxing_matrix(code: str) -> Matrix:
    barcode = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return (image < 128).tolist()


def qrcode_matrix(code: str) -> Matrix:
    """Return the matrix as the qrcode library builds it (the slower, portable path)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(code, optimize=0)
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.modules]
