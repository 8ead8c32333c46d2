from confluent_kafka import Consumer, Producer


def test_a_produced_message_is_consumed_back(config, stack, unique):
    topic = f"smoke_{unique}"
    producer = Producer({"bootstrap.servers": config.kafka.bootstrap_servers})
    producer.produce(topic, key=b"k", value=f"hello {unique}".encode())
    assert producer.flush(30) == 0

    consumer = Consumer({
        "bootstrap.servers": config.kafka.bootstrap_servers,
        "group.id": f"smoke-{unique}",
        "auto.offset.reset": "earliest",
    })
    consumer.subscribe([topic])
    try:
        received = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                received = message
                break
        assert received is not None, "nothing arrived within 60 s"
        assert received.key() == b"k"
        assert received.value().decode() == f"hello {unique}"
    finally:
        consumer.close()
