"""Embedded mode for `make run`: SQLite and in-process tasks unless the environment says otherwise."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool

DEBUG = env_bool("DEBUG", True)
STATIC_ROOT = None  # runserver serves static files from the apps in embedded mode
