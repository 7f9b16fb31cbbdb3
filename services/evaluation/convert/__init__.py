"""Translation between evaluation's protobuf messages and its rows and domain values: with the
servicer and its ``*_rpcs.py`` mixins, the only modules that build generated messages (the
answers, and the events the use cases write to the outbox). One module per area
(satisfaction.py); the use cases hand them rows and values."""
