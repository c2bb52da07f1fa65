"""What every page shares: workers, table models, theme, camera, big screens, settings."""
