"""Production entry point: `gunicorn -w 4 wsgi:app` (settings from CREDIT_* environment variables)."""
from analyzers import analyze_query
from portal import create_app

app = create_app()
analyze_query("武汉光谷")  # load jieba's dictionary as the worker starts, not during its first search
