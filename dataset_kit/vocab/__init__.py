"""The Hub's metadata vocabularies as JSON data files, read by :mod:`dataset_kit.vocabulary`."""
