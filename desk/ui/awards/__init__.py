"""The award voting kiosk."""
