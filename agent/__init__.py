"""The brain: prompts, tools, the risk policy and the model loop. Imports no web or engine code."""
