"""The bundled JSON schema(s); the files here ship inside the wheel as package data."""
