"""The sale-detail job: every order line joined with its order and its user, as documents of the
Elasticsearch indices gmall_sale_detail-<date> (alias gmall_sale_detail).

Order lines and orders are joined from their Canal changes, read as row versions (a deletion keeps
the row as a tombstone), whatever order they arrive in, so that a line that is gone is still sent to
the sink, as a deletion; the user is taken from user_info's changelog or, for a user the job has not
seen, looked up by the Java function ``lookup_user`` in the Redis dimension (MariaDB for a user not
yet there).
Unreadable order_detail messages go to the dead-letter topic.
Run: ``python -m flink_jobs.sale_detail [--config FILE]``.
"""

import sys

from flink_jobs.config import Config
from flink_jobs.jobs import Job, main


def mariadb_settings(config: Config) -> dict:
    mariadb = config.mariadb
    return {"host": mariadb.host, "port": mariadb.port, "user": mariadb.user,
            "password": mariadb.password, "database": mariadb.source_database}


def java_functions(config: Config) -> dict:
    """``lookup_user``: a Java function (java/udfs) that reads Redis and MariaDB in the job's own
    operator, with the connection settings inside it."""
    from pyflink.java_gateway import get_gateway

    redis, mariadb = config.redis, mariadb_settings(config)
    lookup_user = get_gateway().jvm.com.gmall.realtime.udf.UserLookup(
        redis.host, redis.port, redis.password, redis.user_key_prefix,
        mariadb["host"], mariadb["port"], mariadb["user"], mariadb["password"], mariadb["database"])
    return {"lookup_user": lookup_user}


JOB = Job(
    name="sale-detail",
    description=__doc__.splitlines()[0],
    tables=("order_detail_versions", "order_info_versions", "user_info_source", "sale_detail_sink",
            "dead_letter_sink"),
    views=("sale_detail/order_lines", "sale_detail/sale_details", "sale_detail/order_detail_dead_letters"),
    outputs="sale_detail/insert",
    state_ttl_h=lambda config: config.jobs.sale_detail_state_ttl_h,
    java_functions=java_functions,
    table_options=(
        # Canal delivers at least once: user_info's primary key lets Flink drop repeated changes
        # (order lines and orders are read as versions, the newest kept)
        ("table.exec.source.cdc-events-duplicate", "true"),
        # the documents are upserted by order_detail_id, whose changes all come in order from
        # one join task; no materializing of the sink's changelog is needed
        ("table.exec.sink.upsert-materialize", "NONE"),
    ),
)

if __name__ == "__main__":
    sys.exit(main(JOB.name))
