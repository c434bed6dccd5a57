"""The dev engine: the plugin's DSP in a supervised process, served to the UI over a WebSocket.

``protocol`` is the JSON-RPC 2.0 contract, written down once: the Python server checks
requests against it and the TypeScript client in ``ui/src/generated/`` is generated from
it. The rest of the package hosts the DSP and serves it (see each module's docstring).
"""
