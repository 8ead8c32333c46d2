-- The jobs' Java functions (java/udfs), on the classpath of the cluster and of every job client.

-- why a start or event log is a dead letter (NULL when valid), and its fields, parsed once
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS parse_app_log AS 'com.gmall.realtime.udf.AppLogParser' LANGUAGE JAVA;

-- a Kafka record's value as text when it is valid UTF-8, else NULL
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS record_text AS 'com.gmall.realtime.udf.RecordText' LANGUAGE JAVA;

-- the ts of a valid start or event log, NULL for a dead letter: a source's event time
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS app_log_ts AS 'com.gmall.realtime.udf.AppLogTime' LANGUAGE JAVA;

-- why the gmall-canal-json format does not apply a Canal flatMessage of a table with the columns
-- given (NULL when it applies it, or it is DDL): the format's own rules
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS canal_message_error AS 'com.gmall.realtime.udf.CanalMessageCheck' LANGUAGE JAVA;

-- returns the reason unchanged and counts it in the metric gmall_dead_letters
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS count_dead_letter AS 'com.gmall.realtime.udf.DeadLetterCounter' LANGUAGE JAVA;

-- a value in Phoenix's own byte encoding, so Phoenix reads what the HBase connector wrote
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS to_phoenix AS 'com.gmall.realtime.udf.PhoenixBytes' LANGUAGE JAVA;

-- the key the lateness rule keeps a Kafka partition's newest ts under: the partitions of a topic
-- land on different subtasks, whatever the parallelism (up to 12)
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS partition_key AS 'com.gmall.realtime.udf.PartitionKey' LANGUAGE JAVA;
