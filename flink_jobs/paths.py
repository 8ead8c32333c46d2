"""Where the project's own files are: the SQL lives beside the package, not inside it."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
JAVA_DIR = PROJECT_ROOT / "java"
