"""The simulator: moto plus what moto lacks (extensions), worlds, the attacker and the server.

Import `labguide.sim.install.install_extensions()` before the first simulated request;
`labguide.sim.server.SimServer` and `labguide.sim.embedded.start_embedded` do it for you.
"""
