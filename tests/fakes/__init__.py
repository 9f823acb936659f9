"""In-memory stand-ins for the product's ports, for unit-testing our own logic without the services behind them.

Each fake passes the same contract suite as the real adapters (tests/contracts/), so a test written against a fake
holds for the real thing on the behaviours the contract names; what a fake does not do is said in its docstring.

- `payloads.InMemoryPayloadStore`: the PayloadStore port (instead of PostgreSQL or Cassandra);
- `formats.CannedFormats`: the FormatsPort, answering from a table of canned documents;
- `routing.DirectoryRouting`: the RoutingPort over a dict of identifiers -> organisations (instead of the
  participant directory);
- `channels.RecordingChannel`: a delivery ChannelAdapter that keeps what it was given and answers as scripted;
- `broker.InProcessBroker`: the strangler's RPC client, served in this process by the registry's handlers as
  `serve_context` would serve them from RabbitMQ.
"""
