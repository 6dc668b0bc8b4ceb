"""The event log: the store behind one URL, the SQL on the events table, an event's stored bytes.

- ``store``: the eventsourcing application behind one URL, our tables, transactions;
- ``log``: every statement of ours on the library's events table (appends, pages, counts),
  rows decoded;
- ``codec``: an event's stored bytes and chain hash, written and read back; plain JSON.
"""
