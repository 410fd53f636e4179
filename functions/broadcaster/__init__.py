"""DynamoDB streams entry point: live updates to their owner's connections (see ``inplay.live``)."""
