"""Generation for every language-model kind: the prompt decoded once into the model's cache
(a KV cache, or Thyme's fixed state), then one token at a time, each drawn from logits
shaped by a repetition penalty, a temperature, top-k and top-p (nucleus) filtering."""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import torch


def shape_logits(logits: torch.Tensor, seen: torch.Tensor | None, temperature: float, top_k: int, top_p: float,
                 repetition_penalty: float) -> torch.Tensor:
    """Logits [V] after the penalty (CTRL's: a seen token's positive logit divided by it, a
    negative one multiplied), the temperature, and top-k and top-p filtering (-inf outside)."""
    logits = logits.float().clone()
    if repetition_penalty != 1.0 and seen is not None and seen.numel():
        ids = seen.unique()
        vals = logits[ids]
        logits[ids] = torch.where(vals > 0, vals / repetition_penalty, vals * repetition_penalty)
    if temperature > 0:
        logits = logits / temperature
    if 0 < top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits[logits < kth] = -torch.inf
    if 0 < top_p < 1.0:
        order = torch.argsort(logits, descending=True)
        probs = torch.softmax(logits[order], -1)
        # keep the smallest prefix whose mass reaches top_p (the first token always)
        drop = probs.cumsum(-1) - probs >= top_p
        logits[order[drop]] = -torch.inf
    return logits


@torch.no_grad()
def generate(model, prompt: list[int], max_tokens: int, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, repetition_penalty: float = 1.0, seed: int = 0,
             stop: tuple[int, ...] = ()) -> Iterator[int]:
    """Token ids after ``prompt``, one at a time (temperature 0: the most likely each time).
    A model of bounded context (the GPT) keeps its last ``sequence_len`` tokens: when its
    cache fills, the last half is decoded afresh."""
    if not prompt:
        raise ValueError("generation needs a prompt of at least one token (the <|bos|> at least)")
    model.eval()
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    history = list(prompt)
    bounded = getattr(model, "bounded_context", False)
    window = model.cfg.sequence_len
    context = history[-window:] if bounded else history
    cache = model.init_cache(1, device)
    logits = model.decode(torch.tensor([context], device=device), cache)[0, -1]
    for _ in range(max_tokens):
        seen = torch.tensor(history[-window:], device=device) if repetition_penalty != 1.0 else None
        shaped = shape_logits(logits, seen, temperature, top_k, top_p, repetition_penalty)
        if temperature <= 0:
            token = int(shaped.argmax())
        else:
            token = int(torch.multinomial(torch.softmax(shaped, -1), 1, generator=gen))
        yield token
        if token in stop:
            return
        history.append(token)
        if bounded and cache.pos >= window:
            cache = model.init_cache(1, device)
            logits = model.decode(torch.tensor([history[-(window // 2):]], device=device), cache)[0, -1]
        else:
            logits = model.decode(torch.tensor([[token]], device=device), cache)[0, -1]


def stream_text(tokenizer, ids: Iterator[int]) -> Iterator[str]:
    """Text pieces as the ids come: bytes held back until they make whole UTF-8 characters."""
    dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
    specials = {v: k for k, v in tokenizer.special_tokens.items()}
    for i in ids:
        piece = specials.get(i)
        yield dec.decode(tokenizer.token_bytes(i)) if piece is None else piece
    yield dec.decode(b"", final=True)
