"""The Flask edge of the contact center: webhooks, extensions, CLI commands, the demo server.

Everything outside this package (and ``agent_ui``) is plain Python.
"""
