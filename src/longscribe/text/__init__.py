"""Text heuristics shared by the engines and the fallback policy: timestamp tokens, sentences, loops."""
