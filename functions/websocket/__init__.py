"""WebSocket API entry point: ``$connect`` / ``$disconnect`` / ``$default`` (see ``inplay.live.sessions``)."""
