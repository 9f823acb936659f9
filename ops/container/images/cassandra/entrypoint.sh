#!/bin/bash
# One node: gossip on loopback, CQL on every interface, announced under the container's address.
set -euo pipefail
: "${MAX_HEAP_SIZE:=512M}" "${CASSANDRA_CLUSTER_NAME:=pagero}"
address="$(hostname -i | awk '{print $1}')"
conf=/var/lib/cassandra/conf
mkdir -p "$conf" /var/lib/cassandra/data /var/lib/cassandra/tmp
sed -e "s/^cluster_name: .*/cluster_name: $CASSANDRA_CLUSTER_NAME/" \
    -e "s/^rpc_address: .*/rpc_address: 0.0.0.0\nbroadcast_rpc_address: $address/" \
    /etc/cassandra/cassandra.yaml > "$conf/cassandra.yaml"
jvm_opts=()
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  # shellcheck disable=SC2206
  jvm_opts+=($line)
done < /etc/cassandra/jvm17-server.options
chown -R cassandra:cassandra /var/lib/cassandra /var/log/cassandra
exec setpriv --reuid=cassandra --regid=cassandra --init-groups \
  java -Xms"$MAX_HEAP_SIZE" -Xmx"$MAX_HEAP_SIZE" -Xss512k "${jvm_opts[@]}" \
  -Dcassandra-foreground=yes \
  -Dcassandra.config="file://$conf/cassandra.yaml" \
  -Dcassandra.storagedir=/var/lib/cassandra/data \
  -Dcassandra.logdir=/var/log/cassandra \
  -Dlogback.configurationFile=file:///etc/cassandra/logback.xml \
  -Dcassandra.skip_wait_for_gossip_to_settle=0 \
  -Djava.io.tmpdir=/var/lib/cassandra/tmp -Djna.tmpdir=/var/lib/cassandra/tmp \
  -cp "/opt/cassandra/lib/*" org.apache.cassandra.service.CassandraDaemon
