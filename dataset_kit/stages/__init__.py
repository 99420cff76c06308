"""The export pipeline, one module per stage, in the order a record goes through them.

=================  =================================================================
``prepare``        settings, schema and inputs checked; the :class:`ExportJob` every
                   later stage reads (nothing is written before this succeeds)
``read_validate``  one task's records read and validated (a byte range of a JSON
                   Lines file, page dumps, a batch of other records)
``keys``           pass 1 in a worker: valid records keyed, converted to Arrow and
                   spilled to a file; only the compact keys travel back
``merge``          the tasks' keys concatenated in input order; rejects written
``plan``           exact copies dropped, near duplicates clustered, split units
                   formed and assigned a split (:mod:`dataset_kit.splits`)
``write``          pass 2: the spill streamed back into each split's Parquet shards
``report``         counts, manifest and report of the finished export
``finish``         the swap's companions: free space, carry-over, never empty
=================  =================================================================

Each stage is a function of typed values passed explicitly (the job, the previous
stage's result); none reads module state. :func:`dataset_kit.exporting.export` only
composes them, and the card after them. Work that runs per task goes through an
:mod:`executor <dataset_kit.executors>` with a context dataclass
(:class:`~dataset_kit.stages.keys.KeyContext`).
"""
