"""Offline demo: a local feed server and the bundled community sites it serves."""
