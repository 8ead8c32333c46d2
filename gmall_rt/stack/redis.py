"""Redis 7 from the Debian package, holding the user dimension."""

from __future__ import annotations

import shutil

import redis

from gmall_rt.stack.service import Service, StackError


class Redis(Service):
    name = "redis"
    needs_java = False

    def ports(self) -> dict[str, int]:
        return {"redis": self.config.redis.port}

    def command(self) -> list[str]:
        server = shutil.which("redis-server")
        if server is None:
            raise StackError("redis: redis-server is not installed; apt-get install redis-server")
        cfg = self.config.redis
        args = [
            server,
            "--bind", cfg.host,
            "--port", str(cfg.port),
            "--dir", str(self.home),
            "--daemonize", "no",
            "--appendonly", "yes",
            "--save", "",
        ]
        if cfg.password:
            args += ["--requirepass", cfg.password]
        return args

    def client(self) -> redis.Redis:
        cfg = self.config.redis
        return redis.Redis(host=cfg.host, port=cfg.port, password=cfg.password or None, socket_timeout=2)

    def probe(self) -> str | None:
        try:
            return None if self.client().ping() else "PING got no PONG"
        except redis.RedisError as exc:
            return f"does not answer PING ({exc})"
