"""Dossier pages, one module per audience: journey (online submission), citizen, staff, tracking, files."""
