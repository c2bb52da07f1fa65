"""The demo event and the matchmaking instances that look like the real pre-event."""
