-- Run once by the postgres image on an empty data volume: Dagster's own database beside the store.
CREATE DATABASE dagster OWNER lif;
