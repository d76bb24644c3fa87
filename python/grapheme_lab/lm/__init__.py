"""Language models: corpus shards, one training loop, the GPT, Thyme, sampling and evaluation."""
