-- What the user-dim job's Redis writer returns (rows it applied per message): the writes themselves
-- happen inside the function, batched per Arrow batch and finished before each checkpoint.
CREATE TABLE user_dim_applied (
  rows_applied INT
) WITH (
  'connector' = 'blackhole'
);
