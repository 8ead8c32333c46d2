# The two commands of README.md. Both set up a fresh machine first (scripts/bootstrap.sh).
.PHONY: bootstrap run test stack-down

bootstrap:
	./scripts/bootstrap.sh

# the local stack with every service, every job, mock data for yesterday and today, and where
# each one listens (README: "Where to look after make run")
run: bootstrap
	.venv/bin/gmall-rt stack up
	.venv/bin/gmall-rt jobs cancel dau gmv alert user-dim sale-detail
	.venv/bin/gmall-rt jobs submit
	.venv/bin/gmall-rt mock --reset --count 200000
	.venv/bin/gmall-rt jobs list
	.venv/bin/gmall-rt stack status

# unit tests, then the smoke tests against the real stack (started if it is not running)
test: bootstrap
	.venv/bin/gmall-rt stack up
	.venv/bin/pytest -p no:cacheprovider

stack-down:
	.venv/bin/gmall-rt stack down
