"""The user-dim job: the Redis hashes user:<id> kept equal to gmall.user_info, from its changelog
(Canal).

Each readable Canal message of user_info is applied in topic order (inserts and updates replace the
hash, deletes remove it), a batch per Redis transaction; unreadable ones go to the dead-letter
topic. Run: ``python -m flink_jobs.user_dim [--config FILE]``.
"""

import sys

from flink_jobs.config import Config
from flink_jobs.jobs import Job, main


def redis_settings(config: Config) -> dict:
    return {"host": config.redis.host, "port": config.redis.port, "password": config.redis.password}


def python_functions(config: Config) -> dict:
    from udfs.user_dim import user_changes_writer

    return {"write_user_changes": user_changes_writer(redis_settings(config))}


JOB = Job(
    name="user-dim",
    description=__doc__.splitlines()[0],
    tables=("user_info_source", "user_dim_sink", "dead_letter_sink"),
    views=("user_dim/user_changes",),
    outputs="user_dim/insert",
    python_functions=python_functions,
    # each source subtask's writer applies its partitions' messages in order (Canal partitions
    # user_info's changes by id, so a user's changes are in order); a batch is at most 1000
    # messages or 100 ms, whichever comes first
    table_options=(
        ("python.fn-execution.arrow.batch.size", "1000"),
        ("python.fn-execution.bundle.size", "1000"),
        ("python.fn-execution.bundle.time", "100"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
