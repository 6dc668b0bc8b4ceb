"""The event log: the store behind one URL, the transcoder, the stored bytes and hashes of events."""
