"""Development and test tooling: the embedded MongoDB-wire server, the live stack behind
`./dev run`, pytest fixtures (simulator, clips, browser) and the API worlds the journeys use.

Nothing in the application imports this package; it may import every app.
"""
