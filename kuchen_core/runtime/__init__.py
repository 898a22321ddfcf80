"""The runtime the applications (``labeling``, ``bench``, ``training``) stand on side by side:
content cache, executors, plugin provenance, atomic file writing, image discovery and the TOML
reader. It imports the kernel only, never an application or the CLI."""
