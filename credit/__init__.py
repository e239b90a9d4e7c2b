"""The core shared by the indexer and the portal: catalogue, codes, publicity rules, masking,
database models and the search interface."""
