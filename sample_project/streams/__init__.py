"""Long-lived HTTP in async views: a slow report and a stream of server-sent events.

Both views hold a slot in ``tracking.in_flight`` while they run and give it
back however they end, including when the client goes away (Django 5.0+
cancels an async view under ASGI: the view sees ``asyncio.CancelledError``).
``middleware`` shows the two ways to write one middleware: sync only (Django's
default for a plain function) and sync-and-async. No models: the package needs
no ``INSTALLED_APPS`` entry; ``urls.py`` adds its routes to the project's.
"""
