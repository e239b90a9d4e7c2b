"""Production entry point: `gunicorn -w 4 wsgi:app` (settings from CREDIT_* environment variables)."""
import sys

from analyzers import analyze_query
from credit.config import SettingsError
from portal import create_app

try:
    app = create_app()
except SettingsError as exc:
    # A setting that cannot work stops gunicorn with its one-line reason, not a traceback.
    sys.exit(f"错误：{exc}")
analyze_query("武汉光谷")  # load jieba's dictionary as the worker starts, not during its first search
