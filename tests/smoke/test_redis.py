def test_hash_round_trip(stack, unique):
    client = stack.service("redis").client()
    key = f"smoke:{unique}"
    client.hset(key, mapping={"gender": "F", "birthday": "1990-03-04"})
    try:
        assert client.hgetall(key) == {b"gender": b"F", b"birthday": b"1990-03-04"}
    finally:
        client.delete(key)
    assert client.exists(key) == 0
