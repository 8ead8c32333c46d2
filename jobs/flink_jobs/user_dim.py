"""The user-dim job: the Redis hashes user:<id> kept equal to gmall.user_info, from its changelog
(Canal).

user_info's changes go, in topic order, through the project's Redis table sink (inserts and
updates replace the hash, deletes remove it); unreadable messages go to the dead-letter topic.
Run: ``python -m flink_jobs.user_dim [--config FILE]``.
"""

import sys

from flink_jobs.jobs import Job, main

JOB = Job(
    name="user-dim",
    description=__doc__.splitlines()[0],
    tables=("user_info_source", "user_dim_sink", "dead_letter_sink"),
    views=("user_dim/user_changes",),
    outputs="user_dim/insert",
    table_options=(
        # Canal partitions user_info's changes by id, so each user's changes reach one sink task in
        # order: the sink applies them as they come, with no materializing of its changelog
        ("table.exec.sink.upsert-materialize", "NONE"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
