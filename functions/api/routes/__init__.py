"""The api function's routes, one powertools ``Router`` per concern (included by ``api.handler``)."""
