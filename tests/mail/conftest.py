from tests.mail.support import process_database  # noqa: F401  (a fixture)
