"""Where the tooling's own files are in the repository: the SQL client's scripts (``sql/``), the
pinned Java artifacts (``java/``) and Grafana's provisioning and dashboards (``grafana/``)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
JAVA_DIR = PROJECT_ROOT / "java"
