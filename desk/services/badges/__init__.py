"""Badges: keys, signed codes, PDFs, fonts, QR and the print queue."""
