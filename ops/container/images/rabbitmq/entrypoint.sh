#!/bin/bash
# Writes rabbitmq.conf from the environment, then runs the broker in the foreground as the rabbitmq user.
set -euo pipefail
: "${RABBITMQ_DEFAULT_USER:=guest}" "${RABBITMQ_DEFAULT_PASS:=guest}"
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
default_user = $RABBITMQ_DEFAULT_USER
default_pass = $RABBITMQ_DEFAULT_PASS
loopback_users = none
listeners.tcp.default = 5672
prometheus.tcp.port = 15692
# Pipeline tasks are acknowledged after they ran (acks_late); a long step must not hit the default 30 min timeout.
consumer_timeout = 3600000
CONF
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
