"""The REST gateway (FastAPI) over ``ledger.services``. Build it with :func:`api.app.create_app`."""
