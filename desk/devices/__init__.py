"""Devices at the edge: camera, QR decoder, printer, sound. Each behind a small Protocol."""
