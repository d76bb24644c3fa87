"""GRAPHEME's brain: an encoder-decoder transformer over Polish-notation tokens,
trained level by level on the verified curriculum and judged by the engine.

vocab (tokens, targets, decoding) -> sites (a step's operations one by one) -> model (the network, greedy/beam/sampling)
-> data (rows to batches) -> judge (engine verdicts) -> curriculum, checkpoint
-> train (the loop) -> evaluate, repl, plot (the tools).
"""
