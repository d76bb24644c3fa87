"""Language models over text: the tokenized corpus (``corpus``) and what trains on it."""
