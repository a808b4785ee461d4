"""Settings for the load benchmark only: the product's settings plus bench/urls.py (a comparison view)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
