"""Live updates: DynamoDB stream changes → messages → the owner's WebSocket connections."""
