"""PLACEHOLDER until the API lands (being written)."""


def register_api(app):
    pass
