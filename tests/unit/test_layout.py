"""The layout tells the architecture: the jobs stand alone, and their SQL runs as it is written."""

import ast
import re
from pathlib import Path

import pytest

import flink_jobs
from flink_jobs import jobs
from gmall_rt.config import Config

JOBS_PACKAGE = Path(flink_jobs.__file__).parent
# what the job image installs (jobs/pyproject.toml): Flink, and the standard library
ALLOWED_TOP_LEVEL = {"flink_jobs", "pyflink", "__future__"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(JOBS_PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_the_jobs_import_nothing_of_the_tooling(path):
    import sys

    outside = {name for name in imported_modules(path)
               if name.split(".")[0] not in ALLOWED_TOP_LEVEL | set(sys.stdlib_module_names)}
    assert not outside, f"{path.name} imports {sorted(outside)}"


@pytest.mark.parametrize("job_name", jobs.JOB_NAMES)
def test_every_placeholder_of_a_jobs_sql_has_a_value_and_nothing_is_escaped(job_name):
    job = jobs.get(job_name)
    parameters = jobs.sql_parameters(Config(), job)
    files = [jobs.CONNECTORS_DIR / f"{table}.sql" for table in job.tables]
    files += [jobs.SQL_DIR / f"{name}.sql" for name in (*job.views, job.outputs)]
    for path in files:
        rendered = jobs.render(path, parameters)
        assert "{{" not in rendered and "}}" not in rendered, path
        assert "$$" not in path.read_text(), f"{path}: SQL is written as it runs, with no escaping"


def test_a_placeholder_without_a_value_is_one_clear_error(tmp_path):
    sql = tmp_path / "t.sql"
    sql.write_text("SELECT '{{ nope }}', JSON_VALUE(x, '$.a');")
    with pytest.raises(jobs.ConfigError, match=re.escape("t.sql: no value for {{ nope }}")):
        jobs.render(sql, {})
    assert jobs.render(sql, {"nope": "v"}) == "SELECT 'v', JSON_VALUE(x, '$.a');"
