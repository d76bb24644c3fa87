"""Chat on the package's language models: the chat format (``format``), the engine-backed
calculator (``calculator``), the tool registry (``tools``), generation with tool calls forced
in (``generate``), the agent loop (``harness``) and the HTTP server (``serve``)."""
